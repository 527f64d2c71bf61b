"""`python -m cli`: the `palermo` command."""

import sys

from cli import main

sys.exit(main())

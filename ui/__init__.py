"""The Gradio views of the app, one module per thing shown; app.py composes them into one page.

Importing any view turns telemetry and hub look-ups off first, before gradio reads its switches.
"""

from common.settings import quiet_network_env

quiet_network_env()

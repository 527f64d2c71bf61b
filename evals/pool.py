"""`python -m evals.pool [FILE]`: ask the engine every question of a refusal pool, whole.

A pool (`evals/pools/refusal-pool.jsonl`) is hundreds of near misses and answerable look-alikes
written to tune refusals on, beside dev: too many to hold key facts each, so it measures only
whether each question is refused. It is not an eval set and never fitted on (README of evals).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from common.settings import Settings, quiet_network_env

if TYPE_CHECKING:
    from assistant.service import Assistant

POOL = Path(__file__).resolve().parent / "pools" / "refusal-pool.jsonl"


def pool_refusals(assistant: Assistant, path: Path) -> dict[str, tuple[int, int]]:
    """(refused, asked) per group: "near miss" or "look-alike", then how it was written."""
    asked: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(tqdm(lines, desc="Asking", unit="question"), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            question, answerable = str(row["question"]), bool(row["answerable"])
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}:{number}: not a pool question ({error})") from error
        group = f"{'look-alike' if answerable else 'near miss'} / {row.get('written_as', '-')}"
        asked[group] += 1
        refused[group] += bool(assistant.ask(question, []).refused)
    return {group: (refused[group], asked[group]) for group in sorted(asked)}


def main(argv: list[str]) -> int:
    quiet_network_env()
    from assistant.records import EmptyStoreError
    from assistant.service import Assistant

    path = Path(argv[0]) if argv else POOL
    try:
        counts = pool_refusals(Assistant.open(Settings()), path)
    except (OSError, ValueError, EmptyStoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for group, (refused, asked) in counts.items():
        print(f"{group:32s} refused {refused:4d} of {asked}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""`python -m evals.typing_probe [--set FILE ...] [--as WAY ...]`: the same questions, typed as
people type them in chat, and what changes in the answers.

Eval questions are written with care: a capital to start, a "?" to end, straight apostrophes,
and each asked on its own. Users type "who has ratified the trafficking protocol", "when’s the
next session? 🙏", paste the question in quotes, or ask it in a chat that was about something
else. Each way of typing below rewrites every question of the tune sets, and
the probe counts the cases whose answer changes for the worse: an answerable question refused,
a near miss answered, a key fact lost. A robust engine changes nothing. The probe reads tune
sets only (dev, coverage, core by default): it prints case ids.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from common.settings import Settings, quiet_network_env
from evals.metrics import all_facts_in
from evals.sets import EvalCase, EvalSetError, load_set

if TYPE_CHECKING:
    from assistant.service import Assistant

SETS = Path(__file__).resolve().parent / "sets"
TUNE_SETS = [SETS / "core.jsonl", SETS / "coverage.jsonl", SETS / "dev.jsonl"]


def _swapped_letters(question: str) -> str:
    """One typo: two middle letters of the longest word swapped ("smuglging")."""
    words = list(re.finditer(r"[a-z]{7,}", question))
    if not words:
        return question
    word = max(words, key=lambda m: len(m.group(0)))
    text, middle = word.group(0), len(word.group(0)) // 2
    typo = text[:middle] + text[middle + 1] + text[middle] + text[middle + 2 :]
    return question[: word.start()] + typo + question[word.end() :]


# each way of typing: how it rewrites a question
WAYS: dict[str, Callable[[str], str]] = {
    "lower case, no ?": lambda q: re.sub(r"[?.!]+\s*$", "", q.lower()),
    "curly apostrophes": lambda q: q.replace("'", "’"),
    "no apostrophes": lambda q: re.sub(r"(\w)'(s|t|re|ve|ll|d|m)\b", r"\1\2", q),
    "greeting and thanks": lambda q: f"Hi! {q} Thanks!",
    "??": lambda q: q.rstrip().rstrip("?") + "??",
    "emoji": lambda q: f"{q} 🙏",
    "in quotes": lambda q: f'"{q}"',
    "a typo": _swapped_letters,
}


# a chat that moves on: the question asked after a turn on something else (cases with no
# history of their own)
AFTER_ANOTHER = "after another question"
EARLIER_TURN = [
    {"role": "user", "content": "Who organised the side event on smuggling tools in May 2021?"},
    {
        "role": "assistant",
        "content": "The side event was jointly organised by the RSO and UNODC on 18 May 2021. [1]",
    },
]


def _asked(case: EvalCase, way: str) -> EvalCase:
    """The case as asked this way."""
    if way == AFTER_ANOTHER:
        return case if case.history else replace(case, history=EARLIER_TURN)
    return replace(case, question=WAYS[way](case.question))


def _outcome(assistant: Assistant, case: EvalCase) -> tuple[bool, bool]:
    """Whether the case's question is refused, and whether its answer holds every key fact."""
    answer = assistant.ask(case.question, case.history)
    return answer.refused, not answer.refused and all_facts_in(answer.answer, case.key_facts)


def _worse(assistant: Assistant, case: EvalCase, plain: tuple[bool, bool]) -> str:
    """What got worse for the case typed this way: "refused", "answered", "facts" or ""."""
    refused, met = _outcome(assistant, case)
    if case.answerable and refused and not plain[0]:
        return "refused"
    if not case.answerable and plain[0] and not refused:
        return "answered"
    return "facts" if case.answerable and plain[1] and not met else ""


def probe(
    assistant: Assistant, cases: list[EvalCase], ways: list[str]
) -> dict[str, dict[str, list[str]]]:
    """Per way of typing, the ids of the cases that got worse, by what got worse."""
    plain = {case.id: _outcome(assistant, case) for case in tqdm(cases, desc="As written")}
    worse: dict[str, dict[str, list[str]]] = {}
    for way in ways:
        found: dict[str, list[str]] = {"refused": [], "answered": [], "facts": []}
        for case in tqdm(cases, desc=way, unit="case"):
            typed = _asked(case, way)
            if typed != case and (what := _worse(assistant, typed, plain[case.id])):
                found[what].append(case.id)
        worse[way] = found
    return worse


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.typing_probe", description=__doc__)
    parser.add_argument("--set", type=Path, action="append", help="tune set(s) to rewrite")
    parser.add_argument("--as", dest="ways", action="append", choices=[*WAYS, AFTER_ANOTHER])
    args = parser.parse_args(argv)
    quiet_network_env()
    from assistant.records import EmptyStoreError
    from assistant.service import Assistant

    try:
        cases = [case for path in args.set or TUNE_SETS for case in load_set(path)]
        ways = args.ways or [*WAYS, AFTER_ANOTHER]
        worse = probe(Assistant.open(Settings()), cases, ways)
    except (OSError, EvalSetError, EmptyStoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    answerable = sum(case.answerable for case in cases)
    print(f"{len(cases)} cases ({answerable} answerable); worse than as written:")
    for way, found in worse.items():
        counts = ", ".join(f"{what} {len(ids)}" for what, ids in found.items())
        print(f"  {way:22s} {counts}")
        for what, ids in found.items():
            if ids:
                print(f"      {what}: {' '.join(ids)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

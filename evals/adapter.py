"""`palermo adapt`: fit the query adapter (assistant/query_adapter.py) on eval sets.

Each answerable case is asked through the engine with the adapter off; the sentences it weighed
become the example's candidates, and those holding a key fact its answers. The shipped adapter
is fitted on the core set (given twice: it weighs twice) and `evals/training/lay.jsonl`, 500
plain-word questions written for fitting only, so dev and coverage stay sets to tune on and test
stays blind.
"""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.candidates import Candidate
from assistant.fitted_files import PROBE
from assistant.query_adapter import Example, QueryAdapter, fit
from assistant.service import Assistant
from common.settings import Settings
from evals.sets import EvalCase, load_set

_EVALS = Path(__file__).resolve().parent
TRAINING_SETS = (
    _EVALS / "sets" / "core.jsonl",
    _EVALS / "sets" / "core.jsonl",
    _EVALS / "training" / "lay.jsonl",
)


def examples_of(assistant: Assistant, cases: list[EvalCase]) -> list[Example]:
    """One example per draft of each answerable case (a question in parts has several)."""
    examples = []
    for case in tqdm(cases, desc="asking", unit="question"):
        if not case.answerable:
            continue
        drafts, _ = assistant.drafts(" ".join(case.question.split()), case.history)
        for draft in drafts:
            asked, weighed = draft.question, [c for c in draft.candidates if c.quotable]
            if asked is None or not weighed:
                continue
            answers = [_holds_fact(_as_quoted(c), case.key_facts) for c in weighed]
            examples.append(
                Example(
                    asked.vector,
                    asked.context_vector,
                    np.stack([c.embedding for c in weighed]),
                    np.array(answers, dtype=bool),
                )
            )
    return examples


def _as_quoted(candidate: Candidate) -> str:
    """A list item is quoted with its lead-in and the other items, a sentence alone."""
    return " ".join(c.text for c in (candidate.lead or candidate).block())


def _holds_fact(text: str, key_facts: list[list[str]]) -> bool:
    folded = " ".join(text.lower().split())
    return any(" ".join(fact.lower().split()) in folded for group in key_facts for fact in group)


def make_adapter(settings: Settings, sets: list[Path], out: Path, strength: float) -> str:
    """Fit an adapter on `sets` and write it to `out`; returns what it says of itself."""
    plain = settings.model_copy(update={"ablate": [*settings.ablate, "query_adapter"]})
    assistant = Assistant.open(plain)
    cases = [case for path in sets for case in load_set(path)]
    examples = examples_of(assistant, cases)
    matrix = fit(examples, strength=strength)
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in sets)).hexdigest()[:12]
    names = ", ".join(f"{p.parent.name}/{p.name}" for p in sets)
    note = (
        f"fitted {datetime.date.today()} on {names} (sha256 {digest}): "
        f"{len(examples)} examples, strength {strength}"
    )
    probe = np.asarray(assistant.embed_texts([PROBE])[0], dtype=np.float32)
    QueryAdapter(matrix, probe, note).save(out)
    return note

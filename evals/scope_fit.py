"""`palermo fit-scope`: fit the scope model (assistant/scope.py) on training questions.

The shipped model is fitted on the stand-alone questions of the core set,
`evals/training/lay.jsonl` (answerable) and `evals/training/out_of_scope.jsonl` (near misses the
documents do not answer, and look-alikes they do), all written for fitting or regression; dev,
coverage and test stay sets to tune on and blind.
"""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.fitted import PROBE
from assistant.scope import ScopeModel, fit
from assistant.service import Assistant
from common.settings import Settings
from evals.sets import load_set

_EVALS = Path(__file__).resolve().parent
TRAINING_SETS = (
    _EVALS / "sets" / "core.jsonl",
    _EVALS / "training" / "lay.jsonl",
    _EVALS / "training" / "out_of_scope.jsonl",
)
_BATCH = 64


def make_scope(settings: Settings, sets: list[Path], out: Path, strength: float) -> str:
    """Fit a scope model on the stand-alone questions of `sets` and write it to `out`; returns
    what it says of itself. A follow-up is left out: the engine does not score one."""
    assistant = Assistant.open(settings)
    cases = [case for path in sets for case in load_set(path) if not case.history]
    texts = [" ".join(case.question.split()) for case in cases]
    vectors = []
    for start in tqdm(range(0, len(texts), _BATCH), desc="embedding", unit="batch"):
        vectors += assistant.embed_questions(texts[start : start + _BATCH])
    labels = np.array([not case.answerable for case in cases])
    weights, bias = fit(np.asarray(vectors, dtype=np.float32), labels, strength)
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in sets)).hexdigest()[:12]
    note = (
        f"fitted {datetime.date.today()} on {', '.join(f'{p.parent.name}/{p.name}' for p in sets)} "
        f"(sha256 {digest}): {len(cases)} stand-alone questions, {int(labels.sum())} out of "
        f"scope, strength {strength}"
    )
    probe = np.asarray(assistant.embed_texts([PROBE])[0], dtype=np.float32)
    ScopeModel(weights, bias, probe, note).save(out)
    return note

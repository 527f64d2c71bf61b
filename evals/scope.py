"""`palermo scope`: fit the scope classifier (assistant/scope.py).

It learns from `evals/training/scope.jsonl` (questions the corpus cannot answer, each with its
kind, and answerable ones written to look like them, each with the corpus passage that answers
it) and from the answerable stand-alone questions of the core set and the adapter's training
sets. Dev, coverage and test are never fitted on, so the first two stay sets to tune on and test
stays blind.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from pathlib import Path

import numpy as np

from assistant.encoder import encode_queries
from assistant.fitted_files import PROBE
from assistant.scope import ANSWERABLE, REASONS, ScopeClassifier
from common.settings import Settings, quiet_network_env
from evals.sets import EvalSetError, load_set

_EVALS = Path(__file__).resolve().parent
SCOPE_TRAINING = _EVALS / "training" / "scope.jsonl"
ANSWERABLE_SETS = (
    _EVALS / "sets" / "core.jsonl",
    _EVALS / "training" / "lay.jsonl",
    _EVALS / "training" / "kinds.jsonl",
)
# one hidden layer of HIDDEN units, its weights held down by PENALTY (sklearn's alpha): a
# logistic regression (no hidden layer) drew one straight boundary between "answerable" and
# each kind, and left near misses such as "is GLO.ACT going to get a third phase?" on the
# answerable side; README ("The scope classifier") has the choice
HIDDEN = 128
PENALTY = 0.1


def scope_examples(path: Path) -> list[tuple[str, str]]:
    """(question, kind) from a scope training file: "answerable", or a kind of `REASONS`."""
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            question, answerable = str(record["question"]), bool(record["answerable"])
            kind = ANSWERABLE if answerable else str(record["kind"])
        except (ValueError, KeyError, TypeError) as error:
            raise EvalSetError(f"{path}:{number}: not a scope example ({error})") from error
        if kind != ANSWERABLE and kind not in REASONS:
            raise EvalSetError(f"{path}:{number}: kind {kind!r} is none of {sorted(REASONS)}")
        examples.append((question, kind))
    return examples


def training_examples(scope: Path, answerable_sets: list[Path]) -> list[tuple[str, str]]:
    """The scope file's examples, then the answerable stand-alone questions of the other sets
    (a follow-up's words alone do not say what it asks)."""
    examples = scope_examples(scope)
    for path in answerable_sets:
        examples += [
            (case.question, ANSWERABLE)
            for case in load_set(path)
            if case.answerable and not case.history
        ]
    return examples


def fit(
    vectors: np.ndarray, kinds: list[str]
) -> tuple[tuple[tuple[np.ndarray, np.ndarray], ...], tuple[str, ...]]:
    """The layers (weights, bias) of a one-hidden-layer network scoring each kind, and the
    kinds in the order of its scores. Seeded: the same examples give the same file."""
    from sklearn.neural_network import MLPClassifier

    if ANSWERABLE not in kinds or len(set(kinds)) < 2:
        raise ValueError("the examples need answerable questions and at least one other kind")
    model = MLPClassifier(
        hidden_layer_sizes=(HIDDEN,), alpha=PENALTY, max_iter=2000, random_state=0
    )
    model.fit(vectors, kinds)
    layers = [(w.T, b) for w, b in zip(model.coefs_, model.intercepts_, strict=True)]
    weights, bias = layers[-1]
    if len(model.classes_) == 2:  # sklearn scores the second kind alone: the first scores 0
        layers[-1] = (np.vstack([np.zeros_like(weights), weights]), np.array([0.0, bias[0]]))
    return tuple(layers), tuple(str(k) for k in model.classes_)


def make_scope(settings: Settings, scope: Path, answerable_sets: list[Path], out: Path) -> str:
    """Fit a classifier on the examples and write it to `out`; returns what it says of itself."""
    quiet_network_env()
    from ingest.embedding import load_embedder

    examples = training_examples(scope, answerable_sets)
    embedder = load_embedder(settings)
    vectors = np.asarray(encode_queries(embedder, [q for q, _ in examples]), dtype=np.float32)
    layers, kinds = fit(vectors, [k for _, k in examples])
    probe = np.asarray(embedder.get_text_embedding_batch([PROBE])[0], dtype=np.float32)
    sources = [scope, *answerable_sets]
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in sources)).hexdigest()[:12]
    names = ", ".join(f"{p.parent.name}/{p.name}" for p in sources)
    beyond = sum(k != ANSWERABLE for _, k in examples)
    note = (
        f"fitted {datetime.date.today()} on {names} (sha256 {digest}): {len(examples)} "
        f"questions, {beyond} beyond the documents"
    )
    ScopeClassifier(layers, kinds, probe, note).save(out)
    return note

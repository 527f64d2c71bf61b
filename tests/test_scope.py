"""The scope model: fitting tells two kinds of question apart; a file loads only for its model;
the shipped model refuses questions of a kind the documents do not answer, says why, and leaves
follow-ups alone."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from assistant.fitted import PROBE
from assistant.scope import SCOPE_FILE, ScopeModel, fit
from cli import main
from tests.fixtures import folded_corpus_text

ROOT = Path(__file__).resolve().parent.parent


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


def _two_kinds(rng: np.random.Generator, count: int, size: int = 16):
    """Questions of two kinds: each kind leans one way along a direction of the space."""
    kind = np.zeros(size)
    kind[0] = 1.0
    labels = rng.random(count) < 0.3  # fewer of the out-of-scope kind, as in the training data
    vectors = _unit(rng.normal(size=(count, size)) + np.where(labels, 2.0, -2.0)[:, None] * kind)
    return vectors, labels


def test_fitting_tells_the_two_kinds_apart_and_needs_both():
    rng = np.random.default_rng(0)
    vectors, labels = _two_kinds(rng, 400)
    weights, bias = fit(vectors, labels)
    model = ScopeModel(weights, bias, np.zeros(16, dtype=np.float32))
    unseen, truth = _two_kinds(rng, 200)
    chances = np.array([model.out_of_scope(v) for v in unseen])
    assert ((chances >= 0.5) == truth).mean() > 0.9
    assert chances[truth].mean() > 0.7 > 0.3 > chances[~truth].mean()
    with pytest.raises(ValueError, match="both"):
        fit(vectors, np.zeros(len(vectors), dtype=bool))


def test_a_scope_model_loads_only_for_the_model_it_was_fitted_for(tmp_path: Path, caplog):
    rng = np.random.default_rng(1)
    probe = _unit(rng.normal(size=16))
    weights = rng.normal(size=16).astype(np.float32)
    path = tmp_path / SCOPE_FILE
    ScopeModel(weights, -0.5, probe, "fitted for a test").save(path)

    loaded = ScopeModel.load(path, probe)
    assert loaded is not None and loaded.note == "fitted for a test"
    assert np.allclose(loaded.weights, weights) and loaded.bias == -0.5

    assert ScopeModel.load(tmp_path / "none.npz", probe) is None  # no model: no warning
    with caplog.at_level(logging.WARNING):
        assert ScopeModel.load(path, _unit(rng.normal(size=16))) is None
        assert ScopeModel.load(path, _unit(rng.normal(size=8))) is None
        broken = tmp_path / "broken.npz"
        broken.write_bytes(b"not an npz file")
        assert ScopeModel.load(broken, probe) is None
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "another embedding model" in messages and "palermo fit-scope" in messages
    assert "16-dimensional vectors, the model makes 8" in messages
    assert f"{broken} is not readable" in messages


def test_the_shipped_model_is_loaded_and_says_how_it_was_made(assistant):
    assert assistant.scope is not None
    for training in ("sets/core.jsonl", "training/lay.jsonl", "training/out_of_scope.jsonl"):
        assert training in assistant.scope.note
    for held_out in ("dev", "coverage", "test"):
        assert f"{held_out}.jsonl" not in assistant.scope.note


def test_the_out_of_scope_training_questions_are_their_own_and_look_alikes_quote_the_corpus():
    """evals/training/out_of_scope.jsonl repeats no eval case, holds near misses and look-alikes,
    and each look-alike's key facts are corpus text (else it would teach that a question the
    documents do not answer is answerable)."""
    from evals.sets import load_set

    training = load_set(ROOT / "evals" / "training" / "out_of_scope.jsonl")
    evals = [c for p in sorted((ROOT / "evals" / "sets").glob("*.jsonl")) for c in load_set(p)]
    fold = lambda text: " ".join(text.lower().split()).strip(" ?")  # noqa: E731
    assert not {fold(c.question) for c in training} & {fold(c.question) for c in evals}
    near_misses = [c for c in training if not c.answerable]
    look_alikes = [c for c in training if c.answerable]
    assert len(near_misses) >= 400 and len(look_alikes) >= 100
    corpus = folded_corpus_text()
    facts = [f for c in look_alikes for g in c.key_facts for f in g]
    assert [f for f in facts if " ".join(f.lower().split()) not in corpus] == []


def test_palermo_fit_scope_fits_a_model_the_assistant_can_load(
    corpus_settings, assistant, tmp_path: Path
):
    import json

    cases = [
        {"id": "a1", "question": "Can people who were smuggled be prosecuted for it?"},
        {"id": "a2", "question": "What must a boat's flag State be asked before boarding?"},
        {"id": "o1", "question": "Will the police come after my brother?", "answerable": False},
        {"id": "o2", "question": "Who won the 2018 World Cup?", "answerable": False},
        {"id": "f1", "question": "And then?", "history": [{"role": "user", "content": "Hi"}]},
    ]
    for case in cases:
        case.setdefault("answerable", True)
        case.setdefault("key_facts", [["x"]] if case["answerable"] else [])
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    out = tmp_path / SCOPE_FILE
    code = main(
        [
            "--store",
            str(corpus_settings.home),
            "fit-scope",
            "--set",
            str(questions),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    loaded = ScopeModel.load(out, np.asarray(assistant.embed_texts([PROBE])[0]))
    assert loaded is not None and "questions.jsonl" in loaded.note
    assert "4 stand-alone questions, 2 out of scope" in loaded.note  # the follow-up left out


def test_palermo_fit_scope_names_a_missing_set(corpus_settings, tmp_path: Path, capsys):
    code = main(
        ["--store", str(corpus_settings.home), "fit-scope", "--set", str(tmp_path / "no.jsonl")]
    )
    assert code == 1
    assert "no.jsonl" in capsys.readouterr().err

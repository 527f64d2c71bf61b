"""The query adapter: fitting moves questions towards their answers; a file loads only for its
model; the shipped adapter answers plain-word questions the model alone does not."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from assistant.fitted_files import PROBE
from assistant.query_adapter import ADAPTER_FILE, Example, QueryAdapter, fit
from cli import main
from tests.fixtures import folded_corpus_text, loaded_only_for_its_model


def _unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def _examples(rng: np.random.Generator, count: int, size: int = 16) -> list[Example]:
    """Answers say the question's topic in other words (a fixed linear change of its vector),
    while a distractor says something near the question in its own words: what a plain-word
    question and a treaty sentence look like to the model."""
    wording = np.roll(np.eye(size), 1, axis=0)  # the documents' way of saying a topic
    examples = []
    for _ in range(count):
        topic = rng.normal(size=size)
        question = _unit(topic + 0.2 * rng.normal(size=size))
        distractor = _unit(topic + 1.2 * rng.normal(size=size))
        answer = _unit(0.4 * topic + wording @ topic + 0.2 * rng.normal(size=size))
        sentences = np.stack([distractor, answer])
        examples.append(Example(question, None, sentences, np.array([False, True])))
    return examples


def _answer_first(matrix: np.ndarray | None, examples: list[Example]) -> float:
    wins = 0
    for example in examples:
        question = example.question if matrix is None else _unit(matrix @ example.question)
        wins += int(np.argmax(example.sentences @ question) == 1)
    return wins / len(examples)


def test_fitting_ranks_answers_first_on_questions_it_did_not_see():
    rng = np.random.default_rng(0)
    train, held_out = _examples(rng, 300), _examples(rng, 100)
    matrix = fit(train, strength=0.01, steps=150)
    assert _answer_first(None, held_out) < 0.3
    assert _answer_first(matrix, held_out) > 0.85
    loose = fit(train, strength=10.0, steps=150)  # held near the identity it changes little
    assert np.abs(loose - np.eye(16)).max() < np.abs(matrix - np.eye(16)).max()


def test_fitting_without_a_known_answer_is_an_error():
    rng = np.random.default_rng(1)
    examples = _examples(rng, 3)
    for example in examples:
        example.answers[:] = False
    with pytest.raises(ValueError, match="answering"):
        fit(examples)


def test_an_adapter_loads_only_for_the_model_it_was_fitted_for(tmp_path: Path, caplog):
    rng = np.random.default_rng(2)
    probe = _unit(rng.normal(size=16))
    matrix = np.eye(16, dtype=np.float32) + 0.01 * rng.normal(size=(16, 16)).astype(np.float32)
    path = tmp_path / ADAPTER_FILE
    QueryAdapter(matrix, probe, "fitted for a test").save(path)

    loaded = QueryAdapter.load(path, probe)
    assert loaded is not None and loaded.note == "fitted for a test"
    assert np.allclose(loaded.matrix, matrix, atol=1e-3)
    assert np.isclose(np.linalg.norm(loaded.apply(probe)), 1.0)

    messages = loaded_only_for_its_model(QueryAdapter.load, path, probe, caplog)
    assert "another embedding model" in messages
    assert "16-dimensional vectors, the model makes 8" in messages
    assert f"{tmp_path / 'broken.npz'} is not readable" in messages


def test_the_shipped_adapter_is_loaded_and_says_how_it_was_made(assistant):
    assert assistant.adapter is not None
    assert "sets/core.jsonl" in assistant.adapter.note
    assert "training/lay.jsonl" in assistant.adapter.note  # never dev, coverage or test
    for held_out in ("dev", "coverage", "test"):
        assert f"{held_out}.jsonl" not in assistant.adapter.note


@pytest.mark.parametrize(("name", "least"), [("lay.jsonl", 490), ("kinds.jsonl", 390)])
def test_the_training_questions_are_their_own_and_quote_the_corpus(name: str, least: int):
    """The training questions (evals/training/) repeat no eval case (else dev, coverage or test
    would be measured on what an adapter learned), and their key facts are corpus text."""
    from evals.sets import load_set

    root = Path(__file__).resolve().parent.parent
    training = load_set(root / "evals" / "training" / name)
    evals = [c for p in sorted((root / "evals" / "sets").glob("*.jsonl")) for c in load_set(p)]
    assert len(training) >= least and all(c.answerable for c in training)
    assert not {c.question.lower() for c in training} & {c.question.lower() for c in evals}
    corpus = folded_corpus_text()
    facts = [f for c in training for g in c.key_facts for f in g]
    assert [f for f in facts if " ".join(f.lower().split()) not in corpus] == []


@pytest.mark.parametrize(
    ("question", "history", "fact"),
    [
        (  # dev d001: "charged" for the Protocol's "criminal prosecution"
            "if someone paid a people smuggler to get them into the country, can THEY be "
            "charged for it under the UN smuggling treaty?",
            [],
            "shall not become liable to criminal prosecution",
        ),
        (  # dev d005: "refugee and asylum protections" for the saving clause's wording
            "Does signing up to the anti-smuggling treaty mean a government can ignore refugee "
            "and asylum protections when it cracks down on smugglers?",
            [],
            "principle of non-refoulement",
        ),
    ],
)
def test_plain_word_questions_are_answered_with_the_adapter_and_not_without(
    assistant, question, history, fact
):
    """The fact is quoted, and sooner than without the adapter, if at all (a passage quoted
    whole can bring it later without)."""

    def place(answer: str) -> float:  # the number of the first quote holding the fact
        quotes = re.split(r"\[\d+\]", answer)
        return next((n for n, quote in enumerate(quotes, 1) if fact in quote), math.inf)

    answer = assistant.ask(question, history)
    assert not answer.refused
    assert place(answer.answer) < math.inf
    base = assistant.settings
    try:
        assistant.settings = base.model_copy(update={"ablate": ["query_adapter"]})
        assert place(answer.answer) < place(assistant.ask(question, history).answer)
    finally:
        assistant.settings = base


def test_palermo_adapt_fits_an_adapter_the_assistant_can_load(
    corpus_settings, assistant, tmp_path: Path
):
    cases = [
        {
            "id": "a1",
            "question": "Can people who were smuggled be prosecuted for it?",
            "answerable": True,
            "key_facts": [["not become liable"]],
        },
        {
            "id": "a2",
            "question": "What has to be proven about the money side for it to be smuggling?",
            "answerable": True,
            "key_facts": [["financial or other material benefit"]],
        },
        {"id": "a3", "question": "Who won the 2018 World Cup?", "answerable": False},
    ]
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    out = tmp_path / ADAPTER_FILE
    code = main(
        ["--store", str(corpus_settings.home), "adapt", "--set", str(questions), "--out", str(out)]
    )
    assert code == 0
    loaded = QueryAdapter.load(out, np.asarray(assistant.embed_texts([PROBE])[0]))
    assert loaded is not None and "questions.jsonl" in loaded.note and "2 examples" in loaded.note
    assert not np.allclose(loaded.matrix, np.eye(len(loaded.matrix)), atol=1e-4)


def test_palermo_adapt_names_a_missing_set(corpus_settings, tmp_path: Path, capsys):
    code = main(
        ["--store", str(corpus_settings.home), "adapt", "--set", str(tmp_path / "no.jsonl")]
    )
    assert code == 1
    assert "no.jsonl" in capsys.readouterr().err

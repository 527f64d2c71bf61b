"""The question bank: a near training question vouches for the pool passage holding its
evidence, the file loads only for its model, and the shipped bank brings an answer's passage."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.fitted_files import PROBE
from assistant.question_bank import BANK_FILE, QuestionBank
from assistant.records import Passage
from cli import main
from evals.bank import bank_questions, make_bank
from evals.sets import EvalSetError
from tests.fixtures import loaded_only_for_its_model


def _unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def _passage(chunk_id: str, text: str) -> Passage:
    return Passage(chunk_id, "doc", "Title", "", "", "", "", None, text, 0, len(text))


def test_a_near_question_vouches_for_the_passage_holding_its_evidence():
    rng = np.random.default_rng(3)
    near, nearer, far = (_unit(rng.normal(size=16)) for _ in range(3))
    question = _unit(near + nearer)
    bank = QuestionBank(
        np.stack([near, nearer, far]),
        (("migrants shall not become liable",), ("the offence is committed",), ("any text",)),
        _unit(rng.normal(size=16)),
    )
    pool = [
        _passage("a", "Migrants shall  not become liable to criminal prosecution."),
        _passage("b", "The offence is committed in the territory of that State Party."),
        _passage("c", "Any text at all."),
    ]
    least = float(min(near @ question, nearer @ question)) - 0.1
    margins = bank.endorsed(question, pool, least)
    assert set(margins) == {"a", "b"}  # the far question's passage is not vouched for
    assert margins["a"] == pytest.approx(float(near @ question) - least, abs=1e-5)
    assert bank.endorsed(question, pool, 1.01) == {}


def test_a_bank_loads_only_for_the_model_it_was_made_with(tmp_path: Path, caplog):
    rng = np.random.default_rng(4)
    probe = _unit(rng.normal(size=16))
    bank = QuestionBank(rng.normal(size=(3, 16)), (("a",), ("b", "c"), ("d",)), probe, "t")
    path = tmp_path / BANK_FILE
    bank.save(path)
    loaded = QuestionBank.load(path, probe)
    assert loaded is not None and loaded.evidence == bank.evidence and loaded.note == "t"
    messages = loaded_only_for_its_model(QuestionBank.load, path, probe, caplog)
    assert "another embedding model" in messages and "palermo bank" in messages


def test_training_lines_without_evidence_or_answer_are_left_out_and_bad_ones_named(
    tmp_path: Path,
):
    path = tmp_path / "training.jsonl"
    rows = [
        {
            "question": "Can they be prosecuted?",
            "answerable": True,
            "evidence": ["Migrants  SHALL"],
        },
        {"question": "Who won the cup?", "answerable": False, "evidence": ""},
        {
            "question": "and then?",
            "answerable": True,
            "evidence": "x",
            "history": [{"role": "user"}],
        },
        {"question": "What does it say?", "answerable": True, "evidence": "Each State Party"},
        {
            "question": "Bullets on training and funding?",
            "answerable": True,
            "evidence": ["States Parties shall provide training"],
            "key_facts": [["provide  training"], ["voluntary contributions", "an account"]],
        },
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert bank_questions(path) == [
        ("Can they be prosecuted?", ("migrants shall",)),
        ("What does it say?", ("each state party",)),
        # a briefing's key facts stand in the passages its one evidence string does not name
        (
            "Bullets on training and funding?",
            (
                "states parties shall provide training",
                "provide training",
                "voluntary contributions",
                "an account",
            ),
        ),
    ]
    path.write_text('{"answerable": true}\n', encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"training.jsonl:1"):
        bank_questions(path)


def test_the_shipped_bank_is_made_from_training_files_only(assistant):
    assert assistant.bank is not None and "training/lay.jsonl" in assistant.bank.note
    for held_out in ("dev", "coverage", "test", "core"):
        assert f"{held_out}.jsonl" not in assistant.bank.note


def test_the_bank_brings_the_article_a_lay_question_needs(assistant):
    """Coverage v087 (a tuning set): "what makes a smuggling case more serious" shares no word
    with the Protocol's aggravating circumstances ("likely to endanger ..."); their passage is
    shown only when the bank vouches for it."""
    question = "what makes a smuggling case more serious under the treaty — when should the penalties go up?"
    fact = "likely to endanger"
    base = assistant.settings
    try:
        with_it = assistant.drafts(question, [])[0][0]
        assistant.settings = base.model_copy(update={"ablate": ["question_bank"]})
        without = assistant.drafts(question, [])[0][0]
    finally:
        assistant.settings = base
    holding = [p.chunk_id for p in with_it.passages if fact in p.text.lower()]
    assert holding and holding[0] in with_it.question.vouched
    assert not any(fact in p.text.lower() for p in without.passages)
    assert without.question.vouched == {}


def test_palermo_bank_makes_a_bank_the_assistant_can_load(
    corpus_settings, assistant, tmp_path: Path, capsys
):
    source = tmp_path / "training.jsonl"
    row = {"question": "Can migrants be prosecuted?", "answerable": True, "evidence": "Migrants"}
    source.write_text(json.dumps(row) + "\n", encoding="utf-8")
    out = tmp_path / BANK_FILE
    note = make_bank(corpus_settings, [source], out)
    assert "1 questions" in note
    probe = np.asarray(assistant.embed_texts([PROBE])[0])
    loaded = QuestionBank.load(out, probe)
    assert loaded is not None and loaded.evidence == (("migrants",),)
    source.write_text("{broken\n", encoding="utf-8")
    code = main(["--store", str(corpus_settings.home), "bank", "--from", str(source)])
    assert code == 1 and "training.jsonl:1" in capsys.readouterr().err

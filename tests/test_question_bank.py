"""The question bank: a near training question vouches for the pool passage holding its
evidence, the file loads only for its model, and the shipped bank brings an answer's passage."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.fitted_files import PROBE
from assistant.question_bank import BANK_FILE, QuestionBank
from assistant.records import Filters, Passage
from assistant.snapshot import folded
from cli import main
from evals.bank import bank_questions, make_bank
from evals.sets import EvalSetError
from tests.fixtures import loaded_only_for_its_model, settings_changed


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
    margins = bank.endorsed(bank.nearest(question, least), pool)
    assert set(margins) == {"a", "b"}  # the far question's passage is not vouched for
    assert margins["a"] == pytest.approx(float(near @ question) - least, abs=1e-5)
    assert bank.endorsed(bank.nearest(question, 1.01), pool) == {}


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


def _with_and_without(assistant, question: str, component: str):
    """A question's first draft with the assistant as it is, then with `component` off."""
    with_it = assistant.drafts(question, [])[0][0]
    with settings_changed(assistant, ablate=[component]):
        without = assistant.drafts(question, [])[0][0]
    return with_it, without


def test_the_bank_brings_the_article_a_lay_question_needs(assistant):
    """Coverage v087 (a tuning set): "what makes a smuggling case more serious" shares no word
    with the Protocol's aggravating circumstances ("likely to endanger ..."); their passage is
    shown only when the bank vouches for it."""
    question = "what makes a smuggling case more serious under the treaty — when should the penalties go up?"
    fact = "likely to endanger"
    with_it, without = _with_and_without(assistant, question, "question_bank")
    holding = [p.chunk_id for p in with_it.passages if fact in p.text.lower()]
    assert holding and holding[0] in with_it.question.vouched
    assert not any(fact in p.text.lower() for p in without.passages)
    assert without.question.vouched == {}


def test_the_bank_brings_a_passage_retrieval_missed(assistant):
    """Coverage v116 (a tuning set): "told they can contact their embassy" shares no word with
    the Protocol's "communication with consular officers"; retrieval does not find that
    passage, a near training question's evidence does, and the answer quotes it."""
    question = "if a smuggled migrant gets locked up, do they have to be told they can contact their embassy or consulate?"
    fact = "vienna convention on consular relations"
    with_it, without = _with_and_without(assistant, question, "bank_passages")
    brought = [p for p in with_it.passages if p.chunk_id in with_it.question.brought]
    assert any(fact in p.text.lower() for p in brought)
    assert fact in with_it.text.lower() and not with_it.refused
    assert fact not in without.text.lower() and without.question.brought == frozenset()


def test_a_brought_passage_never_makes_an_answer(assistant):
    """Core c132: the Protocol sets no minimum sentence. The bank brings the Convention's
    "serious crime" (four years or more), a figure that would answer a figure question; refusal
    is judged on what retrieval found, so the question is still refused."""
    question = "What minimum prison sentence, in years, does the Smuggling Protocol require States to impose for smuggling?"
    drafted = assistant.drafts(question, [])[0][0]
    brought = [c for c in drafted.candidates if c.passage.chunk_id in drafted.question.brought]
    assert any("four years" in c.text for c in brought)
    assert drafted.refused


def test_bring_keeps_to_the_filters_and_the_limit(assistant):
    question = "Where do the treaties deal with children specifically? I'm pulling together something on child migrants."
    with settings_changed(
        assistant, tuning=assistant.settings.tuning.model_copy(update={"bank_passages": 1})
    ):
        one = assistant.drafts(question, [])[0][0]
    kept = assistant.drafts(question, [], Filters(year_to=2010))[0][0]  # the instruments
    assert len(one.question.brought) == 1
    assert kept.question.brought
    instruments = {"smuggling-protocol", "trafficking-protocol", "untoc"}
    assert {p.doc_id for p in kept.passages} <= instruments


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


def test_rows_holding_finds_what_reading_every_passage_finds(assistant):
    """The index narrows the passages read to those holding a string's rarest inner word; for
    every evidence string of the shipped bank it finds exactly the passages a full read finds
    (a key fact's last word may run on in the passage: "internal database" in "databaseⁱ")."""
    snapshot = assistant._snapshot
    texts = [folded(t) for t in snapshot.texts]
    openings = sorted({e for row in assistant.bank.evidence for e in row})
    found = {e: sorted(snapshot.rows_holding(e)) for e in openings}
    assert found == {e: [i for i, t in enumerate(texts) if e in t] for e in openings}
    assert sum(bool(rows) for rows in found.values()) > 0.9 * len(openings)

"""Ratings in SQLite (concurrent writers, updates) and their export as reviewable eval cases."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from assistant.feedback import FeedbackStore, plain_answer, settings_snapshot, to_eval_case
from common.settings import Settings


def answer(text: str, refused: bool = False, quotes: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "question": "q",
        "answer": text,
        "refused": refused,
        "citations": [
            {"n": i, "doc_id": "d", "quote": q, "start": 0, "end": len(q)}
            for i, q in enumerate(quotes, start=1)
        ],
        "retrieved": [],
        "corpus_version": "v1",
    }


ANSWERED = answer(
    "GLO.ACT covers Afghanistan, Iran, Iraq and Pakistan. [1] It runs to 2022. [2]",
    quotes=("in four countries: Afghanistan, Iran, Iraq and Pakistan", "(2018–2022)"),
)
REFUSED = answer("The documents in the corpus do not answer this.", refused=True)
HISTORY = [
    {"role": "user", "content": "What is GLO.ACT?"},
    {"role": "assistant", "content": "A joint initiative. [1]"},
]


def test_ratings_are_stored_with_their_context_and_can_change(tmp_path):
    settings = Settings(
        home=tmp_path, chroma_headers={"Authorization": "Bearer secret"}, auth="a:b"
    )
    store = FeedbackStore.for_settings(settings)
    rating_id = store.record(
        rating=1,
        question="Which countries?",
        history=HISTORY,
        answer=ANSWERED,
        settings=settings_snapshot(settings),
    )
    store.update(rating_id, rating=-1, comment="  Misses Pakistan  ")
    (row,) = store.rows()
    assert (tmp_path / "feedback.sqlite3").is_file()
    assert row["rating"] == -1 and row["comment"] == "Misses Pakistan"
    assert row["history"] == HISTORY and row["answer"] == ANSWERED
    assert row["corpus_version"] == "v1" and row["settings"]["top_k"] == settings.top_k
    assert "chroma_headers" not in row["settings"] and "auth" not in row["settings"]
    assert "secret" not in (tmp_path / "feedback.sqlite3").read_bytes().decode("latin-1")
    with pytest.raises(ValueError):
        store.record(rating=5, question="q", history=[], answer=ANSWERED)


def test_concurrent_sessions_can_rate_at_once(tmp_path):
    store = FeedbackStore(tmp_path / "f.sqlite3")

    def rate(i: int) -> int:
        return store.record(
            rating=1 if i % 2 else -1, question=f"q{i}", history=[], answer=ANSWERED
        )

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(rate, range(40)))
    assert sorted(ids) == list(range(1, 41))
    assert {r["question"] for r in store.rows()} == {f"q{i}" for i in range(40)}


def case(rating: int, answer: dict[str, Any], comment: str = "", history=()) -> dict[str, Any]:
    row = {
        "id": 7,
        "rating": rating,
        "comment": comment,
        "question": "Which countries does GLO.ACT cover?",
        "history": list(history),
        "answer": answer,
        "corpus_version": "v1",
        "updated": "2026-01-01T00:00:00+00:00",
    }
    return to_eval_case(row)


def test_thumbs_up_answer_becomes_a_reference_with_its_quotes_as_evidence():
    got = case(1, ANSWERED, history=HISTORY)
    assert got["id"] == "feedback-7" and got["answerable"] is True
    assert (
        got["reference"] == "GLO.ACT covers Afghanistan, Iran, Iraq and Pakistan. It runs to 2022."
    )
    assert got["evidence"] == list(ANSWERED["citations"][i]["quote"] for i in range(2))
    assert got["key_facts"] == [] and got["type"] == "followup" and got["history"] == HISTORY
    assert got["tags"] == ["feedback", "thumbs-up"]


def test_thumbs_up_refusal_is_an_unanswerable_case():
    got = case(1, REFUSED)
    assert got["answerable"] is False and got["type"] == "unanswerable"
    assert got["evidence"] == [] and "needs-review" in got["tags"]


def test_thumbs_down_refusal_with_a_comment_takes_the_comment_as_reference():
    got = case(-1, REFUSED, comment="The Protocol was adopted on 15 November 2000.")
    assert got["answerable"] is True
    assert got["reference"] == "The Protocol was adopted on 15 November 2000."
    assert got["evidence"] == [] and got["tags"] == ["feedback", "thumbs-down", "needs-review"]
    assert got["rated_refused"] is True


def test_thumbs_down_answer_keeps_what_was_cited_for_the_reviewer():
    got = case(-1, ANSWERED)
    assert got["answerable"] is True and got["reference"] == "" and got["evidence"] == []
    assert got["cited"] and "needs-review" in got["tags"] and got["rated_answer"]


def test_export_writes_a_valid_eval_set_through_the_cli(tmp_path):
    from cli import main
    from evals.sets import load_set

    store = FeedbackStore.for_settings(Settings(home=tmp_path))
    store.record(rating=1, question="Which countries?", history=HISTORY, answer=ANSWERED)
    store.record(rating=-1, question="When adopted?", history=[], answer=REFUSED, comment="2000")
    out = tmp_path / "out" / "feedback.jsonl"
    assert main(["--store", str(tmp_path), "feedback", "export", "--out", str(out)]) == 0
    cases = load_set(out)
    assert [c.id for c in cases] == ["feedback-1", "feedback-2"]
    assert [c.answerable for c in cases] == [True, True]
    assert cases[1].reference == "2000" and cases[1].extra["comment"] == "2000"
    for line in out.read_text(encoding="utf-8").splitlines():
        assert set(json.loads(line)) >= {
            "id",
            "question",
            "history",
            "answerable",
            "reference",
            "key_facts",
            "evidence",
            "type",
            "tags",
        }


def test_plain_answer_drops_markers():
    assert plain_answer("A. [1] B [2][3] C.") == "A. B C."


def test_replicas_rate_into_one_postgresql_and_lose_nothing(postgres_url, tmp_path):
    """Two app replicas' stores on one real PostgreSQL, rating and changing ratings at once."""
    settings = Settings(home=tmp_path, database_url=postgres_url)
    replicas = [FeedbackStore.for_settings(settings) for _ in range(2)]
    assert not (tmp_path / "feedback.sqlite3").exists()

    def rate(n: int) -> int:
        store = replicas[n % 2]
        made = store.record(
            rating=1, question=f"question {n}", history=HISTORY, answer=ANSWERED, comment=f"c{n}"
        )
        if n % 3 == 0:
            store.update(made, rating=-1, comment=f"changed {n}")
        return made

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(rate, range(60)))
    rows = FeedbackStore(postgres_url).rows()
    assert len(rows) == 60 and sorted(r["id"] for r in rows) == sorted(ids)
    by_question = {r["question"]: r for r in rows}
    assert by_question["question 3"]["rating"] == -1
    assert by_question["question 3"]["comment"] == "changed 3"
    assert by_question["question 4"]["rating"] == 1
    assert by_question["question 4"]["history"] == HISTORY
    assert by_question["question 4"]["answer"]["citations"][0]["quote"].startswith("in four")
    assert "database_url" not in settings_snapshot(settings)


def test_every_answer_is_logged_for_audit(tmp_path):
    store = FeedbackStore.for_settings(Settings(home=tmp_path))
    store.log_answer(question="Who runs GLO.ACT?", history=[], answer=ANSWERED, engine="extractive")
    store.log_answer(question="Weather?", history=HISTORY, answer=REFUSED, engine="llm")
    first, second = store.answers()
    assert (first["question"], first["refused"], first["engine"]) == (
        "Who runs GLO.ACT?",
        False,
        "extractive",
    )
    assert first["answer"]["citations"][0]["quote"].startswith("in four")
    assert second["refused"] is True and second["history"] == HISTORY
    assert store.rows() == []  # logging an answer is not rating it

"""Ratings of answers, kept in a local SQLite file and exported as eval cases for review.

Each rating stores what is needed to replay and judge the answer later: the question, the
conversation before it, the full answer JSON, the corpus version and the settings in force. Every
call opens its own connection, so the app's worker threads can rate concurrently.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from assistant.settings import Settings

_SCHEMA = """
create table if not exists feedback (
    id integer primary key autoincrement,
    created text not null,
    updated text not null,
    rating integer not null check (rating in (-1, 1)),
    comment text not null default '',
    question text not null,
    history text not null,
    answer text not null,
    corpus_version text not null default '',
    settings text not null default '{}'
)
"""
_SECRET_SETTINGS = {"chroma_headers", "auth"}  # never written to disk with a rating


def settings_snapshot(settings: Settings) -> dict[str, Any]:
    """The settings that shape an answer, without credentials."""
    return settings.model_dump(mode="json", exclude=_SECRET_SETTINGS)


class FeedbackStore:
    """Ratings of answers in one SQLite file (by default `home/feedback.sqlite3`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute(_SCHEMA)

    @classmethod
    def for_settings(cls, settings: Settings) -> FeedbackStore:
        return cls(settings.home / "feedback.sqlite3")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.row_factory = sqlite3.Row
        return db

    def record(
        self,
        *,
        rating: int,
        question: str,
        history: list[dict[str, str]],
        answer: dict[str, Any],
        comment: str = "",
        settings: dict[str, Any] | None = None,
    ) -> int:
        """Store a rating (+1 or -1) of an answer; returns its id for later updates."""
        now = _now()
        with closing(self._connect()) as db, db:
            cursor = db.execute(
                "insert into feedback (created, updated, rating, comment, question, history,"
                " answer, corpus_version, settings) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    now,
                    now,
                    _rating(rating),
                    comment.strip(),
                    question,
                    json.dumps(history, ensure_ascii=False),
                    json.dumps(answer, ensure_ascii=False),
                    str(answer.get("corpus_version", "")),
                    json.dumps(settings or {}, ensure_ascii=False),
                ),
            )
            return int(cursor.lastrowid or 0)

    def update(
        self, feedback_id: int, *, rating: int | None = None, comment: str | None = None
    ) -> None:
        """Change the rating or comment of a stored rating (a reader may change their mind)."""
        with closing(self._connect()) as db, db:
            if rating is not None:
                db.execute(
                    "update feedback set rating = ?, updated = ? where id = ?",
                    (_rating(rating), _now(), feedback_id),
                )
            if comment is not None:
                db.execute(
                    "update feedback set comment = ?, updated = ? where id = ?",
                    (comment.strip(), _now(), feedback_id),
                )

    def rows(self) -> list[dict[str, Any]]:
        """Every rating, oldest first, with JSON columns decoded."""
        with closing(self._connect()) as db:
            rows = db.execute("select * from feedback order by id").fetchall()
        out = []
        for row in rows:
            item = dict(row)
            for name in ("history", "answer", "settings"):
                item[name] = json.loads(item[name])
            out.append(item)
        return out

    def export(self, out: Path) -> int:
        """Write every rated answer as an eval case, one JSON object per line; returns the count."""
        cases = [to_eval_case(row) for row in self.rows()]
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as handle:
            for case in cases:
                handle.write(json.dumps(case, ensure_ascii=False) + "\n")
        return len(cases)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _rating(value: int) -> int:
    if value not in (-1, 1):
        raise ValueError("a rating is 1 (thumbs up) or -1 (thumbs down)")
    return value


def plain_answer(text: str) -> str:
    """An answer's text without its citation markers, as a reference answer."""
    return " ".join(re.sub(r"\s*\[\d+\]", "", text).split())


def to_eval_case(row: dict[str, Any]) -> dict[str, Any]:
    """A rating as an eval-set case (see evals/sets.py), marked for review.

    Thumbs up: the answer (or the refusal) was right, so it becomes the reference and its cited
    quotes the evidence. Thumbs down: the answer (or refusal) was wrong, so the question counts as
    answerable and the comment, if any, becomes the reference. Key facts are left for the
    reviewer, and every thumbs-down or reference-less case is tagged `needs-review`.
    """
    answer = row["answer"]
    refused = bool(answer.get("refused"))
    quotes = [c["quote"] for c in answer.get("citations", []) if c.get("quote")]
    comment = str(row.get("comment") or "").strip()
    up = row["rating"] > 0
    if up:
        answerable = not refused
        reference = "" if refused else plain_answer(str(answer.get("answer", "")))
        evidence = quotes
    else:
        answerable = True  # whoever asked expected an answer; the reviewer may still decide
        reference = comment
        evidence = []
    history = [
        {"role": t.get("role", ""), "content": str(t.get("content", ""))}
        for t in row.get("history") or []
        if t.get("role") in ("user", "assistant")
    ]
    if not answerable:
        kind = "unanswerable"
    elif history:
        kind = "followup"
    else:
        kind = "feedback"
    tags = ["feedback", "thumbs-up" if up else "thumbs-down"]
    if not up or not reference:
        tags.append("needs-review")
    return {
        "id": f"feedback-{row['id']}",
        "question": row["question"],
        "history": history,
        "answerable": answerable,
        "reference": reference,
        "key_facts": [],
        "evidence": evidence,
        "type": kind,
        "tags": tags,
        "comment": comment,
        "rated_answer": str(answer.get("answer", "")),
        "rated_refused": refused,
        "cited": quotes,
        "corpus_version": row.get("corpus_version", ""),
        "rated_at": row.get("updated", ""),
    }

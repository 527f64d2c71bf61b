"""Ratings of answers, kept in one database (SQLite by default, PostgreSQL for a team) and
exported as eval cases for review.

Each rating stores what is needed to replay and judge the answer later: the question, the
conversation before it, the full answer JSON, the corpus version and the settings in force. Every
call takes its own connection from the engine's pool, so the app's worker threads, and several
app replicas sharing one PostgreSQL, rate concurrently without losing a row.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from common.settings import Settings

_METADATA = sa.MetaData()
_FEEDBACK = sa.Table(
    "feedback",
    _METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created", sa.Text, nullable=False),
    sa.Column("updated", sa.Text, nullable=False),
    sa.Column("rating", sa.Integer, sa.CheckConstraint("rating in (-1, 1)"), nullable=False),
    sa.Column("comment", sa.Text, nullable=False, server_default=""),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("history", sa.Text, nullable=False),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("corpus_version", sa.Text, nullable=False, server_default=""),
    sa.Column("settings", sa.Text, nullable=False, server_default="{}"),
)
_ANSWERS = sa.Table(  # the audit log: every answer the app gave, rated or not
    "answers",
    _METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created", sa.Text, nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("history", sa.Text, nullable=False),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("refused", sa.Boolean, nullable=False),
    sa.Column("engine", sa.Text, nullable=False),
    sa.Column("corpus_version", sa.Text, nullable=False),
)
# never written to the database with a rating
_SECRET_SETTINGS = {"chroma_headers", "auth", "database_url", "llm_api_key"}


def settings_snapshot(settings: Settings) -> dict[str, Any]:
    """The settings that shape an answer, without credentials."""
    return settings.model_dump(mode="json", exclude=_SECRET_SETTINGS)


class FeedbackStore:
    """Ratings of answers, and the log of every answer given, in one database: a SQLAlchemy URL,
    or a SQLite file's path."""

    def __init__(self, where: str | Path) -> None:
        if isinstance(where, Path):
            where.parent.mkdir(parents=True, exist_ok=True)
            where = f"sqlite:///{where}"
        sqlite = where.startswith("sqlite")
        self.engine = sa.create_engine(
            where,
            pool_pre_ping=not sqlite,  # a PostgreSQL restart does not fail the next rating
            connect_args={"timeout": 30} if sqlite else {},
        )
        _METADATA.create_all(self.engine)  # the schema, created once (a file made by 0.x fits)

    @classmethod
    def for_settings(cls, settings: Settings) -> FeedbackStore:
        """PALERMO_DATABASE_URL when set, else `home/feedback.sqlite3`."""
        url = settings.database_url.get_secret_value()
        return cls(url or settings.home / "feedback.sqlite3")

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
        row = {
            "created": now,
            "updated": now,
            "rating": _rating(rating),
            "comment": comment.strip(),
            "question": question,
            "history": json.dumps(history, ensure_ascii=False),
            "answer": json.dumps(answer, ensure_ascii=False),
            "corpus_version": str(answer.get("corpus_version", "")),
            "settings": json.dumps(settings or {}, ensure_ascii=False),
        }
        with self.engine.begin() as db:
            return int(
                db.execute(sa.insert(_FEEDBACK).values(row).returning(_FEEDBACK.c.id)).scalar_one()
            )

    def log_answer(
        self, *, question: str, history: list[dict[str, str]], answer: dict[str, Any], engine: str
    ) -> None:
        """Keep an answer the app gave, so that what users were told can be audited later."""
        row = {
            "created": _now(),
            "question": question,
            "history": json.dumps(history, ensure_ascii=False),
            "answer": json.dumps(answer, ensure_ascii=False),
            "refused": bool(answer.get("refused")),
            "engine": engine,
            "corpus_version": str(answer.get("corpus_version", "")),
        }
        with self.engine.begin() as db:
            db.execute(sa.insert(_ANSWERS).values(row))

    def answers(self) -> list[dict[str, Any]]:
        """The answer log, oldest first, with JSON columns decoded."""
        return self._read(_ANSWERS, ("history", "answer"))

    def update(
        self, feedback_id: int, *, rating: int | None = None, comment: str | None = None
    ) -> None:
        """Change the rating or comment of a stored rating (a reader may change their mind)."""
        changes: dict[str, Any] = {}
        if rating is not None:
            changes["rating"] = _rating(rating)
        if comment is not None:
            changes["comment"] = comment.strip()
        if changes:
            with self.engine.begin() as db:
                db.execute(
                    sa.update(_FEEDBACK)
                    .where(_FEEDBACK.c.id == feedback_id)
                    .values(**changes, updated=_now())
                )

    def rows(self) -> list[dict[str, Any]]:
        """Every rating, oldest first, with JSON columns decoded."""
        return self._read(_FEEDBACK, ("history", "answer", "settings"))

    def _read(self, table: sa.Table, json_columns: tuple[str, ...]) -> list[dict[str, Any]]:
        with self.engine.connect() as db:
            rows = db.execute(sa.select(table).order_by(table.c.id)).mappings().all()
        return [{**row, **{name: json.loads(row[name]) for name in json_columns}} for row in rows]

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

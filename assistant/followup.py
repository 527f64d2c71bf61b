"""Resolve follow-up questions against the conversation so retrieval knows what "it" refers to.

Without an LLM, a dependent question ("Which countries does it cover?", "And what did she say
about justice?") is expanded with the previous question and the start of the previous answer,
which name the thing being referred to. Self-contained questions are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from assistant.leaning import leans_on_history, points_at_all

_MARKERS = re.compile(r"\[\d+\]")


def _content(turn: Any) -> tuple[str, str]:
    if isinstance(turn, dict):
        role, content = turn.get("role", ""), turn.get("content", "")
    else:
        role, content = getattr(turn, "role", ""), getattr(turn, "content", "")
    if isinstance(content, list):  # gradio message blocks
        content = " ".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    return str(role), str(content or "")


def is_dependent(question: str) -> bool:
    """Whether a question may lean on earlier turns: it is short, goes on from the last turn, or
    holds a word that may point back (`leaning.points_at_all`). Such a question is searched
    with the conversation; whether it can also be read alone is `leaning.leans_on_history`."""
    return points_at_all(question)


def reads_alone(question: str, history: Sequence[Any]) -> bool:
    """Whether a question can be read as it stands, after any conversation: what it points at,
    its own words name (`leaning.leans_on_history`)."""
    return not history or not leans_on_history(question, last_question(history))


def last_question(history: Sequence[Any]) -> str:
    """The user's most recent question."""
    turns = [_content(turn) for turn in history]
    return next((c for r, c in reversed(turns) if r == "user" and c.strip()), "")


def last_answer(history: Sequence[Any]) -> str:
    """The assistant's most recent answer, without citation markers."""
    turns = [_content(turn) for turn in history]
    text = next((c for r, c in reversed(turns) if r == "assistant" and c.strip()), "")
    return _MARKERS.sub("", text)


def condense(question: str, history: Sequence[Any]) -> str:
    """The question made self-contained enough to retrieve with."""
    if not history or not is_dependent(question):
        return question
    last_user = last_question(history)
    answer_words = last_answer(history).split()[:30]
    context = " ".join(part for part in (last_user, " ".join(answer_words)) if part)
    return f"{question} {context}".strip()

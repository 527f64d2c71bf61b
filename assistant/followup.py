"""Resolve follow-up questions against the conversation so retrieval knows what "it" refers to.

Without an LLM, a dependent question ("Which countries does it cover?", "And what did she say
about justice?") is expanded with the previous question and the start of the previous answer,
which name the thing being referred to. Self-contained questions are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_REFERRING = re.compile(
    r"\b(it|its|it's|they|them|their|theirs|this|that|these|those|she|he|her|his|him|there|"
    r"same|former|latter|above|previous|next|mentioned|such|each|both|either|neither|similar|"
    r"similarly|likewise)\b|\bthe\s+[\w-]+\s+ones?\b",  # "the smuggling one": one said before
    re.I,
)
_CONTINUING = re.compile(
    r"^\s*(and|also|but|so|what about|how about|and what|what else|why|how so)\b", re.I
)
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
    """Whether a question leans on earlier turns to be understood."""
    words = re.findall(r"\w+", question)
    return bool(_REFERRING.search(question) or _CONTINUING.match(question) or len(words) <= 3)


def last_answer(history: Sequence[Any]) -> str:
    """The assistant's most recent answer, without citation markers."""
    turns = [_content(turn) for turn in history]
    text = next((c for r, c in reversed(turns) if r == "assistant" and c.strip()), "")
    return _MARKERS.sub("", text)


def condense(question: str, history: Sequence[Any]) -> str:
    """The question made self-contained enough to retrieve with."""
    if not history or not is_dependent(question):
        return question
    turns = [_content(turn) for turn in history]
    last_user = next((c for r, c in reversed(turns) if r == "user" and c.strip()), "")
    answer_words = last_answer(history).split()[:30]
    context = " ".join(part for part in (last_user, " ".join(answer_words)) if part)
    return f"{question} {context}".strip()

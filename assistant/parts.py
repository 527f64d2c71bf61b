"""The parts of a question that asks several things at once.

"How soon can a country propose changes to the Protocol, and how would it get out of it?" asks
two things that two different articles answer. Scored as one question, the sentence that best
answers the first part outranks every sentence about the second, which is then left out. Each
part is therefore answered on its own (see `Assistant.ask`).
"""

from __future__ import annotations

import re

from assistant.question_kinds import ASKS_FOR_OVERVIEW

_ASKS = (
    r"how|what|what's|who|whom|when|where|which|why|can|could|does|do|did|is|are|was|were|"
    r"will|would|should|must|may"
)
# a new question starts after a question mark, after ", and" / "; " / ": " before a question word
_BOUNDARY = re.compile(rf"(?:\?\s+|,?\s+and\s+(?=(?:{_ASKS})\b)|[;:]\s+(?=(?:{_ASKS})\b))", re.I)
_STARTS_ASKING = re.compile(rf"(?:{_ASKS})\b", re.I)
MIN_WORDS = 3  # "Two things:" and "thanks!" are not parts


def question_parts(question: str) -> list[str]:
    """The question's parts, or the question alone when it asks one thing or asks for an
    overview (a briefing asks one thing in several words: "what it is, who runs it")."""
    if ASKS_FOR_OVERVIEW.search(question):
        return [question]
    pieces = [p.strip(" ,;:-") for p in _BOUNDARY.split(question)]
    parts = [p for p in pieces if len(p.split()) >= MIN_WORDS]
    if len(parts) < 2 or not all(_STARTS_ASKING.match(p) or p.endswith("?") for p in parts[1:]):
        return [question]  # "... Niger? I want to put the numbers in context." asks one thing
    return parts

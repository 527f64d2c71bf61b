"""What kind of answer a question asks for: a figure, an amount, a date, a person, a definition.

The extractive engine uses these to prefer sentences that can answer that kind of question and to
refuse when the best sentence cannot ("how many" with no count of the thing asked about).
"""

from __future__ import annotations

import re

ASKS_FOR_FIGURE = re.compile(
    r"\b(how (many|much)|what (number|percentage|proportion|share|amount|budget|fee|price)|"
    r"how large|what is the (number|total|budget|cost)|in (years|months|days|euros|dollars|"
    r"per ?cent))\b",
    re.I,
)
ASKS_FOR_MONEY = re.compile(
    r"\b(budget|fees?|price|cost|funding|how much money|paid|pay|euros?|dollars?)\b", re.I
)
ASKS_FOR_DATE = re.compile(r"\b(when|what (year|date|month|period)|since when|how long)\b", re.I)
ASKS_FOR_PERSON = re.compile(r"^\W*(who|whom|which (official|person|speaker))\b", re.I)
ASKS_FOR_DEFINITION = re.compile(
    r"\b(defin\w*|meaning of|what does .+ mean|what is meant by|what counts as)\b", re.I
)
ASKS_FOR_LIST = re.compile(
    r"\b(which (countries|organi[sz]ations|agencies|states|members|issues|topics|areas)|"
    r"what (are|were) the|what \w+ (does|do|did|should) .* (include|cover)|make up|list|"
    r"areas|pillars|purposes|topics|priorities|measures)\b",
    re.I,
)
_HOW_MANY = re.compile(r"\bhow many ([A-Za-z-]+(?: [A-Za-z-]+)?)", re.I)
_IN_UNITS = re.compile(r"\bin (years|months|days|weeks|euros|dollars)\b", re.I)
_FILLER = {"of", "the", "did", "does", "do", "are", "were", "is", "was", "have", "has", "had"}


def asks_for_figure(question: str) -> bool:
    """A question answered by a number: "how many", "what budget", "in years"."""
    if ASKS_FOR_FIGURE.search(question):
        return True
    return bool(ASKS_FOR_MONEY.search(question) and re.match(r"\W*(what|how)\b", question, re.I))


def asked_quantity(question: str) -> str:
    """The thing counted ("officials" in "how many officials", "years" in "in years"), or ""."""
    units = _IN_UNITS.search(question)
    if units:
        return units.group(1).lower()
    match = _HOW_MANY.search(question)
    if not match:
        return ""
    words = [w for w in match.group(1).split() if w.lower() not in _FILLER]
    return " ".join(words[:2])

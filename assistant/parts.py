"""The parts of a question that asks several things at once.

"How soon can a country propose changes to the Protocol, and how would it get out of it?" asks
two things that two different articles answer. Scored as one question, the sentence that best
answers the first part outranks every sentence about the second, which is then left out. Each
part is therefore answered on its own (see `Assistant.ask`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.question_kinds import ASKS_FOR_OVERVIEW, COMPARES, QUESTION_WORDS, years_in
from assistant.records import Filters
from assistant.snapshot import Snapshot

# a new question starts after a question mark (which its part keeps: `anchors.asking_part` tells
# a part's asking sentence from the scene set before it by it), after ", and" / "; " / ": " before
# a question word
_BOUNDARY = re.compile(
    rf"(?:(?<=\?)\s+|(?P<joined>,?\s+and\s+)(?=(?:{QUESTION_WORDS})\b)"
    rf"|[;:]\s+(?=(?:{QUESTION_WORDS})\b))",
    re.I,
)
_STARTS_ASKING = re.compile(rf"(?:{QUESTION_WORDS})\b", re.I)
# where a clause starts: after a sentence's end, a dash, a colon or a semicolon; a clause asks
# when it, or a piece of it after a comma, starts as a question ("Under the sea rescue
# convention, who is responsible ...")
_CLAUSE_START = re.compile(r"(?<=[.!?])\s+|\s+[-–—]\s+|[:;]\s+")
_ASKING_CLAUSE = re.compile(rf"(?:{QUESTION_WORDS}|whats|has|have|had)\b", re.I)
MIN_WORDS = 3  # "Two things:" and "thanks!" are not parts
# "... what does the treaty say?" asks nothing new: it wants the answer from the treaty
_SAYS_NOTHING = re.compile(
    r"^(?:and |so )?what (?:does|do|did) (?:\w+ ){1,3}(?:say|says)(?: about (?:it|that|this))?\W*$",
    re.I,
)
# "... define smuggling vs trafficking? what's the core difference": a part naming nothing of its
# own that asks only how the things before it differ asks what the part before it asks (unlike
# `_ONLY_COMPARES` below, no words of a point of its own: "how do their start rules compare?")
_ONLY_HOW_THEY_DIFFER = re.compile(
    r"^(?:and |so |but |ok )?(?:what(?:'s|’s| is| are)|how (?:do|does|did|are|is)"
    r"|in what ways? (?:do|does|are|is))\s+(?:(?:the|their|they|these|those|two|both|each|"
    r"main|core|key|real|big|biggest|basic|practical|actual|actually|really|ones?|texts?|"
    r"instruments?|documents?|protocols?|treaties|terms?|definitions?|crimes?)\s+)*"
    r"(?:differ\w*|difference\w*|compare\w*|similar\w*)"
    r"(?:\s+(?:between (?:them|the two|these|those|both)|from each other|then))?\W*$",
    re.I,
)
# "how does smuggling differ from trafficking?", "what's the difference between X and Y?"
_TERM = r"[\w'’ -]{2,40}?"
_DIFFERENCE = re.compile(
    rf"^(?:how (?:does|do|is|are) (?P<a>{_TERM}) differ(?:ent)? from (?P<b>{_TERM})"
    rf"|what(?:'s|’s| is) the difference between (?P<c>{_TERM}) and (?P<d>{_TERM}))\s*\??$",
    re.I,
)


def question_parts(
    question: str, names_document: Callable[[str], bool] = lambda term: False
) -> list[str]:
    """The question's parts, or the question alone when it asks one thing or asks for an
    overview (a briefing asks one thing in several words: "what it is, who runs it").

    A question asking only how two terms differ is asked as what counts as each: the
    documents answer it with the two definitions, and no one sentence holds both. Two documents
    compared ("how does the smuggling protocol differ from ...") are left whole: each is then
    searched in turn (`compared_searches`).
    """
    if ASKS_FOR_OVERVIEW.search(question):
        return [question]
    terms = differed_terms(question)
    if terms and not any(names_document(term) for term in terms):
        return [f"What counts as {term}?" for term in terms]
    pieces = [p.strip(" ,;:-") for p in _cut(question)]
    parts = [p for p in pieces if len(p.split()) >= MIN_WORDS and not _SAYS_NOTHING.match(p)]
    parts = _joined_to_what_they_compare(parts)
    if len(parts) < 2 or not all(_STARTS_ASKING.match(p) or p.endswith("?") for p in parts[1:]):
        return [question]  # "... Niger? I want to put the numbers in context." asks one thing
    return parts


def _joined_to_what_they_compare(parts: list[str]) -> list[str]:
    """The parts with each that asks only how the things before it differ joined to the part
    before it: on its own, "what's the core difference" has nothing to search for and is
    refused, and a refused part refuses the whole question (`merge_drafts`)."""
    joined: list[str] = []
    for part in parts:
        if joined and _ONLY_HOW_THEY_DIFFER.match(part):
            joined[-1] = f"{joined[-1]} {part}"
        else:
            joined.append(part)
    return joined


# a part that asks for something without a question word: "list the ...", "tell me who ..."
_REQUESTS = re.compile(
    r"(?:please |pls |also |and )?(?:list|explain|describe|tell|give|name|"
    r"define|compare|show|find|identify|set out|spell out)\b",
    re.I,
)


def asks_nothing(part: str) -> bool:
    """Whether a part is a label that asks nothing ("keep it short", "Minister wants to know",
    "For my talking points", cut off before a colon): no question mark, no question word, no
    request."""
    part = part.strip()
    return not (part.endswith("?") or _STARTS_ASKING.match(part) or _REQUESTS.match(part))


def _cut(question: str) -> list[str]:
    """The question cut at `_BOUNDARY`, but at "and" only after a clause that asks: "a witness
    lives in Sweden and can't travel", "a woman who escaped her traffickers and is terrified"
    go on saying what happened, while "is there a waiting period and what majority is
    needed?" asks two things."""
    pieces, start = [], 0
    for boundary in _BOUNDARY.finditer(question):
        said = question[start : boundary.start()]
        if boundary.group("joined") and not _last_clause_asks(said):
            continue
        pieces.append(said)
        start = boundary.end()
    return [*pieces, question[start:]]


def _last_clause_asks(said: str) -> bool:
    """Whether the last clause of `said`, or a piece of it after a comma, starts as a question."""
    clause = _CLAUSE_START.split(said)[-1]
    return any(_ASKING_CLAUSE.match(piece.strip()) for piece in clause.split(","))


def differed_terms(question: str) -> list[str]:
    """The two terms of a question that asks only how they differ, else none."""
    found = _DIFFERENCE.match(question.strip())
    if not found:
        return []
    terms = [t for t in found.groups() if t]
    return [t.strip() for t in terms] if all(len(t.split()) <= 4 for t in terms) else []


# "the Global Report vs the Issue Papers — how do they differ?": a side of "X vs Y" runs back to
# the clause's start and on to its end (a colon, dash, bracket, comma or sentence end)
_VERSUS = re.compile(r"\s+(?:vs\.?|versus)\s+", re.I)
_SIDE_END = re.compile(r"[:;?!()\u2013\u2014]|\s-\s|,\s|\.\s")
# "witness protection vs victim protection in UNTOC": where the right side is looked for, the
# left side is too, unless it says where of its own
_WHERE_IN = re.compile(r"(?<=\w)\s+(?:in|under)\s+\S.*$", re.I)
# "— what do they share?", "how do the two differ?": asked of one side, a clause that only asks
# for the comparison asks nothing
_ONLY_COMPARES = re.compile(
    r"[\s,:;\u2013\u2014-]+(?:and |so )?(?:how|what|in what ways?)\b[\w\s'’]*?\b"
    r"(?:differ\w*|difference\w*|share|compare\w*|in common|similar\w*|the same)\W*$",
    re.I,
)


def compared_sides(question: str) -> list[str]:
    """The question asked of each side of its "X vs Y", else none: "handing someone over vs
    sharing evidence: does it have to be a crime in both countries?" asks it of extradition and
    of legal assistance, which two articles answer. Searched whole, the sentences on one side
    crowded out the other's. Several "vs" pair up: the first side takes every left term."""
    spans: list[tuple[int, int, tuple[str, str]]] = []  # where "X vs Y" stands, and (X, Y)
    for found in _VERSUS.finditer(question):
        start = max((b.end() for b in _SIDE_END.finditer(question, 0, found.start())), default=0)
        after = _SIDE_END.search(question, found.end())
        end = after.start() if after else len(question)
        left, right = question[start : found.start()], question[found.end() : end].rstrip()
        start += len(left) - len(left.lstrip())
        left = left.strip(" ,")
        if not left or not right or (spans and start < spans[-1][1]):
            return []  # "A vs B vs C", or a side with no words
        tail = _WHERE_IN.search(right)
        if tail and not _WHERE_IN.search(left):
            left += tail.group(0)  # "witness vs victim protection in UNTOC": both in UNTOC
        if _STARTS_ASKING.match(left) and not _STARTS_ASKING.match(right):
            return []  # "what did IOM present versus UNODC's contribution?": where X starts?
        spans.append((start, found.end() + len(right), (left, right)))
    sides = []
    for side in (0, 1) if spans else ():
        text, last = "", 0
        for begin, end, terms in spans:
            text += question[last:begin] + terms[side]
            last = end
        sides.append(_ONLY_COMPARES.sub("?", " ".join(f"{text}{question[last:]}".split())))
    return sides


def comparison_sides(
    question: str, snapshot: Snapshot, filters: Filters | None, off: frozenset[str] = frozenset()
) -> list[tuple[str, Filters | None]]:
    """The searches a comparison is answered from, each in turn (its text and filters): the
    documents or years it names (`compared_searches`), else the sides of its "X vs Y"
    (`compared_sides`); none for any other question."""
    searches = compared_searches(question, snapshot, filters or Filters(), off)
    if searches:
        return [(question, search) for search in searches]
    if "per_side" in off:
        return []
    return [(side, filters) for side in compared_sides(question)]


def compared_searches(
    question: str, snapshot: Snapshot, filters: Filters, off: frozenset[str] = frozenset()
) -> list[Filters]:
    """The searches a comparison is answered from, each in turn, so each side gets its best
    sentence on the point, not the best of one: the documents it names ("how do the two
    protocols differ on ..."), or else the years it names that documents are dated ("the 2012
    paper vs the 2016 GLO.ACT article": a lay user names a paper by its year); within the
    filters. None for any other question."""
    if not COMPARES.search(question):
        return []
    if "per_document" not in off:
        named = [d for d in snapshot.mentioned(question) if filters.admits_document(d)]
        if len(named) > 1:
            return [filters.within(d) for d in named]
    if "per_year" not in off:
        years = _document_years_named(question, snapshot)
        searches = [filters.within_year(y) for y in sorted(years) if filters.admits_year(y)]
        if len(searches) > 1:
            return searches
    return []


def side_year(
    question: str, snapshot: Snapshot, filters: Filters | None, off: frozenset[str] = frozenset()
) -> int | None:
    """The year a side of a comparison across years is searched in (`compared_searches`): its
    draft needs only that year and the names that year's documents mention. None for any other
    search: a question filtered to one year must still have the names it pins cited."""
    year = filters.single_year if filters else None
    if year is None or "per_year" in off or not COMPARES.search(question):
        return None
    years = _document_years_named(question, snapshot)
    return year if year in years and len(years) > 1 else None


def _document_years_named(question: str, snapshot: Snapshot) -> set[int]:
    """The years a question names that documents are dated."""
    return {int(y) for y in years_in(question)} & snapshot.document_years

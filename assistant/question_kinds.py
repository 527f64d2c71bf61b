"""What kind of answer a question asks for (a figure, an amount, a date, a person, a body, an
overview), and whether a sentence is of that kind.

The extractive engine uses these to prefer sentences that can answer that kind of question and to
refuse when the best sentence cannot ("how many" with no count of the thing asked about).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from ingest.terms import content_terms

Similarity = Callable[[str, list[str]], float]

# the words a question starts with ("can", "does" and "is" as well as "how" and "what")
QUESTION_WORDS = (
    r"how|what|what's|who|whom|when|where|which|why|can|could|does|do|did|is|are|was|were|"
    r"will|would|should|must|may"
)

# the measures a figure answers: "what's the estimated yearly profit", "the population of X"
_MEASURE = (
    r"number|total|percentage|proportion|share|amount|budget|fees?|price|cost|population|"
    r"profits?|revenues?|income|turnover|rate|size"
)
ASKS_FOR_FIGURE = re.compile(
    rf"\b(how (many|much)|how large|in (years|months|days|euros|dollars|per ?cent)|"
    rf"what(?:'s| is| was| are| were)?\s+(the\s+)?(\S+\s+){{0,2}}?({_MEASURE}))\b",
    re.I,
)
ASKS_FOR_MONEY = re.compile(
    r"\b(budget|fees?|price|cost|funding|how much money|paid|pay|euros?|dollars?|"
    r"earn\w*|profits?|revenues?|income|turnover|spen[dt]\w*|worth)\b",
    re.I,
)
# "how much", "what is GLO.ACT's budget", "what average fee": an amount is what is asked for,
# unlike "people moved across borders for a fee"
ASKS_FOR_AMOUNT = re.compile(
    r"\bhow much\b|\bwhat(?:'s| is| was| are| were)?\s+(?:\S+\s+){0,3}?"
    r"(budget|fees?|price|cost|funding|amount)\b",
    re.I,
)
ASKS_FOR_CALENDAR_DATE = re.compile(r"\b(what|which) (date|day|year|month)\b", re.I)
ASKS_WHAT_FOLLOWS = re.compile(
    r"\b(next|following|then|after that|add(s|ed)?|else|further|also|another)\b", re.I
)
ASKS_FOR_DATE = re.compile(r"\b(when|what (year|date|month|period)|since when|how long)\b", re.I)
ASKS_FOR_PERSON = re.compile(r"^\W*(who|whom|which (official|person|speaker))\b", re.I)
ASKS_FOR_BODY = re.compile(
    r"\b(which|what) (agenc|organi[sz]ation|bod(y|ies)|partner|institution|entit)", re.I
)
# a comparison: "how do the two protocols differ", "compare 2012 with 2016", "X vs Y"
COMPARES = re.compile(
    r"\b(differ\w*|compar\w*|both|same|versus|vs\.?|mix\w* up|distinguish\w*|contrast\w*)\b",
    re.I,
)
# a request for an overview wants more than the one best sentence: a briefing, key points
ASKS_FOR_OVERVIEW = re.compile(
    r"\b(summar\w*|brief(ing)?|overview|key (points|messages|facts)|background|bullet\w*|"
    r"main (points|ways|things|elements)|outline|rundown|paragraph|note (to|for))\b",
    re.I,
)
# "what does smuggling mean", "what counts as trafficking": answered where a text defines a term
ASKS_FOR_DEFINITION = re.compile(
    r"\b(defin\w*|meaning of|is meant by|counts? as|qualif(y|ies) as)\b"
    r"|\bmeans?\b(?=\s*(\?|$|,|(in|under|by|here|legally|exactly)\b))",  # not "mean that ..."
    re.I,
)
# "means" as a verb ("X means Y"), not the noun ("the means of concealment", "by any means")
_DEFINES = re.compile(
    r"\b(shall mean|(?<!the )(?<!by )(?<!any )means(?! of\b|\s*[.,;:)])|is defined|defined as|"
    r"refers? to|definition)\b",
    re.I,
)
_HOW_MANY = re.compile(r"\bhow many ([A-Za-z-]+(?: [A-Za-z-]+)?)", re.I)
# "what's the population of Niger", "the total number of migrants": the measure, or what it counts
_MEASURE_OF = re.compile(
    r"\bthe (?:\w+ ){0,2}?(?:(population)|number of ([A-Za-z-]+(?: [A-Za-z-]+)?))\b", re.I
)
_IN_UNITS = re.compile(r"\bin (years|months|days|weeks|euros|dollars)\b", re.I)
_FILLER = {"of", "the", "did", "does", "do", "are", "were", "is", "was", "have", "has", "had"}


def asks_for_figure(question: str) -> bool:
    """A question answered by a number: "how many", "what budget", "in years"."""
    return bool(ASKS_FOR_FIGURE.search(question) or ASKS_FOR_AMOUNT.search(question))


def asked_quantity(question: str) -> str:
    """The thing counted ("officials" in "how many officials", "years" in "in years",
    "migrants" in "the number of migrants"), the measure ("population"), or ""."""
    units = _IN_UNITS.search(question)
    if units:
        return units.group(1).lower()
    how_many = _HOW_MANY.search(question)
    if how_many:
        counted = how_many.group(1)
    else:
        measure = _MEASURE_OF.search(question)
        if not measure:
            return ""
        if measure.group(1):  # "the population of Niger"
            return measure.group(1).lower()
        counted = measure.group(2)  # "the number of migrants"
    words = [w for w in counted.split() if w.lower() not in _FILLER]
    return " ".join(words[:2])


# ---- what a sentence holds -------------------------------------------------------------------

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_NUMBER_WORDS = (
    rf"one(?! of\b)|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    rf"(thir|four|fif|six|seven|eigh|nine)teen|({_TENS})(-\w+)?|hundred|thousand|million|billion|"
    rf"dozen|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|"
    rf"(twen|thir|for|fif|six|seven|eigh|nine)tieth"
)
_NUMBER = re.compile(rf"(?<![-\w])\d[\d,.]*\b(?!\s+({MONTHS})\b)")
_NUMBER_WORD = re.compile(rf"\b({_NUMBER_WORDS})\b", re.I)
_MONEY = re.compile(r"[€$£¥]|\b(euros?|dollars?|USD|EUR|per ?cent)\b|%", re.I)
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_DATE = re.compile(rf"\b(1[89]\d\d|20\d\d|{MONTHS}|days?|months?|years?)\b")
_CALENDAR = re.compile(rf"\b(1[89]\d\d|20\d\d|{MONTHS})\b")
_NAME = re.compile(r"(?<!^)(?<![.!?] )\b[A-Z][a-z]+(?: [A-Z][a-z’']+)+")
# an acronym (UNODC, IOM) or a named body ("European Union", "Regional Office")
_BODY = re.compile(
    r"(?<![.\w])[A-Z]{2,}\b(?!\.)|\b[A-Z][a-z]+ (Union|Office|Organi[sz]ation|Agency|Fund|Programme|"
    r"Commission|Council|Network|Committee|Group)\b"
)
_NOT_COUNTED = {"and", "or", "to"}
# a number that names a provision counts nothing: "articles 5, 6, 8 and 23", "paragraph 2 (b)"
_PROVISION_BEFORE = re.compile(
    r"\b(?:articles?|paragraphs?|subparagraphs?|chapters?|sections?|annex(?:es)?|resolutions?)"
    r"\s+(?:\d+(?:\s*\([a-z0-9]+\))*(?:\s*,\s*|\s+and\s+|\s+or\s+|\s+to\s+))*$",
    re.I,
)


def has_words(text: str | None) -> bool:
    """A question of blanks or punctuation alone ("  ?") asks nothing: it is told so, not
    answered with a refusal and whatever passages such a text happens to be near."""
    return bool(text and re.search(r"\w", text))


def years_in(text: str) -> list[str]:
    return _YEAR.findall(text)


_AFTER_YEAR = re.compile(
    r"\b(after|beyond|post-?|later than|since the end of)\s*(19\d\d|20\d\d)\b", re.I
)


def earliest_year_asked(text: str) -> int | None:
    """The earliest year a question asks about: "after 2022" asks about 2023 on."""
    after = {m.group(2) for m in _AFTER_YEAR.finditer(text)}
    years = [int(y) + (y in after) for y in years_in(text)]
    return min(years) if years else None


def has_calendar_date(text: str) -> bool:
    """A year or a month: "ninetieth day after deposit" says when, but gives no date."""
    return bool(_CALENDAR.search(text))


def figures_in(text: str) -> set[str]:
    """The numbers a text states (digits and number words), lower-cased."""
    found = {m.group(0).rstrip(".,").lower() for m in _NUMBER.finditer(text)}
    found |= {m.group(0).lower() for m in _NUMBER_WORD.finditer(text)}
    return {f for f in found if not _YEAR.fullmatch(f)}


def counted_phrases(text: str) -> list[str]:
    """Each quantity in a sentence with the words it counts ("over 85 participants ...")."""
    phrases = []
    for pattern in (_NUMBER, _NUMBER_WORD):
        for match in pattern.finditer(text):
            if pattern is _NUMBER and _YEAR.fullmatch(match.group(0).rstrip(".,")):
                continue
            if _PROVISION_BEFORE.search(text[: match.start()]):
                continue
            following = []
            for word in text[match.end() :].split():
                if len(following) == 4:
                    break
                if not word.strip("()") or (word.startswith("(") and word.endswith(")")):
                    continue  # "one hundred thousand (100,000) hectares" counts hectares
                if word.lower() in _NOT_COUNTED:
                    break
                following.append(word.strip(",.;:()"))
                if word[-1] in ",.;:)":
                    break
            phrases.append(" ".join([match.group(0), *following]))
    return phrases


def has_count(text: str) -> bool:
    """A quantity: a number that is not a year or a day of a date, or a number word."""
    return bool(counted_phrases(text))


# a term a text defines: '"Smuggling of migrants" shall mean', '“Serious crime” shall mean'
_DEFINED_TERM = re.compile(r"[\"“]([^\"”]{2,80})[\"”] (?:shall mean|means)\b")
# "what is X?", "what's X under the Protocol?": X up to a qualifier of where it is defined
_WHAT_IS = re.compile(
    r"\bwhat(?:'s|’s|\s+is|\s+are)\s+(.+?)\s*(?:\b(?:under|in|according to|for the purposes? "
    r"of|as defined|by)\b.*)?[?.!]*\s*$",
    re.I,
)


def defined_terms(texts: Iterable[str]) -> list[frozenset[str]]:
    """The terms the texts define, each as its stems ("Trafficking in persons" shall mean ...)."""
    found = {frozenset(content_terms(m.group(1))) for t in texts for m in _DEFINED_TERM.finditer(t)}
    return sorted((terms for terms in found if terms), key=sorted)


def asks_for_definition(question: str, defined: Sequence[frozenset[str]] = ()) -> bool:
    """Whether a question asks what a term means: in words ("what counts as smuggling?"), or
    as "what is X?" of a term the corpus defines ("what is human trafficking?" for "Trafficking
    in persons" shall mean; not "what is the maximum penalty for smuggling?")."""
    if ASKS_FOR_DEFINITION.search(question):
        return True
    asked = _WHAT_IS.search(question)
    words = content_terms(asked.group(1)) if asked else set()
    return 0 < len(words) <= 3 and any(words & term and len(words - term) <= 1 for term in defined)


def answer_tests(question: str, definition: bool | None = None) -> list[Callable[[str], object]]:
    """Tests a sentence must pass to answer this kind of question (none for most questions);
    `definition` says whether it asks what a term means (`asks_for_definition`), when known."""
    tests: list[Callable[[str], object]] = []
    if asks_for_figure(question):
        tests.append(has_count)
    if ASKS_FOR_DATE.search(question):
        tests.append(_DATE.search)
    if ASKS_FOR_PERSON.search(question):
        tests.append(_NAME.search)
    if ASKS_FOR_BODY.search(question):
        tests.append(_BODY.search)
    if asks_for_definition(question) if definition is None else definition:
        tests.append(_DEFINES.search)
    return tests


def figure_answers(question: str, sentence: str, similarity: Similarity, least: float) -> bool:
    """Whether a sentence holds the figure a figure question asks for.

    An amount question (budget, fee) needs an amount; a "how many X" question needs a count of
    something like X ("85 participants" for people, not "four countries" for officials): the
    thing counted at least `least` similar (`Settings.tuning.figure_match`) to the thing asked.
    """
    if not has_count(sentence):
        return False
    # "how many NGOs is it funding?" counts NGOs; "what's the budget, and how many staff?" and
    # "how much does it pay?" ask for money
    counts = _HOW_MANY.search(question) and not ASKS_FOR_AMOUNT.search(question)
    if ASKS_FOR_MONEY.search(question) and not counts:
        return bool(_MONEY.search(sentence))
    thing = asked_quantity(question)
    if not thing:
        return True
    phrases = counted_phrases(sentence)
    if content_terms(thing) & content_terms(" ".join(phrases)):
        return True
    return similarity(thing, phrases) >= least

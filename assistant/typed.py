"""What users type, put in the words and case the engine reads.

Chat shorthand: users type "how r the protocols meant to be read", "how many yrs" and "what can
govts do for smuggled ppl". The documents say "are", "years", "Governments" and "people": a
shortened word meets no word of theirs, no glossary phrase and no check ("how many yrs?" wants a
count of years, and "four years" did not count as one).

Chat and phone typing: curly apostrophes, emoji, "??", a greeting or "thanks" around the
question, the whole question pasted in quotes, and a question typed without its "?". The scope
classifier learnt from questions ending in "?": "who has ratified the trafficking protocol" read
.62 beyond the documents, the same words with "?" .96; "smuggling by sea 🙏" read as after the
documents' dates; a question in quotes was searched as one quoted phrase.

Countries typed in lower case: "is australia a party to the trafficking protocol?" and "the
penalty under australian law" were answered, because the checks that want a country named in
the evidence know a country by its capital letter.

Headline case: "What Does The Smuggling Protocol Say About Prosecuting Migrants?" or the same in
capitals. A capitalised word is read as a name the evidence must mention, so every such question
was refused ("They never mention Say").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Set as AbstractSet

from assistant.anchors import SENTENCE_START
from assistant.countries import as_written, country_of
from assistant.question_kinds import QUESTION_WORDS
from assistant.spelling import corrected

# "u" and "r" only in lower case: "R v Appulonappa" names a case
_SHORTHAND = {
    "u": "you",
    "r": "are",
    "ur": "your",
    "ppl": "people",
    "yr": "year",
    "yrs": "years",
    "hrs": "hours",
    "wks": "weeks",
    "mths": "months",
    "govt": "government",
    "govts": "governments",
    "org": "organization",
    "orgs": "organizations",
    "intl": "international",
    "abt": "about",
    "bc": "because",
    "b/c": "because",
    "b4": "before",
    "thru": "through",
    "wat": "what",
    "w/": "with",
    "w/o": "without",
}
_WORD = re.compile(r"(?<![\w&/.'’-])(b/c|w/o|w/|[A-Za-z0-9]+)(?![\w&/'’-])")


def spelled_out(question: str) -> str:
    """The question with chat shorthand in full words."""

    def full(match: re.Match[str]) -> str:
        word = match.group(0)
        return word if word in ("U", "R") else _SHORTHAND.get(word.lower(), word)

    return _WORD.sub(full, question)


# words written in lower case inside a sentence, whatever else is capitalised ("No." and "A" are
# left out: "No. 4", "Country A")
_FUNCTION_WORD = re.compile(
    r"(?i:the|an|of|for|to|in|on|at|by|about|with|from|under|into|and|or|but|be|being|been|is|"
    r"are|was|were|does|do|did|can|could|should|would|will|has|have|had|it|its|they|their|this|"
    r"that|what|how|which|who|when|where|why|if|not)"
)


def sentence_cased(question: str) -> str:
    """A question in headline case or in capitals, with its capitalised words in lower case (an
    acronym in a headline-case question kept: "UNODC", "GLO.ACT"); told by two or more function
    words capitalised inside a sentence. Other questions as written."""
    capitalised = [
        m
        for m in re.finditer(r"\b[A-Za-z]+\b", question)
        if _FUNCTION_WORD.fullmatch(m.group(0))
        and m.group(0)[0].isupper()
        and not SENTENCE_START.search(question[: m.start()])
    ]
    if len(capitalised) < 2:
        return question
    letters = [c for c in question if c.isalpha()]
    if sum(c.isupper() for c in letters) >= 0.8 * len(letters):
        return question.lower()
    return re.sub(r"\b[A-Z][a-z'’]+", lambda m: m.group(0).lower(), question)


_STRAIGHT = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})
_GREETING = re.compile(r"^\s*(hi|hello|hey|dear \w+)( there| all| team)?\s*[,!.:;-]+\s*", re.I)
_THANKS = re.compile(
    r"[\s,.;:-]*\b(thanks( a lot| so much| in advance)?|thank you|thx|ty|cheers)"
    r"[\s.!]*$",
    re.I,
)
_LABEL = re.compile(r"^\s*(q|question)\s*:\s*", re.I)
# the last sentence asks when a question word opens it, maybe after a filler ("so what about
# ...", "ok but can they ..."; not "rough number is fine")
_ASKS = re.compile(
    rf"^((so|and|but|ok|okay|also|then|well|right|oh|hmm)\b[\s,]*){{0,2}}({QUESTION_WORDS}|if)\b",
    re.I,
)


def tidied(question: str) -> str:
    """The question without what chat and phones add around it: curly quotes straightened,
    emoji dropped, a greeting, a closing "thanks" or a "Q:" label taken off, enclosing quotes
    removed, "??" and "?!" as one "?", and a "?" where a question typed without any ends."""
    text = "".join(
        c for c in question.translate(_STRAIGHT) if unicodedata.category(c) not in ("So", "Cf")
    ).strip()
    text = _THANKS.sub("", _LABEL.sub("", _GREETING.sub("", text))).strip() or question.strip()
    if len(text) > 2 and text[0] == text[-1] == '"' and '"' not in text[1:-1]:
        text = text[1:-1].strip()
    text = re.sub(r"[?!]*\?[?!]*$", "?", text)
    last = re.split(r"(?<=[.?!:])\s+", text)[-1]
    if "?" not in text and not re.search(r"[.!:]$", text) and _ASKS.search(last):
        text += "?"  # not after an earlier "?": "X? what's the core difference" is one part
    return text


# country names that are also ordinary lower-case words
_NOT_COUNTRIES = frozenset({"chad", "china", "guinea", "jersey", "jordan", "man", "polish"})


def countries_capitalised(question: str) -> str:
    """The question with a country's name or adjective typed in lower case capitalised
    ("australia", "united kingdom", "pakistani")."""

    def adjective(match: re.Match[str]) -> str:
        word = match.group(0)
        return word.title() if word not in _NOT_COUNTRIES and country_of(word) else word

    return re.sub(r"\b[a-z]{5,}\b", adjective, as_written(question, _NOT_COUNTRIES))


def as_read(
    question: str,
    off: frozenset[str] = frozenset(),
    corpus_words: AbstractSet[str] = frozenset(),
    known: AbstractSet[str] = frozenset(),
) -> str:
    """The question in the case and words the engine reads (`off` may hold "typing",
    "headline_case", "shorthand", "spelling" and "country_case", to switch each off; typos are
    put right against `corpus_words` and the model's `known` words)."""
    if "typing" not in off:
        question = tidied(question)
    if "headline_case" not in off:
        question = sentence_cased(question)
    if "shorthand" not in off:
        question = spelled_out(question)
    if "spelling" not in off:
        question = corrected(question, corpus_words, known)
    return countries_capitalised(question) if "country_case" not in off else question

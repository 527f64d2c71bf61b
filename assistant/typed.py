"""What users type, put in the words and case the engine reads.

Chat shorthand: users type "how r the protocols meant to be read", "how many yrs" and "what can
govts do for smuggled ppl". The documents say "are", "years", "Governments" and "people": a
shortened word meets no word of theirs, no glossary phrase and no check ("how many yrs?" wants a
count of years, and "four years" did not count as one).

Headline case: "What Does The Smuggling Protocol Say About Prosecuting Migrants?" or the same in
capitals. A capitalised word is read as a name the evidence must mention, so every such question
was refused ("They never mention Say").
"""

from __future__ import annotations

import re

from assistant.anchors import SENTENCE_START

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


def as_read(question: str, off: frozenset[str] = frozenset()) -> str:
    """The question in the case and words the engine reads (`off` may hold "headline_case" and
    "shorthand", to switch either off)."""
    if "headline_case" not in off:
        question = sentence_cased(question)
    return spelled_out(question) if "shorthand" not in off else question

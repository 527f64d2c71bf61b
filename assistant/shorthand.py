"""Chat shorthand spelled out before a question is read.

Users type "how r the protocols meant to be read", "how many yrs" and "what can govts do for
smuggled ppl". The documents say "are", "years", "Governments" and "people": a shortened word
meets no word of theirs, no glossary phrase and no check ("how many yrs?" wants a count of years,
and "four years" did not count as one).
"""

from __future__ import annotations

import re

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

"""The acronyms a corpus spells out ("EU" for "European Union").

Counted once per corpus version with the other derived indexes: reading every passage for them
takes seconds at tens of thousands of passages, too long for the first question that needs them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def _initials(text: str) -> set[str]:
    """Acronyms spelled by runs of capitalised words: "European Union" gives EU."""
    words = re.findall(r"[A-Za-z][\w-]*", text)
    out = set()
    for start in range(len(words)):
        letters = ""
        for word in words[start : start + 6]:
            if not word[0].isupper():
                if word.lower() in ("of", "the", "and", "for", "on", "against"):
                    continue
                break
            letters += word[0]
            out.add(letters)
    return out


def acronyms_of(texts: Iterable[str]) -> set[str]:
    """Every acronym the texts spell with runs of capitalised words."""
    out: set[str] = set()
    for text in texts:
        out |= _initials(text)
    return out

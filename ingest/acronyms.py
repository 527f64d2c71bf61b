"""The acronyms a corpus spells out ("EU" for "European Union").

Counted once per corpus version with the other derived indexes: reading every passage for them
takes seconds at tens of thousands of passages, too long for the first question that needs them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# words an acronym skips when written in lower case ("Office on Drugs and Crime": ODC)
_LINKS = ("of", "the", "and", "for", "on", "against")
_LONGEST = 8  # words an acronym spans at most, link words counted (SRSG's name: seven)


def _initials(text: str, any_case: bool = False) -> set[str]:
    """Acronyms spelled by runs of capitalised words: "European Union" gives EU (with
    `any_case`, by runs of any words: "mutual legal assistance" gives MLA). Each part of a
    hyphenated word gives its letter, and one acronym inside the run may give none: "Special
    Representative of the UN Secretary-General" is the SRSG. (One: skipping any of them spelled
    a thousand acronyms from a page of capitals.)"""
    words = re.findall(r"[A-Za-z][A-Za-z0-9]*", text)
    out: set[str] = set()
    for start in range(len(words)):
        letters = ""  # a letter for every word of the run
        skipping: set[str] = set()  # the same with one acronym of the run giving none
        for word in words[start : start + _LONGEST]:
            capital = word[0].isupper()
            if word.lower() in _LINKS and (any_case or not capital):
                continue
            if not (any_case or capital):
                break
            initial = word[0].upper()
            skipping = {spelled + initial for spelled in skipping}
            if len(word) > 1 and word.isupper():
                skipping.add(letters)
            letters += initial
            out |= {letters, *skipping} - {""}
    return out


def acronyms_of(texts: Iterable[str]) -> set[str]:
    """Every acronym the texts spell with runs of capitalised words."""
    out: set[str] = set()
    for text in texts:
        out |= _initials(text)
    return out


def spelled_out(text: str) -> set[str]:
    """The acronyms a question spells out in its own words, in any case: "a mutual legal
    assistance treaty ... the convention's MLA article" says what MLA is, and the corpus holds
    mutual legal assistance without ever writing MLA. Three letters at least: two words of
    any sentence spell some two-letter acronym by chance."""
    return {a for a in _initials(text, any_case=True) if len(a) >= 3}


def headings_spell(labels: Iterable[str]) -> set[str]:
    """The acronyms the instruments' titles and headings spell in any case: "Mutual legal
    assistance" (Article 18) gives MLA, "... Trafficking in Persons ..." TIP. Users write these
    ("the TIP protocol", "an MLA request") where the text never does. Headings only, and the
    instruments' only: every run of words of a corpus would spell most short acronyms by chance
    (`spelled_out`'s three letters at least)."""
    return set().union(*map(spelled_out, labels))

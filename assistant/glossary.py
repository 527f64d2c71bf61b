"""Lay words to the documents' words: "can they be charged?" asks about "criminal liability".

Neither the embedding model nor the corpus's word vectors bridge a lay word to a legal term
(cosine of "charged" and "prosecution" is 0.42, of "hand over" and "extradite" 0.21), so a small
glossary does, kept as data with the corpus (`glossary.toml` in the corpus folder). The terms a
question's lay wording stands for join its text for retrieval and for its meaning vector; the
question's own words still pick the sentence (lending them to word matching helped the dev set
and hurt the blind test set).
"""

from __future__ import annotations

import logging
import re
import tomllib
from pathlib import Path

from bm25s.stopwords import STOPWORDS_EN_PLUS

from assistant.anchors import anchors
from ingest.word_vectors import WORD, stems_of

log = logging.getLogger(__name__)


# words that change no lay phrase's sense: "who actually checks" is "who checks", "taking the
# money" is "take their money", "hand him over" is "hand them over" ("just" is no filler:
# "join just the protocol")
_FILLERS = {"actually", "really", "even", "ever", "also", "simply", "still"}
_DETERMINERS = ("their", "his", "her", "its", "a", "an", "our", "your", "my", "this", "that")
_SAME = {
    **dict.fromkeys((*_DETERMINERS, "these", "those"), "the"),
    **dict.fromkeys(("him", "it", "me"), "them"),
}


def _stems(text: str) -> tuple[str, ...]:
    """A text's word stems, past fillers, with determiners and object pronouns made one; a
    stop word stays itself, so "kick in" is not just "kick". A hyphenated word is its parts:
    the stemmer keeps a hyphenated word's first part only, which made "stand-alone" match any
    "stand" ("stand trial") and "cross-border" any "cross"."""
    parts = [part for word in WORD.findall(text.lower()) for part in word.split("-") if part]
    words = [_SAME.get(word, word) for word in parts if word not in _FILLERS]
    return tuple(
        f"~{word}" if not stem or word in STOPWORDS_EN_PLUS else stem
        for stem, word in zip(stems_of(words), words, strict=True)
    )


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    if phrase[0] not in words:  # most phrases of most entries: one quick look
        return False
    size = len(phrase)
    return any(words[i : i + size] == phrase for i in range(len(words) - size + 1))


def _strings(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


class Glossary:
    """Lay phrases (as stems) and the documents' terms each group of them stands for."""

    def __init__(self, entries: list[tuple[list[str], list[tuple[str, ...]]]]) -> None:
        self.entries = entries

    @classmethod
    def load(cls, path: Path) -> Glossary:
        """The glossary in `path`; an empty one when there is none, and when it is malformed
        a logged warning naming the file (and the entry) so a bad glossary never stops answers."""
        if not path.is_file():
            return cls([])
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            log.warning("glossary %s is not readable TOML (%s): no lay words expanded", path, error)
            return cls([])
        entries = []
        for number, raw in enumerate(data.get("entry", []), start=1):
            terms, lay = raw.get("terms"), raw.get("lay")
            if not (_strings(terms) and _strings(lay)):
                log.warning(
                    "glossary %s: entry %d needs `terms` and `lay` lists of text; skipped",
                    path,
                    number,
                )
                continue
            phrases = [_stems(phrase) for phrase in lay]
            # a phrase of stop words alone ("under 18" without its digits) would match anything
            entries.append((terms, [p for p in phrases if any(not w.startswith("~") for w in p)]))
        return cls(entries)

    def expand(self, question: str) -> list[str]:
        """The documents' terms for the lay phrases in the question, each once. A word of a
        name is no lay word: UNODC's "Issue Papers" are not identity papers, nor "Frameworks
        for Action" an action. (Acronyms still count: "ID card".)"""
        names = {name for name in anchors(question) if not name.isupper()}
        asked = _stems(
            re.sub(r"[\w'’-]+", lambda w: "," if w.group(0) in names else w.group(0), question)
        )
        terms: list[str] = []
        for entry_terms, phrases in self.entries:
            if any(phrase and _contains(asked, phrase) for phrase in phrases):
                terms += [t for t in entry_terms if t not in terms]
        return terms

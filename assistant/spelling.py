"""Typos put right against the corpus's own words.

One swapped, missing, extra or wrong letter in a long word ("the smuglging protocol", "the 2021
Understnading the Smuggling of Migrants Protocol guide", "how many counrties") made a word the
corpus never uses: the name checks refused ("They never mention Understnading", "The corpus does
not hold the smuglging protocol") and retrieval lost the word. A word of five letters or more
that neither the corpus nor the embedding model's vocabulary knows, in any form ("accomplices"),
is read as the one corpus word a single edit away: two letters swapped, or in a word of eight
letters or more one letter missing, extra or wrong; never the first or the last letter. A real word the corpus lacks is left alone: the model's vocabulary knows
"trail" and "fined", and no corpus word is one edit from "haulage" or "Schengen".
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from typing import Any

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_WORD = re.compile(r"(?<![\w'’./])[A-Za-z]{5,}(?![\w'’/])")


def model_words(embedder: Any) -> frozenset[str]:
    """The whole words of the embedding model's tokenizer vocabulary (about 20,000 common English
    words for MiniLM), or none when the model shows no tokenizer."""
    tokenizer = getattr(getattr(embedder, "_model", None), "tokenizer", None)
    vocabulary = tokenizer.get_vocab() if hasattr(tokenizer, "get_vocab") else {}
    return frozenset(w for w in vocabulary if w.isalpha() and w.islower())


def _one_edit(word: str) -> set[str]:
    """Every string one edit away that keeps the first letter (typos rarely touch it): two
    neighbouring letters swapped, and in a word of eight letters or more one letter deleted,
    replaced or inserted before the last ("deport" is no typo of "report", nor "payers" of
    "papers"; "confiscate" no typo of "confiscated", nor "ratifies" of "ratified")."""
    splits = [(word[:i], word[i:]) for i in range(1, len(word))]
    swapped = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    if len(word) < 8:
        return swapped - {word}
    inner = splits[:-1]  # the last letter kept too
    return {
        *swapped,
        *(a + b[1:] for a, b in inner),
        *(a + c + b[1:] for a, b in inner for c in _LETTERS),
        *(a + c + b for a, b in splits for c in _LETTERS),
    } - {word}


# endings that make a form of a word the model or the corpus knows ("accomplices", "payers")
_ENDINGS = re.compile(r"(s|es|ed|d|ing|er|ers|ly)$")


def _known(word: str, corpus_words: AbstractSet[str], known: AbstractSet[str]) -> bool:
    stem = _ENDINGS.sub("", word)
    return any(w in corpus_words or w in known for w in (word, stem, stem + "e"))


def corrected(question: str, corpus_words: AbstractSet[str], known: AbstractSet[str]) -> str:
    """The question with each word the corpus and the model both miss replaced by the one
    corpus word a single edit away (its first capital kept); acronyms, and words with more than
    one such neighbour, as typed. As typed when the model's vocabulary is unknown (`known`
    empty): without it, a real word would be taken for a typo."""
    if not known:
        return question

    def fix(match: re.Match[str]) -> str:
        typed = match.group(0)
        word = typed.lower()
        if typed.isupper() or _known(word, corpus_words, known):
            return typed
        near = _one_edit(word) & corpus_words
        if len(near) != 1:
            return typed
        right = near.pop()
        return right[0].upper() + right[1:] if typed[0].isupper() else right

    return _WORD.sub(fix, question)

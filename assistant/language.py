"""Whether a question is written in English, the only language the engine reads.

The documents, the embedding model (all-MiniLM-L6-v2) and the word index are English. Asked
"Que dit le Protocole sur la responsabilité pénale des migrants?", the engine matched
"Protocole" and "migrants" and quoted an article on training officials: a confident answer to a
question it could not read. Now the asker is told so and asked to ask in English. A language
shows in its function words (bm25s's stopword lists): English questions use "the", "what",
"does", and a question that uses more of one other language's than of English's is not in
English (which language it is, function words tell poorly: Spanish from Portuguese). Another
script (Arabic, Cyrillic, Chinese) shows in the letters.
"""

from __future__ import annotations

import re
import unicodedata

from bm25s import stopwords

_ENGLISH = frozenset(stopwords.STOPWORDS_EN_PLUS)
# function words of other languages that English does not share ("a", "die", "was" are English)
_OTHERS = [
    frozenset(words) - _ENGLISH
    for words in (
        stopwords.STOPWORDS_FRENCH,
        stopwords.STOPWORDS_SPANISH,
        stopwords.STOPWORDS_GERMAN,
        stopwords.STOPWORDS_ITALIAN,
        stopwords.STOPWORDS_PORTUGUESE,
        stopwords.STOPWORDS_DUTCH,
        stopwords.STOPWORDS_TURKISH,
    )
]
_WORD = re.compile(r"[^\W\d_]+")
NOT_ENGLISH = (
    "The question seems not to be written in English. The documents, and the search over "
    "them, are in English only: please ask it in English."
)
LEAST_FOREIGN = 2  # one word ("de facto", "per capita", "La Strada") says nothing


def in_english(question: str) -> bool:
    """Whether a question is written in English. Short or mixed questions count as English: a
    foreign phrase quoted in an English question does not make it foreign, nor do acronyms
    ("AU-EU" are French function words in lower case)."""
    letters = [c for c in question if c.isalpha()]
    if letters and sum(_latin(c) for c in letters) < len(letters) / 2:
        return False  # another script
    words = [w.lower() for w in _WORD.findall(question) if not (len(w) > 1 and w.isupper())]
    english = sum(w in _ENGLISH for w in words)
    foreign = max(sum(w in others for w in words) for others in _OTHERS)
    return foreign < LEAST_FOREIGN or foreign <= english


def _latin(char: str) -> bool:
    return "LATIN" in unicodedata.name(char, "")

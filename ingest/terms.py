"""Words as BM25 sees them: English stop words out, Snowball stems. The index and the
questions must split text the same way, so one module does it for both."""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

from bm25s.stopwords import STOPWORDS_EN

_per_thread = threading.local()


def _stemmer() -> Any:
    """One Snowball stemmer per thread: building one per call is slow, sharing one is unsafe."""
    if not hasattr(_per_thread, "stemmer"):
        import Stemmer

        _per_thread.stemmer = Stemmer.Stemmer("english")
    return _per_thread.stemmer


def bm25_tokens(texts: list[str]) -> list[list[str]]:
    """BM25 tokens (English stop words out, Snowball stems): one function for index and query."""
    import bm25s

    return bm25s.tokenize(
        texts,
        stopwords="en",
        stemmer=_stemmer(),
        return_ids=False,
        show_progress=False,
    )


def content_terms(text: str) -> set[str]:
    """The stemmed content words of a text, as BM25 sees them."""
    return set(_content_terms(text))


_BM25_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # bm25s's own token pattern and stop words
_BM25_STOP_WORDS = frozenset(STOPWORDS_EN)


@lru_cache(maxsize=100_000)
def _content_terms(text: str) -> frozenset[str]:
    """Remembered: sentences recur between questions. What `bm25_tokens` gives for one text
    (same pattern, stop words and stemmer; tests compare them), a quarter of its cost: a
    question scores a few hundred sentences, and bm25s sets up a vocabulary on every call."""
    words = _BM25_TOKEN.findall(text.lower())
    return frozenset(_stemmer().stemWords([w for w in words if w not in _BM25_STOP_WORDS]))

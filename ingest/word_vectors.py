"""The corpus's word vectors: every content word embedded once, when the corpus changes.

Ingest completes them for each new corpus version (a replica that did not ingest completes them
at start-up); the answer engine's soft word matching (`assistant.word_match`) reads them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from ingest.store import write_atomic
from ingest.terms import bm25_tokens

WORD = re.compile(r"[a-z][a-z'-]*[a-z]")
MAX_ASKED_WORDS = 10_000  # question words outside the corpus kept embedded
Embed = Callable[[list[str]], list[list[float]]]


def stems_of(words: list[str]) -> list[str]:
    """Each word's BM25 stem, or "" for a stop word."""
    return [tokens[0] if tokens else "" for tokens in bm25_tokens(words)] if words else []


@lru_cache(maxsize=200_000)
def stem_of(word: str) -> str:
    """One word's stem, remembered: sentences share most of their words."""
    return stems_of([word])[0]


@dataclass
class WordVectors:
    """Unit vectors of the corpus's content words, for one embedding model."""

    model: str
    version: str = ""  # the corpus version the vocabulary was last completed for
    words: list[str] = field(default_factory=list)
    stems: list[str] = field(default_factory=list)
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))

    def __post_init__(self) -> None:
        self.index = {word: i for i, word in enumerate(self.words)}
        self.asked: dict[str, np.ndarray] = {}  # question words not in the corpus, once embedded

    @classmethod
    def load(cls, path: Path, model: str) -> WordVectors:
        """The saved vectors, or an empty set when absent, unreadable or of another model."""
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["model"]) != model:
                    return cls(model)
                return cls(
                    model,
                    str(data["version"]),
                    [str(w) for w in data["words"]],
                    [str(s) for s in data["stems"]],
                    data["matrix"].astype(np.float32),
                )
        except (OSError, KeyError, ValueError):
            return cls(model)

    def save(self, path: Path) -> None:
        buffer = io.BytesIO()
        np.savez(
            buffer,
            model=np.array(self.model),
            version=np.array(self.version),
            words=np.array(self.words, dtype=str),
            stems=np.array(self.stems, dtype=str),
            matrix=self.matrix.astype(np.float16),
        )
        write_atomic(path, buffer.getvalue())

    def extend(
        self, texts: Iterable[str], embed: Embed, batch: int = 512, progress: bool = False
    ) -> int:
        """Add the content words of `texts` that have no vector yet; returns how many."""
        from tqdm import tqdm

        seen = set(self.index)
        found = sorted({w for text in texts for w in WORD.findall(text.lower())} - seen)
        kept = [(w, s) for w, s in zip(found, stems_of(found), strict=True) if s]
        if not kept:
            return 0
        new, stems = [w for w, _ in kept], [s for _, s in kept]
        vectors = []
        with tqdm(total=len(new), unit="word", desc="Word vectors", disable=not progress) as bar:
            for start in range(0, len(new), batch):
                vectors += embed(new[start : start + batch])
                bar.update(min(batch, len(new) - start))
        added = _unit(np.asarray(vectors, dtype=np.float32))
        self.matrix = added if not self.words else np.vstack([self.matrix, added])
        self.stems += stems
        self.words += new
        self.__post_init__()
        return len(new)

    def vectors_for(self, words: list[str], embed: Embed) -> np.ndarray:
        """Unit vectors of any words, embedding those the corpus does not have."""
        missing = [w for w in words if w not in self.index and w not in self.asked]
        if missing:
            if len(self.asked) > MAX_ASKED_WORDS:
                self.asked = {}
            vectors = _unit(np.asarray(embed(missing), dtype=np.float32))
            self.asked.update(zip(missing, vectors, strict=True))
        rows = [self.matrix[self.index[w]] if w in self.index else self.asked[w] for w in words]
        return np.asarray(rows, dtype=np.float32).reshape(len(words), -1)


def _unit(matrix: np.ndarray) -> np.ndarray:
    if matrix.size == 0:
        return matrix
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


def up_to_date(
    path: Path, model: str, version: str, texts: Iterable[str], embed: Embed, progress: bool = False
) -> WordVectors:
    """The saved word vectors, completed with the words of a new corpus version and saved."""
    vectors = WordVectors.load(path, model)
    if vectors.version != version:
        vectors.extend(texts, embed, progress=progress)
        vectors.version = version
        vectors.save(path)
    return vectors

"""Soft word matching: a question's word is found in a sentence that says it in other words.

People ask in lay words and the instruments answer in treaty words ("boat" and "vessel", "danger"
and "safety", "asylum" and "refugees"). Exact stems miss that, and a whole-sentence embedding
blurs it among the sentence's other words. So every word of the corpus gets its own embedding
(once, when the corpus changes), and a question word counts as partly present in a sentence when
one of the sentence's words is close to it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from bm25s.stopwords import STOPWORDS_EN_PLUS

from ingest.store import bm25_tokens, write_atomic

WORD = re.compile(r"[a-z][a-z'-]*[a-z]")
MATCH_FLOOR = 0.6  # least cosine between two words that counts as a partial match
# a follow-up's own words pick the sentence; the conversation's words, however many, only add
# this share (it locates the topic: retrieval and the meaning score already lean on it)
CONTEXT_SHARE = 0.3
MAX_ASKED_WORDS = 10_000  # question words outside the corpus kept embedded
Embed = Callable[[list[str]], list[list[float]]]


# question words, pronouns and auxiliaries ("what", "how", "did", "you", "my"): rare in treaty
# text, so by IDF alone they would weigh most in a chatty question while saying nothing of its
# subject (BM25 keeps its short list: its index is the documents', not the questions')
FUNCTION_WORDS = frozenset(STOPWORDS_EN_PLUS)


def words_of(text: str) -> list[str]:
    """The lower-cased words of a text, in order, repeats removed."""
    return list(dict.fromkeys(WORD.findall(text.lower())))


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


class QuestionWords:
    """A question's content words with their weights, ready to be looked for in sentences."""

    def __init__(
        self,
        own: str,
        context: str,
        idf: Callable[[str], float],
        vectors: WordVectors,
        embed: Embed,
        soft: bool = True,
    ) -> None:
        own_words = [w for w in words_of(own) if w not in FUNCTION_WORDS]
        context_words = [
            w for w in words_of(context) if w not in own_words and w not in FUNCTION_WORDS
        ]
        words = own_words + context_words
        stems = stems_of(words)
        kept = [
            (w, s, i < len(own_words))
            for i, (w, s) in enumerate(zip(words, stems, strict=True))
            if s
        ]
        weights: dict[str, float] = {}
        context_words: set[str] = set()
        self.stem: dict[str, str] = {}
        for word, stem, is_own in kept:
            if stem in self.stem.values():
                continue  # "request" and "requested" are one term
            weights[word] = idf(stem)
            self.stem[word] = stem
            if not is_own:
                context_words.add(word)
        own_total = sum(v for w, v in weights.items() if w not in context_words)
        context_total = sum(weights.values()) - own_total
        if own_total and context_total:  # each side its fixed share of the whole
            own_scale, context_scale = (
                (1 - CONTEXT_SHARE) / own_total,
                CONTEXT_SHARE / context_total,
            )
        else:
            own_scale = context_scale = 1 / (own_total + context_total or 1.0)
        self.share = {
            w: v * (context_scale if w in context_words else own_scale) for w, v in weights.items()
        }
        self.words = list(self.share)
        self._shares = np.array([self.share[w] for w in self.words])
        self._row_of_stem = {self.stem[w]: row for row, w in enumerate(self.words)}
        self.vectors = vectors
        self.soft = soft
        self.similar = (
            vectors.vectors_for(self.words, embed) @ vectors.matrix.T
            if self.words and len(vectors.words)
            else np.zeros((len(self.words), 0), dtype=np.float32)
        )

    def coverage(self, text: str) -> dict[str, float]:
        """Each question word's share met by the text: whole for the same stem, in part for a
        word of like meaning (cosine above MATCH_FLOOR, scaled)."""
        return self.meet(text, 0)[0]

    def meet(self, text: str, span: int) -> tuple[dict[str, float], float]:
        """The text's coverage, and the most of the question's words that any `span` running
        words of it meet (0: no limit).

        A long sentence holds many words somewhere; the one that answers holds them close
        together ("migrants ... liable to criminal prosecution under this Protocol").
        """
        met = self._met(WORD.findall(text.lower()))
        whole = met.max(axis=1, initial=0.0)
        covers = {word: float(whole[row]) for row, word in enumerate(self.words) if whole[row]}
        if not span or met.shape[1] <= span:
            return covers, float(whole.sum())
        windows = np.lib.stride_tricks.sliding_window_view(met, span, axis=1)
        return covers, float(windows.max(axis=2).sum(axis=0).max())

    def _met(self, words: list[str]) -> np.ndarray:
        """Question words × text words: the share of each question word each text word meets."""
        met = np.zeros((len(self.words), len(words)))
        if not self.words or not words:
            return met
        index = self.vectors.index
        known = [i for i, w in enumerate(words) if w in index]
        if known and self.soft:
            similar = self.similar[:, [index[words[i]] for i in known]]
            met[:, known] = self._shares[:, None] * np.clip(
                (similar - MATCH_FLOOR) / (1 - MATCH_FLOOR), 0, 1
            )
        for column, word in enumerate(words):
            stem = self.vectors.stems[index[word]] if word in index else stem_of(word)
            row = self._row_of_stem.get(stem)
            if row is not None:
                met[row, column] = self._shares[row]
        return met


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

"""Exact search inside a few documents: a question that names a document, or a narrow filter.

Chroma answers a `where`-filtered query by scanning its metadata: 20-30 ms a query at 20,000
passages and 180,000 sentences, three queries for each document a question names. When a filter
admits few passages, their vectors (fetched by id once, then kept) are compared in memory:
exact, and about a millisecond.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from assistant.records import Filters
from ingest.store import Store, sentence_id

EXACT_MOST = 2_000  # passages a filter may admit for the search to run in memory
KEPT_ROWS = 50_000  # sentence vectors kept between questions (about 75 MB at 384 dimensions)


class FilteredSearch:
    """Passage and sentence search restricted to the passages a filter admits, in memory."""

    def __init__(self, store: Store, ids: list[str], metadatas: list[dict[str, Any]]) -> None:
        self.store = store
        self.ids = ids
        self.metadatas = metadatas
        self._rows: dict[str, np.ndarray] = {}  # filter -> admitted passage rows
        self._vectors: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # row -> passage, sentences
        self._lock = threading.Lock()

    def admitted(self, filters: Filters) -> np.ndarray:
        """The snapshot rows of the passages the filter admits (remembered per filter)."""
        key = repr(filters)
        rows = self._rows.get(key)
        if rows is None:
            rows = np.array(
                [i for i, m in enumerate(self.metadatas) if filters.admits(m)], dtype=int
            )
            if len(self._rows) > 256:
                self._rows.clear()
            self._rows[key] = rows
        return rows

    def usable(self, filters: Filters | None) -> np.ndarray | None:
        """The admitted rows when the filter is narrow enough to search in memory (and the store
        records each passage's sentence count, as since sentence ids by count), else None."""
        if filters is None or filters.is_empty():
            return None
        rows = self.admitted(filters)
        if len(rows) > EXACT_MOST or any("n_sentences" not in self.metadatas[r] for r in rows):
            return None
        return rows

    def search(
        self, rows: np.ndarray, embedding: list[float], k: int, sentences: int
    ) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
        """(chunk id, cosine) of the best `k` passages, and of the passages holding the best
        `sentences` sentences (each passage by its best one): what `dense_search` and
        `sentence_search` return, for the admitted rows only."""
        if len(rows) == 0:
            return [], []
        query = np.asarray(embedding, dtype=np.float32)
        query /= np.linalg.norm(query) or 1.0
        vectors = self._vectors_of([int(r) for r in rows])
        passages = np.stack([vectors[int(r)][0] for r in rows]) @ query
        ids = self.ids
        top = np.argsort(-passages, kind="stable")[:k]
        dense = [(ids[int(rows[i])], float(passages[i])) for i in top]
        owners = [int(r) for r in rows for _ in range(len(vectors[int(r)][1]))]
        if not owners:
            return dense, []
        cosines = np.concatenate([vectors[int(r)][1] for r in rows]) @ query
        best: dict[str, float] = {}
        for i in np.argsort(-cosines, kind="stable")[:sentences]:
            best.setdefault(ids[owners[int(i)]], float(cosines[i]))
        return dense, sorted(best.items(), key=lambda item: -item[1])

    def _vectors_of(self, rows: list[int]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        with self._lock:
            missing = [r for r in rows if r not in self._vectors]
            if missing:
                if sum(len(s) for _, s in self._vectors.values()) > KEPT_ROWS:
                    self._vectors.clear()
                self._vectors.update(self._fetch(missing))
            return {r: self._vectors[r] for r in rows}

    def _fetch(self, rows: list[int]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Unit vectors of these passages and of their sentences, read from Chroma by id."""
        chunk_ids = [self.ids[r] for r in rows]
        passages = _unit_rows(self.store.passages.get(ids=chunk_ids, include=["embeddings"]))
        wanted = {
            self.ids[r]: [
                sentence_id(self.ids[r], i) for i in range(int(self.metadatas[r]["n_sentences"]))
            ]
            for r in rows
        }
        flat = [s for ids in wanted.values() for s in ids]
        sentences: dict[str, np.ndarray] = {}
        for start in range(0, len(flat), 5_000):
            part = flat[start : start + 5_000]
            sentences.update(_unit_rows(self.store.sentences.get(ids=part, include=["embeddings"])))
        width = len(next(iter(passages.values())))
        out = {}
        for row, chunk_id in zip(rows, chunk_ids, strict=True):
            own = [sentences[s] for s in wanted[chunk_id] if s in sentences]
            out[row] = (
                passages[chunk_id],
                np.stack(own) if own else np.zeros((0, width), np.float32),
            )
        return out


def _unit_rows(data: dict[str, Any]) -> dict[str, np.ndarray]:
    matrix = np.asarray(data["embeddings"], dtype=np.float32)
    if len(matrix):
        matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    return dict(zip(data["ids"], matrix, strict=True))

"""Questions people asked before, each with the corpus text that answers it.

A lay question rarely shares words with the passage that answers it, and the query adapter's one
linear map moves every question the same way. Questions written in users' words, each with
the verbatim evidence that answers it (`evals/training/`), hold many such pairs: when a new
question stands close in meaning to one of them, the pool's passage holding that question's
evidence is likely the answer too. The bank brings such passages into the pool when retrieval
missed them (`Tuning.bank_passages`) and lifts their sentences by how close the nearest such
question stands (`Tuning.bank_similarity`, `Tuning.bank_weight`). It is
data beside the corpus (`question-bank.npz`) and belongs to one embedding model; it names
passages by their text, not their ids, so it survives a re-ingest.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.fitted_files import load_fitted
from assistant.question import Question
from assistant.records import Filters, Passage
from assistant.snapshot import Snapshot, folded

log = logging.getLogger(__name__)

BANK_FILE = "question-bank.npz"  # in the corpus folder


@dataclass(frozen=True)
class QuestionBank:
    """`vectors` (one row per question) and, for each, the folded evidence texts that answer
    it; `probe` is the fitting model's vector of `fitted_files.PROBE`."""

    vectors: np.ndarray
    evidence: tuple[tuple[str, ...], ...]
    probe: np.ndarray
    note: str = ""  # how it was made: the files, the date

    def consulted(
        self, question: Question, pool: list[Passage], corpus: Snapshot, filters: Filters | None
    ) -> list[Passage]:
        """The pool widened by the passages `bring` finds; records on the question which pool
        passages the bank vouches for (`vouched`) and which it brought (`brought`). A question
        read on its own only (not a follow-up of a conversation, whose own words have no
        topic), by its vector before the query adapter moved it."""
        if question.conversation or "question_bank" in question.off:
            return pool
        tuning = question.tuning
        near = self.nearest((question.plain or question).vector, tuning.bank_similarity)
        most = 0 if "bank_passages" in question.off else tuning.bank_passages
        brought = self.bring(near, pool, corpus, filters, most)
        question.brought = frozenset(p.chunk_id for p in brought)
        widened = pool + brought
        question.vouched = self.endorsed(near, widened)
        return widened

    def nearest(self, vector: np.ndarray, least: float) -> list[tuple[int, float]]:
        """The training questions at least `least` close to `vector`, closest first: (row,
        how much closer than `least` it stands)."""
        closeness = self.vectors @ vector
        near = np.flatnonzero(closeness >= least)
        return [
            (int(row), float(closeness[row]) - least) for row in near[np.argsort(-closeness[near])]
        ]

    def bring(
        self,
        near: list[tuple[int, float]],
        pool: list[Passage],
        corpus: Snapshot,
        filters: Filters | None,
        most: int,
    ) -> list[Passage]:
        """Up to `most` corpus passages outside the pool (and inside the filters) holding the
        evidence of the `near` questions, the closest question's first. A question asking
        three things is answered by passages that share few words with it; retrieval finds one
        or two, a near training question names the others."""
        have = {p.chunk_id for p in pool}
        brought: list[Passage] = []
        for row, _ in near:
            for evidence in self.evidence[row]:
                for index in corpus.rows_holding(evidence):
                    chunk_id = corpus.ids[index]
                    if len(brought) >= most:
                        return brought
                    if chunk_id in have or (
                        filters and not filters.admits(corpus.metadatas[index])
                    ):
                        continue
                    have.add(chunk_id)
                    brought.append(corpus.passage(index))
        return brought

    def endorsed(self, near: list[tuple[int, float]], pool: list[Passage]) -> dict[str, float]:
        """For each pool passage holding the evidence of a `near` question, how much closer
        than the least closeness the closest such question stands (chunk id -> margin)."""
        texts = {p.chunk_id: folded(p.text) for p in pool}
        margins: dict[str, float] = {}
        for row, margin in near:
            for evidence in self.evidence[row]:
                for chunk_id, text in texts.items():
                    if evidence in text and chunk_id not in margins:
                        margins[chunk_id] = margin  # the closest question's, seen first
        return margins

    def save(self, path: Path) -> None:
        np.savez(
            path,
            vectors=self.vectors.astype(np.float16),
            evidence=np.array(json.dumps([list(e) for e in self.evidence])),
            probe=self.probe.astype(np.float32),
            note=np.array(self.note),
        )

    @classmethod
    def load(cls, path: Path, probe: np.ndarray) -> QuestionBank | None:
        """The bank in `path` if it was made for the model whose probe vector is `probe`
        (`load_fitted`); None, with a warning naming the file, when it is malformed."""
        data = load_fitted(path, probe, "the question bank not used", "palermo bank")
        if data is None:
            return None
        vectors = data.get("vectors", np.empty(0))
        try:  # folded when the bank was made (`evals.bank`)
            evidence = tuple(tuple(row) for row in json.loads(str(data["evidence"])))
        except (KeyError, ValueError, TypeError):
            evidence = ()
        if vectors.ndim != 2 or vectors.shape[1] != len(probe) or len(evidence) != len(vectors):
            log.warning("question bank %s is malformed: not used; remake it", path)
            return None
        note = str(data.get("note", ""))
        return cls(vectors.astype(np.float32), evidence, data["probe"], note)

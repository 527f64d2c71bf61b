"""The answer contract: passages, citations and answers, as the CLI, app and evals see them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

REFUSAL = "The documents in the corpus do not answer this."


@dataclass
class Passage:
    """A retrieved chunk with its place in its document and its retrieval scores."""

    chunk_id: str
    doc_id: str
    title: str
    publisher: str
    date: str
    kind: str
    section: str
    page: int | None
    text: str
    start: int
    end: int
    score: float = 0.0
    dense: float = 0.0
    lexical: float = 0.0
    url: str = ""

    @property
    def labelled(self) -> str:
        """Its title, date and text: where a year or a country the question names may stand."""
        return f"{self.title} {self.date} {self.text}"

    @property
    def headed(self) -> str:
        """Its section label, title, date and text: where a name or a numbered part the question
        pins down may stand (a heading names what the passage under it is about)."""
        return f"{self.section} {self.labelled}"

    def to_json(self) -> dict[str, Any]:
        return {
            "chunk_id": self.chunk_id,
            "doc_id": self.doc_id,
            "title": self.title,
            "publisher": self.publisher,
            "date": self.date,
            "kind": self.kind,
            "section": self.section,
            "page": self.page,
            "quote": self.text,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
            "url": self.url,
        }


@dataclass
class Citation:
    """A quoted span: `quote` is exactly the document's cleaned text at [start, end)."""

    n: int
    doc_id: str
    title: str
    publisher: str
    date: str
    section: str
    page: int | None
    quote: str
    start: int
    end: int
    score: float
    chunk_id: str = ""
    url: str = ""
    # it quotes a passage holding a sentence chosen as the answer; False: a passage the answer
    # was widened by, which the chat folds under the answer
    main: bool = True

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["score"] = round(self.score, 4)
        return data


@dataclass
class Filters:
    """Restrict retrieval to some documents, publishers, kinds or a range of years."""

    doc_ids: list[str] = field(default_factory=list)
    publishers: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None

    def is_empty(self) -> bool:
        return not (self.doc_ids or self.publishers or self.kinds or self.year_from or self.year_to)

    def runs_backwards(self) -> bool:
        """A year range that ends before it begins admits nothing: the user swapped them."""
        return bool(self.year_from and self.year_to and self.year_from > self.year_to)

    def admits_document(self, doc_id: str) -> bool:
        return not self.doc_ids or doc_id in self.doc_ids

    def within(self, doc_id: str) -> Filters:
        """These filters narrowed to one document."""
        return Filters([doc_id], self.publishers, self.kinds, self.year_from, self.year_to)

    def within_year(self, year: int) -> Filters:
        """These filters narrowed to one year."""
        return Filters(self.doc_ids, self.publishers, self.kinds, year, year)

    @property
    def single_year(self) -> int | None:
        """The one year these filters admit, if they admit one only."""
        return self.year_from if self.year_from and self.year_from == self.year_to else None

    def admits_year(self, year: int) -> bool:
        return (self.year_from or year) <= year <= (self.year_to or year)

    def admits(self, metadata: dict[str, Any]) -> bool:
        """Whether a passage's metadata passes these filters (the same rule Chroma applies)."""
        year = int(metadata.get("year") or 0)
        return (
            (not self.doc_ids or metadata.get("doc_id") in self.doc_ids)
            and (not self.publishers or metadata.get("publisher") in self.publishers)
            and (not self.kinds or metadata.get("kind") in self.kinds)
            and (self.year_from is None or year >= self.year_from)
            and (self.year_to is None or (0 < year <= self.year_to))
        )


@dataclass
class Answer:
    """An answer with its citations, the passages it drew on and how long each step took."""

    question: str
    answer: str
    refused: bool
    citations: list[Citation]
    retrieved: list[Passage]
    timings_ms: dict[str, float]
    corpus_version: str
    query: str = ""
    support_score: float = 0.0  # the best quoted sentence's score, which the refusal rule uses

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "retrieved": [p.to_json() for p in self.retrieved],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "corpus_version": self.corpus_version,
            "query": self.query,
            "support_score": round(self.support_score, 4),
        }


class EmptyStoreError(RuntimeError):
    """The index holds no documents yet."""

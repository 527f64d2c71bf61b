"""Typed records that cross module boundaries during ingest."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Failure:
    """A file (or a line of one) that could not be ingested, and why."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


@dataclass
class LoadedDocument:
    """One document's cleaned text and what is known about it before the catalog is applied."""

    doc_id: str
    text: str
    source: str
    title: str = ""
    pages: list[tuple[int, int]] = field(default_factory=list)  # (page number, start offset)
    metadata: dict[str, str] = field(default_factory=dict)

    def page_at(self, offset: int) -> int | None:
        """The PDF page holding a character offset, or None for documents without pages."""
        page = None
        for number, start in self.pages:
            if start > offset:
                break
            page = number
        return page


@dataclass(frozen=True)
class DocumentInfo:
    """Catalog facts about a document, stored on each of its chunks."""

    doc_id: str
    title: str
    publisher: str = ""
    date: str = ""
    kind: str = ""
    url: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def year(self) -> int:
        return int(self.date[:4]) if self.date[:4].isdigit() else 0


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: an exact span [start, end) of its cleaned text."""

    doc_id: str
    position: int
    text: str
    start: int
    end: int
    section: str
    page: int | None
    content_hash: str

    @property
    def chunk_id(self) -> str:
        return f"{self.doc_id}:{self.position:04d}:{self.content_hash[:8]}"


@dataclass(frozen=True)
class Sentence:
    """A sentence or list item inside a chunk, with offsets into the document text."""

    text: str
    start: int
    end: int

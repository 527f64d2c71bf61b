"""The index: Chroma collections for passages and their sentences, the cleaned texts, and BM25.

Chroma is the source of truth. Each passage carries its document's hash and chunk count, so a
document is complete exactly when all its passages are present with one hash; anything else (a
run killed half-way) is repaired by the next ingest. The BM25 index and the manifest (each
document's passage and sentence ids) are derived from the passages and record the corpus version
they were built from, so they are rebuilt only when the store changed.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from common.settings import Settings
from ingest.acronyms import acronyms_of, headings_spell
from ingest.document_vectors import document_vectors
from ingest.terms import bm25_tokens

SENTENCES_SUFFIX = "_sentences"
INDEX_FORMAT = 7  # raise when DerivedIndex changes shape or content, so old pickles are rebuilt


@dataclass
class DerivedIndex:
    """Derived from one corpus version's passages: BM25, each term's passages, acronyms."""

    version: str
    retriever: Any
    ids: list[str]
    passages_with: dict[str, np.ndarray]  # term -> rows (in `ids`) of the passages holding it
    acronyms: frozenset[str] = frozenset()
    document_vectors: dict[str, np.ndarray] = field(default_factory=dict)  # see document_vectors
    format: int = INDEX_FORMAT


@dataclass(frozen=True)
class StoredDocument:
    """What the store knows of one document, summed over its passages."""

    doc_id: str
    title: str
    publisher: str
    date: str
    kind: str
    url: str
    source: str
    doc_hash: str
    n_chunks: int
    count: int
    complete: bool
    fingerprint: str = ""  # of its source's bytes and how they were read (ingest/pipeline.py)
    passage_ids: tuple[str, ...] = ()
    sentence_ids: tuple[str, ...] | None = None  # None: stored before sentence counts were kept


@dataclass
class DocumentWrite:
    """One document's new rows, and the rows of its stored version to remove once they are in."""

    doc_id: str
    doc_hash: str
    text: str
    nodes: list[Any]
    sentence_rows: dict[str, list[Any]]
    old: StoredDocument | None = None


def sentence_id(chunk_id: str, index: int) -> str:
    """A sentence row's id: its passage's id and its place there."""
    return f"{chunk_id}:s{index:03d}"


_SENTENCE_ID = re.compile(r"^(.*):s\d{3,}$")


def passage_of(row_id: str, metadata: dict[str, Any] | None = None) -> str:
    """The passage a sentence row belongs to: from its id, or from the `chunk_id` metadata that
    rows written before 2026-12-04 carry (some older ids do not name their passage)."""
    found = _SENTENCE_ID.match(row_id)
    return found.group(1) if found else str((metadata or {}).get("chunk_id", ""))


def make_client(settings: Settings) -> Any:
    """An embedded Chroma client under `home`, or an HTTP client for a configured server."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise ValueError(f"PALERMO_CHROMA_URL {settings.chroma_url!r} is not http://host:port")
        return chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if url.scheme == "https" else 80),
            ssl=url.scheme == "https",
            headers=settings.chroma_headers or None,
            settings=chroma_settings,
        )
    path = settings.home / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def safe_name(doc_id: str) -> str:
    """A file name for a document id (ids may hold any characters)."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", doc_id)[:80]
    return f"{readable}-{hashlib.sha1(doc_id.encode()).hexdigest()[:8]}"


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that a crash leaves either the old or the new content."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temp, path)


VERSION_KEY = "palermo_corpus_version"
# How many candidates Chroma's HNSW graph weighs for a query. At its default (100) a search for
# a question's 128 nearest sentences among the 1,938 speeches' 180,000 found 0.92 of the exact
# ones (0.59 for the worst of 40 questions), and which ones it missed changed from one build of
# the same store to the next: dev all facts .542 on one build, .593 on another. At 512: 0.99
# (worst 0.91), both builds scored alike, 2 ms more a query.
SEARCH_EF = 512


class Store:
    """Chroma passages and sentences, cleaned texts and the BM25 index of one Palermo home."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.home = settings.home
        self.client = make_client(settings)
        self.passages = self._collection(settings.collection)
        self.sentences = self._collection(settings.collection + SENTENCES_SUFFIX)

    def _collection(self, name: str) -> Any:
        """A collection in cosine space, searched with `SEARCH_EF` candidates; a store made
        before that setting gets it here (Chroma lets a collection's search breadth change)."""
        space = {"hnsw": {"space": "cosine", "ef_search": SEARCH_EF}}
        collection = self.client.get_or_create_collection(
            name, configuration=space, embedding_function=None
        )
        if (collection.configuration.get("hnsw") or {}).get("ef_search") != SEARCH_EF:
            collection.modify(configuration={"hnsw": {"ef_search": SEARCH_EF}})
        return collection

    @cached_property
    def vector_store(self) -> Any:
        """llama-index's view of the passages, made on first use: its import alone takes
        seconds, which an unchanged re-ingest does not need."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.passages)

    # ---- documents -------------------------------------------------------------------------

    def all_passages(self) -> dict[str, Any]:
        """Every passage's id, text and metadata (used for BM25 and the document list)."""
        return self.passages.get(include=["documents", "metadatas"])

    @property
    def manifest_path(self) -> Path:
        return self.home / "manifest.pickle"

    def documents(self, ids: list[str] | None = None) -> dict[str, StoredDocument]:
        """Documents in the store with their metadata and completeness.

        Read from the manifest saved by the last ingest when it describes the store's current
        passages (their ids are its version); else gathered from every passage's metadata, which
        takes seconds at tens of thousands of passages.
        """
        saved = self._saved_manifest(self.corpus_version(ids))
        return saved if saved is not None else self._documents_from_passages()

    def save_manifest(self, ids: list[str] | None = None) -> None:
        """Save what `documents()` returns for the current passages, unless already saved."""
        version = self.corpus_version(ids)
        if self._saved_manifest(version) is None:
            documents = self._documents_from_passages()
            write_atomic(self.manifest_path, pickle.dumps((version, documents)))

    def _saved_manifest(self, version: str) -> dict[str, StoredDocument] | None:
        try:
            with self.manifest_path.open("rb") as handle:
                saved_version, documents = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
            return None
        return documents if saved_version == version else None

    def _documents_from_passages(self) -> dict[str, StoredDocument]:
        data = self.passages.get(include=["metadatas"])
        grouped: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        for chunk_id, metadata in zip(data["ids"], data["metadatas"] or [], strict=True):
            grouped[str(metadata.get("doc_id", ""))].append((chunk_id, metadata))
        out = {}
        for doc_id, rows in grouped.items():
            metas = [m for _, m in rows]
            first = metas[0]
            hashes = {m.get("doc_hash") for m in metas}
            n_chunks = int(first.get("n_chunks", 0))
            counted = all("n_sentences" in m for m in metas)
            out[doc_id] = StoredDocument(
                doc_id=doc_id,
                title=str(first.get("title", "")),
                publisher=str(first.get("publisher", "")),
                date=str(first.get("date", "")),
                kind=str(first.get("kind", "")),
                url=str(first.get("url", "")),
                source=str(first.get("source", "")),
                doc_hash=str(first.get("doc_hash", "")),
                fingerprint=str(first.get("fingerprint", "")) if len(hashes) == 1 else "",
                n_chunks=n_chunks,
                count=len(metas),
                complete=len(hashes) == 1 and len(metas) == n_chunks,
                passage_ids=tuple(chunk_id for chunk_id, _ in rows),
                sentence_ids=tuple(
                    sentence_id(chunk_id, i)
                    for chunk_id, m in rows
                    for i in range(int(m["n_sentences"]))
                )
                if counted
                else None,
            )
        return out

    def text_path(self, doc_id: str) -> Path:
        return self.home / "texts" / f"{safe_name(doc_id)}.txt"

    def document_text(self, doc_id: str) -> str | None:
        path = self.text_path(doc_id)
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def write_documents(self, writes: list[DocumentWrite]) -> None:
        """Replace documents together: texts, then sentences, then passages (the commit), then
        the old versions' rows, deleted by id (a `where` delete scans the whole collection).

        A crash part-way leaves documents whose passages disagree on their hash or count; the
        next ingest sees them as incomplete and writes them again.
        """
        for write in writes:
            write_atomic(self.text_path(write.doc_id), write.text.encode("utf-8"))
        sentence_rows: dict[str, list[Any]] = defaultdict(list)
        for write in writes:
            for key, values in write.sentence_rows.items():
                sentence_rows[key].extend(values)
        for part in self._parts(sentence_rows):
            self.sentences.upsert(**part)
        nodes = [node for write in writes for node in write.nodes]
        new_ids = {node.node_id for node in nodes}
        kept = [i for w in writes if w.old for i in w.old.passage_ids if i in new_ids]
        self._delete(self.passages, kept)  # upsert by way of the llama-index store, which only adds
        for start in range(0, len(nodes), self.batch_size):
            self.vector_store.add(nodes[start : start + self.batch_size])
        new_sentences = set(sentence_rows.get("ids", []))
        for write in writes:
            if write.old is None:
                continue
            self._delete(self.passages, [i for i in write.old.passage_ids if i not in new_ids])
            if write.old.sentence_ids is None:
                stale = {"$and": [{"doc_id": write.doc_id}, {"doc_hash": {"$ne": write.doc_hash}}]}
                self.sentences.delete(where=stale)
            else:
                stale_ids = [i for i in write.old.sentence_ids if i not in new_sentences]
                self._delete(self.sentences, stale_ids)

    def update_fingerprints(self, documents: list[tuple[StoredDocument, str]]) -> None:
        """Record new fingerprints on unchanged documents' passages (a metadata update, no
        re-embedding), so the next ingest skips them on their bytes; the manifest is then
        gathered again from the passages."""
        rows = [(i, {"fingerprint": new}) for doc, new in documents for i in doc.passage_ids]
        for start in range(0, len(rows), self.batch_size):
            part = rows[start : start + self.batch_size]
            self.passages.update(ids=[i for i, _ in part], metadatas=[m for _, m in part])
        self.manifest_path.unlink(missing_ok=True)

    def delete_document(self, doc: StoredDocument) -> None:
        self._delete(self.passages, list(doc.passage_ids))
        if doc.sentence_ids is None:
            self.sentences.delete(where={"doc_id": doc.doc_id})
        else:
            self._delete(self.sentences, list(doc.sentence_ids))
        self.text_path(doc.doc_id).unlink(missing_ok=True)

    @property
    def batch_size(self) -> int:
        """The most rows Chroma takes in one call."""
        return int(self.client.get_max_batch_size())

    def _parts(self, rows: dict[str, list[Any]]) -> list[dict[str, list[Any]]]:
        count = len(rows.get("ids", []))
        size = self.batch_size
        return [{k: v[i : i + size] for k, v in rows.items()} for i in range(0, count, size)]

    def _delete(self, collection: Any, ids: list[str]) -> None:
        """Delete rows by id, in parts Chroma accepts; nothing to delete is not an error."""
        for start in range(0, len(ids), self.batch_size):
            collection.delete(ids=ids[start : start + self.batch_size])

    # ---- BM25 ------------------------------------------------------------------------------

    def passage_ids(self) -> list[str]:
        return list(self.passages.get(include=[])["ids"])

    def corpus_version(self, ids: list[str] | None = None) -> str:
        """A hash of every passage id (ids include content hashes): changes with any edit."""
        if ids is None:
            ids = self.passage_ids()
        return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:16]

    def publish_version(self, version: str) -> None:
        """Record the corpus version on the passages collection, where every process sharing
        this store (app replicas on one Chroma server) can read it in one small request."""
        if self.published_version() != version:
            self.passages.modify(metadata={VERSION_KEY: version})

    def published_version(self) -> str:
        """The corpus version last published by any process, "" when none was: read fresh,
        without listing the passages."""
        collection = self.client.get_collection(self.settings.collection)
        return str((collection.metadata or {}).get(VERSION_KEY, ""))

    @property
    def word_vectors_path(self) -> Path:
        return self.home / "word-vectors.npz"

    @property
    def derived_path(self) -> Path:
        return self.home / "derived.pickle"

    def load_derived(self) -> DerivedIndex | None:
        """The persisted BM25 index, or None when absent, unreadable or of an older format."""
        try:
            with self.derived_path.open("rb") as handle:
                index = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            return None
        if not isinstance(index, DerivedIndex) or getattr(index, "format", 0) != INDEX_FORMAT:
            return None
        return index

    def rebuild_derived(self, data: dict[str, Any] | None = None) -> DerivedIndex:
        """Index every passage for BM25 and persist it with the corpus version it reflects.

        Term document frequencies, acronyms and each document's vector are made here too, once
        per corpus version, so opening an assistant does not read the whole corpus again.
        """
        import bm25s

        data = data or self.all_passages()
        ids = list(data["ids"])
        documents = list(data["documents"] or [])
        texts = [
            f"{m.get('title', '')}\n{m.get('section', '')}\n{t}"
            for t, m in zip(documents, data["metadatas"] or [], strict=True)
        ]
        # the titles and headings too: headings are not in chunk text, names often are
        label_kinds = {
            f"{m.get('title', '')}\n{m.get('section', '')}": m.get("kind")
            for m in data["metadatas"] or []
        }
        instrument_labels = {label for label, kind in label_kinds.items() if kind == "instrument"}
        doc_ids = [str(m.get("doc_id", "")) for m in data["metadatas"] or []]
        retriever = bm25s.BM25()
        rows: defaultdict[str, list[int]] = defaultdict(list)
        if texts:
            retriever.index(bm25_tokens(texts), show_progress=False)
            for row, tokens in enumerate(bm25_tokens(documents)):
                for token in set(tokens):
                    rows[token].append(row)
        built = DerivedIndex(
            self.corpus_version(ids),
            retriever,
            ids,
            {token: np.array(held, dtype=np.int32) for token, held in rows.items()},
            frozenset(acronyms_of([*documents, *label_kinds]) | headings_spell(instrument_labels)),
            document_vectors(self.passages, dict(zip(ids, doc_ids, strict=True))),
        )
        write_atomic(self.derived_path, pickle.dumps(built))
        return built

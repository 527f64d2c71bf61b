"""The index: Chroma collections for passages and their sentences, the cleaned texts, and BM25.

Chroma is the source of truth. Each passage carries its document's hash and chunk count, so a
document is complete exactly when all its passages are present with one hash; anything else (a
run killed half-way) is repaired by the next ingest. The BM25 index is derived from the passages
and records the corpus version it was built from, so it is rebuilt only when the store changed.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import tempfile
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from assistant.settings import Settings

SENTENCES_SUFFIX = "_sentences"


@dataclass
class BM25Index:
    """A BM25 retriever over the passages of one corpus version, with term document counts."""

    version: str
    retriever: Any
    ids: list[str]
    document_frequency: Counter[str]


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
    return set(bm25_tokens([text])[0])


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


class Store:
    """Chroma passages and sentences, cleaned texts and the BM25 index of one Palermo home."""

    def __init__(self, settings: Settings) -> None:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.settings = settings
        self.home = settings.home
        self.client = make_client(settings)
        space = {"hnsw": {"space": "cosine"}}
        self.passages = self.client.get_or_create_collection(
            settings.collection, configuration=space, embedding_function=None
        )
        self.sentences = self.client.get_or_create_collection(
            settings.collection + SENTENCES_SUFFIX, configuration=space, embedding_function=None
        )
        self.vector_store = ChromaVectorStore(chroma_collection=self.passages)

    # ---- documents -------------------------------------------------------------------------

    def all_passages(self) -> dict[str, Any]:
        """Every passage's id, text and metadata (used for BM25 and the document list)."""
        return self.passages.get(include=["documents", "metadatas"])

    def documents(self) -> dict[str, StoredDocument]:
        """Documents in the store with their metadata and completeness."""
        data = self.passages.get(include=["metadatas"])
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for metadata in data["metadatas"] or []:
            grouped[str(metadata.get("doc_id", ""))].append(metadata)
        out = {}
        for doc_id, metas in grouped.items():
            first = metas[0]
            hashes = {m.get("doc_hash") for m in metas}
            n_chunks = int(first.get("n_chunks", 0))
            out[doc_id] = StoredDocument(
                doc_id=doc_id,
                title=str(first.get("title", "")),
                publisher=str(first.get("publisher", "")),
                date=str(first.get("date", "")),
                kind=str(first.get("kind", "")),
                url=str(first.get("url", "")),
                source=str(first.get("source", "")),
                doc_hash=str(first.get("doc_hash", "")),
                n_chunks=n_chunks,
                count=len(metas),
                complete=len(hashes) == 1 and len(metas) == n_chunks,
            )
        return out

    def text_path(self, doc_id: str) -> Path:
        return self.home / "texts" / f"{safe_name(doc_id)}.txt"

    def document_text(self, doc_id: str) -> str | None:
        path = self.text_path(doc_id)
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def write_document(
        self,
        doc_id: str,
        doc_hash: str,
        text: str,
        nodes: list[Any],
        sentence_rows: dict[str, list[Any]],
    ) -> None:
        """Replace a document: text, then sentences, then passages (the commit), then old rows."""
        write_atomic(self.text_path(doc_id), text.encode("utf-8"))
        if sentence_rows["ids"]:
            self.sentences.upsert(**sentence_rows)
        ids = [node.node_id for node in nodes]
        self.passages.delete(ids=ids)  # upsert by way of the llama-index store, which only adds
        self.vector_store.add(nodes)
        stale = {"$and": [{"doc_id": doc_id}, {"doc_hash": {"$ne": doc_hash}}]}
        self.passages.delete(where=stale)
        self.sentences.delete(where=stale)

    def delete_document(self, doc_id: str) -> None:
        self.passages.delete(where={"doc_id": doc_id})
        self.sentences.delete(where={"doc_id": doc_id})
        self.text_path(doc_id).unlink(missing_ok=True)

    # ---- BM25 ------------------------------------------------------------------------------

    def corpus_version(self, ids: list[str] | None = None) -> str:
        """A hash of every passage id (ids include content hashes): changes with any edit."""
        if ids is None:
            ids = self.passages.get(include=[])["ids"]
        return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:16]

    @property
    def word_vectors_path(self) -> Path:
        return self.home / "word-vectors.npz"

    @property
    def bm25_path(self) -> Path:
        return self.home / "bm25.pickle"

    def load_bm25(self) -> BM25Index | None:
        """The persisted BM25 index, or None when absent, unreadable or of an older format."""
        try:
            with self.bm25_path.open("rb") as handle:
                index = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            return None
        return index if isinstance(index, BM25Index) else None

    def rebuild_bm25(self, data: dict[str, Any] | None = None) -> BM25Index:
        """Index every passage for BM25 and persist it with the corpus version it reflects.

        Term document frequencies are counted here too, once per corpus version, so opening an
        assistant does not tokenize the whole corpus again.
        """
        import bm25s

        data = data or self.all_passages()
        ids = list(data["ids"])
        documents = list(data["documents"] or [])
        texts = [
            f"{m.get('title', '')}\n{m.get('section', '')}\n{t}"
            for t, m in zip(documents, data["metadatas"] or [], strict=True)
        ]
        retriever = bm25s.BM25()
        frequency: Counter[str] = Counter()
        if texts:
            retriever.index(bm25_tokens(texts), show_progress=False)
            for tokens in bm25_tokens(documents):
                frequency.update(set(tokens))
        built = BM25Index(self.corpus_version(ids), retriever, ids, frequency)
        write_atomic(self.bm25_path, pickle.dumps(built))
        return built

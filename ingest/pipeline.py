"""`palermo ingest`: bring the store in line with the files, changing only what changed.

For each file: load and clean, apply the catalog, chunk, and compare the document hash with the
store. Unchanged complete documents are skipped without loading the model; new, changed or
half-written ones are embedded and replaced. Documents that vanished are pruned (always for the
default corpus folder, with `prune=True` for other paths). One bad file is one line in the report.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.settings import Settings
from assistant.word_match import up_to_date
from ingest.catalog import Catalog, CatalogError, load_catalog
from ingest.chunking import CHUNKER_VERSION, chunk_document, split_sentences
from ingest.embedding import (
    load_embedder,
    passage_text_for_embedding,
    sentence_text_for_embedding,
)
from ingest.loaders import discover, load_file
from ingest.records import Chunk, DocumentInfo, Failure, LoadedDocument
from ingest.store import Store


@dataclass
class IngestReport:
    """What one ingest run did."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    chunks_written: int = 0
    chunks_total: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        lines = [
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed, {len(self.failures)} failed; "
            f"{self.chunks_written} chunks written, {self.chunks_total} in the store; "
            f"{self.seconds:.1f} s"
        ]
        if not (self.added or self.changed or self.removed or self.failures):
            lines.append("Nothing changed: the store already matches the files.")
        lines += [f"FAILED {failure}" for failure in self.failures]
        return "\n".join(lines)


@dataclass
class _Prepared:
    info: DocumentInfo
    doc: LoadedDocument
    chunks: list[Chunk]
    doc_hash: str


def derive_title(text: str) -> str:
    """A title from the text itself, for documents the catalog does not list."""
    for line in text.split("\n"):
        line = line.strip().lstrip("#").strip()
        if len(re.findall(r"\w+", line)) >= 2:
            return line if len(line) <= 120 else line[:117].rsplit(" ", 1)[0] + "…"
    return text.strip()[:80]


def _nearest_catalog(path: Path, cache: dict[Path, Catalog]) -> Catalog:
    folder = path if path.is_dir() else path.parent
    for candidate in [folder.resolve(), *folder.resolve().parents]:
        if (candidate / "catalog.toml").is_file():
            if candidate not in cache:
                cache[candidate] = load_catalog(candidate)
            return cache[candidate]
    return Catalog()


def _document_hash(doc: LoadedDocument, info: DocumentInfo, settings: Settings) -> str:
    parts = [
        CHUNKER_VERSION,
        str(settings.chunk_min_words),
        str(settings.chunk_max_words),
        repr(sorted(info.__dict__.items())),
        repr(doc.pages),
        doc.text,
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _prepare(paths: list[Path], settings: Settings, report: IngestReport) -> list[_Prepared]:
    """Load, clean, catalog and chunk every file; record failures instead of raising."""
    catalogs: dict[Path, Catalog] = {}
    prepared: dict[str, _Prepared] = {}
    for root in paths:
        if not root.exists():
            report.failures.append(Failure(str(root), "no such file or folder"))
            continue
        try:
            root_catalog = _nearest_catalog(root, catalogs)
        except CatalogError as err:
            report.failures.append(Failure(str(root), str(err)))
            continue
        report.failures.extend(p for p in root_catalog.problems if p not in report.failures)
        for path in discover([root]):
            catalog = _nearest_catalog(path, catalogs)
            if path.resolve() in catalog.rejected:
                report.failures.append(
                    Failure(
                        str(path),
                        f"skipped: its catalog entry is invalid ({catalog.rejected[path.resolve()].reason})",
                    )
                )
                continue
            for item in load_file(path, int(settings.max_file_mb * 1_000_000)):
                if isinstance(item, Failure):
                    report.failures.append(item)
                    continue
                info = catalog.info_for(path) if path.suffix.lower() != ".jsonl" else None
                info = info or DocumentInfo(
                    doc_id=item.doc_id,
                    title=item.title or derive_title(item.text),
                    publisher=item.metadata.get("publisher", ""),
                    date=item.metadata.get("date", ""),
                    kind=item.metadata.get("kind", ""),
                    url=item.metadata.get("url", ""),
                )
                item.doc_id = info.doc_id
                if info.doc_id in prepared:
                    report.failures.append(
                        Failure(
                            item.source,
                            f"document id {info.doc_id!r} is already used by "
                            f"{prepared[info.doc_id].doc.source}; give it another id",
                        )
                    )
                    continue
                chunks = chunk_document(item, settings.chunk_min_words, settings.chunk_max_words)
                prepared[info.doc_id] = _Prepared(
                    info, item, chunks, _document_hash(item, info, settings)
                )
    return list(prepared.values())


def _passage_nodes(item: _Prepared, embeddings: list[list[float]]) -> list[Any]:
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    info = item.info
    nodes = []
    for chunk, embedding in zip(item.chunks, embeddings, strict=True):
        node = TextNode(
            id_=chunk.chunk_id,
            text=chunk.text,
            embedding=embedding,
            start_char_idx=chunk.start,
            end_char_idx=chunk.end,
            metadata={
                "title": info.title,
                "publisher": info.publisher,
                "date": info.date,
                "year": info.year,
                "kind": info.kind,
                "url": info.url,
                "aliases": json.dumps(list(info.aliases), ensure_ascii=False),
                "source": item.doc.source,
                "section": chunk.section,
                "page": chunk.page if chunk.page is not None else -1,
                "start": chunk.start,
                "end": chunk.end,
                "position": chunk.position,
                "content_hash": chunk.content_hash,
                "doc_hash": item.doc_hash,
                "n_chunks": len(item.chunks),
            },
        )
        node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=info.doc_id)
        nodes.append(node)
    return nodes


def _sentence_rows(item: _Prepared) -> tuple[dict[str, list[Any]], list[str]]:
    """Sentence rows for the store, and the texts to embed them by (sentence in its context)."""
    rows: dict[str, list[Any]] = {"ids": [], "documents": [], "metadatas": []}
    texts: list[str] = []
    for chunk in item.chunks:
        for index, sentence in enumerate(split_sentences(chunk.text, chunk.start)):
            rows["ids"].append(f"{chunk.chunk_id}:s{index:03d}")
            rows["documents"].append(sentence.text)
            texts.append(sentence_text_for_embedding(item.info.title, chunk.section, sentence.text))
            rows["metadatas"].append(
                {
                    "doc_id": item.info.doc_id,
                    "publisher": item.info.publisher,
                    "kind": item.info.kind,
                    "year": item.info.year,
                    "chunk_id": chunk.chunk_id,
                    "doc_hash": item.doc_hash,
                    "start": sentence.start,
                    "end": sentence.end,
                }
            )
    return rows, texts


def _source_file(source: str) -> str:
    """The file of a source ("records.jsonl line 7" -> "records.jsonl")."""
    return source.split(" line ", 1)[0]


def _under(source: str, roots: list[Path]) -> bool:
    path = Path(_source_file(source)).resolve()
    return any(path == root or root in path.parents for root in roots)


def ingest(
    paths: list[Path] | None,
    settings: Settings,
    *,
    prune: bool = False,
    progress: bool = True,
    store: Store | None = None,
) -> IngestReport:
    """Bring the store in line with `paths` (default: the corpus folder) and report what changed."""
    from tqdm import tqdm

    began = time.perf_counter()
    report = IngestReport()
    default_run = not paths
    roots = [settings.corpus_dir] if default_run else list(paths or [])
    prepared = _prepare(roots, settings, report)
    store = store or Store(settings)
    stored = store.documents()

    to_write = []
    for item in prepared:
        existing = stored.get(item.info.doc_id)
        if existing and existing.complete and existing.doc_hash == item.doc_hash:
            report.unchanged.append(item.info.doc_id)
        else:
            (report.changed if existing else report.added).append(item.info.doc_id)
            to_write.append(item)

    if to_write:
        embedder = load_embedder(settings)
        total = sum(len(item.chunks) for item in to_write)
        with tqdm(
            total=total, unit="chunk", desc="Embedding", disable=not progress, dynamic_ncols=True
        ) as bar:
            for item in to_write:
                bar.set_postfix_str(item.info.doc_id[:40])
                texts = [
                    passage_text_for_embedding(item.info.title, c.section, c.text)
                    for c in item.chunks
                ]
                embeddings = embedder.get_text_embedding_batch(texts)
                rows, sentence_texts = _sentence_rows(item)
                if rows["ids"]:
                    rows["embeddings"] = embedder.get_text_embedding_batch(sentence_texts)
                store.write_document(
                    item.info.doc_id,
                    item.doc_hash,
                    item.doc.text,
                    _passage_nodes(item, embeddings),
                    rows,
                )
                report.chunks_written += len(item.chunks)
                bar.update(len(item.chunks))

    if default_run or prune:
        seen = {item.info.doc_id for item in prepared}
        failed = {_source_file(f.source) for f in report.failures}
        resolved_roots = [root.resolve() for root in roots]
        for doc_id, doc in stored.items():
            if doc_id in seen or _source_file(doc.source) in failed:
                continue  # present, or unreadable this time: keep its last good version
            if prune or _under(doc.source, resolved_roots):
                store.delete_document(doc_id)
                report.removed.append(doc_id)

    data = store.all_passages()
    report.chunks_total = len(data["ids"])
    version = store.corpus_version(data["ids"])
    current = store.load_bm25()
    if current is None or current.version != version:
        store.rebuild_bm25(data)
    up_to_date(
        store.word_vectors_path,
        settings.model_path(),
        version,
        data["documents"] or [],
        lambda words: load_embedder(settings).get_text_embedding_batch(words),
        progress,
    )
    report.seconds = time.perf_counter() - began
    return report

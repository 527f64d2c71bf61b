"""`palermo ingest`: bring the store in line with the files, changing only what changed.

Sources are read by `ingest.sources` (unchanged ones skipped on their fingerprint or hash,
without loading the model); new, changed or half-written documents are chunked, embedded in
batches and written. Documents that vanished are pruned (always for the
default corpus folder, with `prune=True` for other paths). One bad file is one line in the report.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from common.settings import Settings
from ingest.chunking import chunk_document, split_sentences
from ingest.embedding import (
    SENTENCE_BATCH,
    embed,
    embed_words,
    ingest_precision,
    load_embedder,
    passage_text_for_embedding,
    sentence_text_for_embedding,
)
from ingest.loaders import count_records, discover
from ingest.records import Chunk, DocumentInfo, Failure, LoadedDocument
from ingest.sources import Unchanged, read_sources, sentence_title
from ingest.store import DocumentWrite, Store, StoredDocument, sentence_id
from ingest.word_vectors import up_to_date


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
    stage_seconds: dict[str, float] = field(default_factory=dict)  # embed, write, indexes
    precision: str = "float32"  # what the model ran at (embedding.ingest_precision)

    def timed(self, stage: str, began: float) -> None:
        self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + time.perf_counter() - began

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
        if self.chunks_written:
            lines.append(
                "Time: "
                + ", ".join(f"{k} {v:.1f} s" for k, v in self.stage_seconds.items())
                + f" (embedded in {self.precision})"
            )
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
    fingerprint: str
    old: StoredDocument | None


def _versioned(chunks: list[Chunk], doc_hash: str) -> list[Chunk]:
    """The chunks with their document's hash folded into theirs, and so into their ids: any
    change to a document, its catalog facts included, changes the corpus version (a hash of the
    ids) that the derived indexes, the manifest and running assistants follow."""
    return [
        replace(c, content_hash=hashlib.sha256(f"{doc_hash}:{c.content_hash}".encode()).hexdigest())
        for c in chunks
    ]


def _passage_nodes(
    item: _Prepared, embeddings: list[list[float]], sentence_counts: list[int]
) -> list[Any]:
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    info = item.info
    nodes = []
    for chunk, embedding, n_sentences in zip(item.chunks, embeddings, sentence_counts, strict=True):
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
                "fingerprint": item.fingerprint,
                "n_chunks": len(item.chunks),
                "n_sentences": n_sentences,
            },
        )
        node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=info.doc_id)
        nodes.append(node)
    return nodes


def _sentence_rows(item: _Prepared) -> tuple[dict[str, list[Any]], list[str], list[int]]:
    """Sentence rows for the store, the texts to embed them by (sentence in its context), and
    each chunk's sentence count (kept on the passage, so its sentences can be deleted by id).

    A row holds no text: its offsets find it in its passage. Chroma indexes every stored text
    for full-text search, which was 45 % of the cost of writing a sentence row. Its passage is
    in its id (`store.passage_of`); only what searches filter on is metadata: each key costs
    about 0.015 ms a row to write (2026-12-04)."""
    rows: dict[str, list[Any]] = {"ids": [], "metadatas": []}
    texts: list[str] = []
    counts: list[int] = []
    title = sentence_title(item.info.title, item.doc.text)
    for chunk in item.chunks:
        sentences = split_sentences(chunk.text, chunk.start)
        counts.append(len(sentences))
        for index, sentence in enumerate(sentences):
            rows["ids"].append(sentence_id(chunk.chunk_id, index))
            texts.append(sentence_text_for_embedding(title, chunk.section, sentence.text))
            rows["metadatas"].append(
                {
                    "doc_id": item.info.doc_id,
                    "publisher": item.info.publisher,
                    "kind": item.info.kind,
                    "year": item.info.year,
                    "start": sentence.start,
                    "end": sentence.end,
                }
            )
    return rows, texts, counts


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
    """Bring the store in line with `paths` (default: the corpus folder) and report what changed.

    Documents stream through: unchanged ones are skipped on their fingerprint or hash, new and
    changed ones are chunked and gathered into batches of about `settings.ingest_batch` passages,
    each embedded in one call per kind and written in one Chroma add. The derived indexes are
    rebuilt once, at the end.
    """
    from tqdm import tqdm

    began = time.perf_counter()
    report = IngestReport()
    default_run = not paths
    roots = [settings.corpus_dir] if default_run else list(paths or [])
    store = store or Store(settings)
    stored = store.documents()  # the manifest: read once, each document's passage and sentence ids
    seen: set[str] = set()
    reread: dict[str, str] = {}  # doc id -> new fingerprint of an unchanged document read again
    batch: list[_Prepared] = []
    pending = 0  # passages in the batch
    embedder = None
    records = sum(count_records(path) for path in discover([r for r in roots if r.exists()]))

    def flush() -> None:
        nonlocal embedder, pending
        if embedder is None:  # first batch: an unchanged corpus never imports torch
            embedder, report.precision = load_embedder(settings), ingest_precision(settings)
        report.chunks_written += _write_batch(batch, store, (embedder, report.precision), report)
        bar.set_postfix_str(f"{report.chunks_written} chunks written", refresh=False)
        bar.update(len(batch))
        batch.clear()
        pending = 0

    with tqdm(
        total=records, unit="record", desc="Ingesting", disable=not progress, dynamic_ncols=True
    ) as bar:
        for loaded in read_sources(roots, settings, stored):
            prepared = _prepare(loaded, stored, settings, report, seen, reread)
            if prepared is None:
                bar.update(1)
                continue
            batch.append(prepared)
            pending += len(prepared.chunks)
            if pending >= settings.ingest_batch:
                flush()
        if batch:
            flush()

    if reread:  # next time these are known unchanged from their bytes, without reading them
        store.update_fingerprints([(stored[d], new) for d, new in reread.items()])
    if default_run or prune:
        _remove_vanished(store, stored, seen, roots, prune, report)

    began_indexes = time.perf_counter()
    _update_derived_indexes(store, settings, report, progress)
    report.timed("indexes", began_indexes)
    report.seconds = time.perf_counter() - began
    return report


def _prepare(
    loaded: LoadedDocument | Unchanged | Failure,
    stored: dict[str, StoredDocument],
    settings: Settings,
    report: IngestReport,
    seen: set[str],
    reread: dict[str, str],
) -> _Prepared | None:
    """A new or changed document chunked for writing, or None (reported) when there is nothing
    to write: an unreadable input, an unchanged document, or a text with no chunk.

    A document read again (its bytes or the reading code changed) whose text is unchanged
    is noted in `reread` with its new fingerprint."""
    if isinstance(loaded, Failure):
        report.failures.append(loaded)
        return None
    if isinstance(loaded, Unchanged):
        seen.add(loaded.doc_id)
        report.unchanged.append(loaded.doc_id)
        return None
    doc_id = loaded.info.doc_id
    seen.add(doc_id)
    existing = stored.get(doc_id)
    if existing and existing.complete and existing.doc_hash == loaded.doc_hash:
        report.unchanged.append(doc_id)
        if loaded.fingerprint and loaded.fingerprint != existing.fingerprint:
            reread[doc_id] = loaded.fingerprint
        return None
    chunks = _versioned(
        chunk_document(loaded.doc, settings.chunk_min_words, settings.chunk_max_words),
        loaded.doc_hash,
    )
    if not chunks:
        report.failures.append(
            Failure(
                loaded.doc.source,
                "nothing to index: the text is only a heading or has no sentence; "
                "add its body text or remove it",
            )
        )
        return None
    (report.changed if existing else report.added).append(doc_id)
    return _Prepared(loaded.info, loaded.doc, chunks, loaded.doc_hash, loaded.fingerprint, existing)


def _remove_vanished(
    store: Store,
    stored: dict[str, StoredDocument],
    seen: set[str],
    roots: list[Path],
    prune: bool,
    report: IngestReport,
) -> None:
    """Remove the documents whose files are gone from the ingested folders (with `prune`: every
    document not among this run's inputs)."""
    failed = {_source_file(f.source) for f in report.failures}
    resolved_roots = [root.resolve() for root in roots]
    for doc_id, doc in stored.items():
        if doc_id in seen or _source_file(doc.source) in failed:
            continue  # present, or unreadable this time: keep its last good version
        if prune or _under(doc.source, resolved_roots):
            store.delete_document(doc)
            report.removed.append(doc_id)


def _write_batch(
    batch: list[_Prepared], store: Store, encoder: tuple[Any, str], report: IngestReport
) -> int:
    """Embed a batch's passages and sentences (one call each) and write them; returns chunks.

    Sentences are embedded on their own under their heading. Pooling them from the passage's
    token vectors instead ("late chunking") costs nothing extra but lost 7 points of all-facts
    on the core set (2026-12-02), so the sentences cost about twice the passages' time.
    """
    began = time.perf_counter()
    passage_texts = [
        passage_text_for_embedding(item.info.title, c.section, c.text)
        for item in batch
        for c in item.chunks
    ]
    embedder, precision = encoder  # the model and the precision it runs at (ingest_precision)
    passage_vectors = embed(embedder, passage_texts, precision)
    sentences = [_sentence_rows(item) for item in batch]
    sentence_texts = [t for _, texts, _ in sentences for t in texts]
    sentence_vectors = embed(embedder, sentence_texts, precision, SENTENCE_BATCH)
    report.timed("embedding", began)
    began = time.perf_counter()
    writes = []
    passages_done = sentences_done = 0  # each document takes its share of the vectors in turn
    for item, (rows, texts, counts) in zip(batch, sentences, strict=True):
        vectors = passage_vectors[passages_done : passages_done + len(item.chunks)]
        rows["embeddings"] = sentence_vectors[sentences_done : sentences_done + len(texts)]
        passages_done += len(item.chunks)
        sentences_done += len(texts)
        nodes = _passage_nodes(item, vectors, counts)
        writes.append(
            DocumentWrite(item.info.doc_id, item.doc_hash, item.doc.text, nodes, rows, item.old)
        )
    store.write_documents(writes)
    report.timed("writing", began)
    return len(passage_texts)


def _update_derived_indexes(
    store: Store, settings: Settings, report: IngestReport, progress: bool
) -> None:
    """Rebuild BM25 and complete the word vectors when the corpus version changed (once a run)."""
    ids = store.passage_ids()
    report.chunks_total = len(ids)
    version = store.corpus_version(ids)
    store.save_manifest(ids)
    store.publish_version(version)
    data: dict[str, Any] = {}

    def passages() -> dict[str, Any]:
        data.update(data or store.all_passages())
        return data

    def texts() -> Iterator[str]:  # read only when the word vectors are behind
        yield from passages()["documents"] or []

    current = store.load_derived()
    if current is None or current.version != version:
        store.rebuild_derived(passages())
    up_to_date(
        store.word_vectors_path,
        settings.model_path(),
        version,
        texts(),
        lambda words: embed_words(settings, words),
        progress,
    )

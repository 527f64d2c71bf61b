"""What the input holds: each document read from its file or JSONL line, with its catalog facts,
content hash and fingerprint, or a Failure saying why it could not be read.

Reading a file again costs little; cleaning and hashing its text costs most of an unchanged
re-ingest. So each stored document keeps a fingerprint of its raw bytes, its catalog facts, the
chunk settings and the code that turns bytes into passages; a source whose fingerprint is
unchanged is skipped without being read into text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from common.settings import Settings
from ingest.catalog import Catalog, CatalogError, load_catalog
from ingest.chunking import CHUNKER_VERSION
from ingest.loaders import discover, jsonl_lines, load_file, load_jsonl_record
from ingest.records import DocumentInfo, Failure, LoadedDocument
from ingest.store import StoredDocument


@dataclass
class Loaded:
    """A document read from its source, with its catalog facts, content hash and fingerprint."""

    info: DocumentInfo
    doc: LoadedDocument
    doc_hash: str
    fingerprint: str


@dataclass
class Unchanged:
    """A stored document whose source's bytes, catalog facts and reading code are unchanged."""

    doc_id: str


def derive_title(text: str) -> str:
    """A title from the text itself, for documents the catalog does not list."""
    for line in text.split("\n"):
        line = line.strip().lstrip("#").strip()
        if len(re.findall(r"\w+", line)) >= 2:
            return line if len(line) <= 120 else line[:117].rsplit(" ", 1)[0] + "…"
    return text.strip()[:80]


def sentence_title(title: str, text: str) -> str:
    """The title a document's sentences are embedded under: none when it was derived from the
    text's first line. A speech's opening sentence tells its other sentences nothing, and in front
    of each it made up two-fifths of what ingest embedded for them."""
    return "" if title == derive_title(text) else title


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


# The code that turns bytes into passages: a change to it reads every source again.
_READING_CODE = hashlib.sha256(
    b"".join(
        (Path(__file__).parent / name).read_bytes()
        for name in ("loaders.py", "cleaning.py", "chunking.py", "catalog.py", "sources.py")
    )
).hexdigest()


def _fingerprint(raw: bytes, info: DocumentInfo | None, settings: Settings) -> str:
    key = f"{_READING_CODE}\x1f{settings.chunk_min_words}\x1f{settings.chunk_max_words}"
    facts = repr(sorted(info.__dict__.items())) if info else ""
    return hashlib.sha256(f"{key}\x1f{facts}\x1f".encode() + raw).hexdigest()


def _raw_units(path: Path, max_bytes: int) -> Iterator[tuple[str, bytes | None]]:
    """(source, raw bytes) of each document a file holds; None where the bytes are not read
    (too large or unreadable: loading reports why)."""
    try:
        if path.suffix.lower() == ".jsonl":
            yield from jsonl_lines(path)
        else:
            yield str(path), (path.read_bytes() if 0 < path.stat().st_size <= max_bytes else None)
    except OSError:
        yield str(path), None


def read_sources(
    roots: list[Path], settings: Settings, stored: dict[str, StoredDocument]
) -> Iterator[Loaded | Unchanged | Failure]:
    """Every document under the roots, with its catalog facts and hash, or why it failed."""
    catalogs: dict[Path, Catalog] = {}
    reported: set[int] = set()  # catalogs whose problems were given (roots may share one)
    sources: dict[str, str] = {}  # doc id -> where it was read, to name duplicates
    known = {d.source: d for d in stored.values() if d.complete and d.fingerprint}
    max_bytes = int(settings.max_file_mb * 1_000_000)
    for root in roots:
        if not root.exists():
            yield Failure(str(root), "no such file or folder")
            continue
        try:
            root_catalog = _nearest_catalog(root, catalogs)
        except CatalogError as err:
            yield Failure(str(root), str(err))
            continue
        if id(root_catalog) not in reported:
            reported.add(id(root_catalog))
            yield from root_catalog.problems
        for path in discover([root]):
            catalog = _nearest_catalog(path, catalogs)
            if path.resolve() in catalog.rejected:
                reason = catalog.rejected[path.resolve()].reason
                yield Failure(str(path), f"skipped: its catalog entry is invalid ({reason})")
                continue
            jsonl = path.suffix.lower() == ".jsonl"
            info = None if jsonl else catalog.info_for(path)
            for source, raw in _raw_units(path, max_bytes):
                fingerprint = _fingerprint(raw, info, settings) if raw is not None else ""
                same = known.get(source)
                if same and fingerprint == same.fingerprint and same.doc_id not in sources:
                    sources[same.doc_id] = source
                    yield Unchanged(same.doc_id)
                    continue
                if jsonl and raw is None:
                    yield Failure(source, "cannot read file; check its permissions")
                    continue
                items = load_jsonl_record(source, raw, max_bytes) if jsonl else None
                for item in items or load_file(path, max_bytes):
                    if isinstance(item, Failure):
                        yield item
                        continue
                    facts = info or DocumentInfo(
                        doc_id=item.doc_id,
                        title=item.title or derive_title(item.text),
                        publisher=item.metadata.get("publisher", ""),
                        date=item.metadata.get("date", ""),
                        kind=item.metadata.get("kind", ""),
                        url=item.metadata.get("url", ""),
                    )
                    item.doc_id = facts.doc_id
                    if facts.doc_id in sources:
                        yield Failure(
                            item.source,
                            f"document id {facts.doc_id!r} is already used by "
                            f"{sources[facts.doc_id]}; give it another id",
                        )
                        continue
                    sources[facts.doc_id] = item.source
                    yield Loaded(facts, item, _document_hash(item, facts, settings), fingerprint)

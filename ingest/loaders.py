"""Read files of each supported format into cleaned documents, turning every problem into a Failure.

A loader never raises for bad input: the caller gets the documents it could read and one Failure
per file (or JSONL line) it could not, so one bad file never stops an ingest run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from ingest.cleaning import clean, normalise
from ingest.records import Failure, LoadedDocument

SUPPORTED = (".txt", ".md", ".pdf", ".html", ".htm", ".docx", ".jsonl")


class LoadError(Exception):
    """A file that cannot be read; the message says why and what to do."""


def slug(text: str) -> str:
    """A stable, readable id from a file name or record id."""
    value = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return value or "document"


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise LoadError("binary content in a text file; convert it to text or remove it")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise LoadError(f"not valid UTF-8 (byte {err.start}); re-save the file as UTF-8") from None


def _require_text(text: str) -> str:
    if not re.search(r"\w", text):
        raise LoadError("no text found (empty file)")
    return text


def load_text(path: Path) -> LoadedDocument:
    text = _require_text(clean(_decode(path.read_bytes())))
    return LoadedDocument(doc_id=slug(path.stem), text=text, source=str(path))


def load_pdf(path: Path) -> LoadedDocument:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("encrypted PDF; save an unencrypted copy")
        pages = list(reader.pages)
    except LoadError:
        raise
    except FileNotDecryptedError:
        raise LoadError("encrypted PDF; save an unencrypted copy") from None
    except (PdfReadError, Exception) as err:  # pypdf raises many kinds on corrupt files
        raise LoadError(f"unreadable PDF ({type(err).__name__}: {err})") from None
    parts: list[str] = []
    offsets: list[tuple[int, int]] = []
    position = 0
    for number, page in enumerate(pages, start=1):
        try:
            page_text = clean(page.extract_text() or "", from_pdf=True)
        except Exception:  # a single broken page should not lose the rest
            page_text = ""
        if not page_text:
            continue
        if parts:
            position += 2
        offsets.append((number, position))
        parts.append(page_text)
        position += len(page_text)
    if not parts:
        raise LoadError("no extractable text (scanned or image-only PDF?); run OCR first")
    title = ""
    try:
        title = str((reader.metadata or {}).get("/Title") or "").strip()
    except Exception:
        title = ""
    return LoadedDocument(
        doc_id=slug(path.stem),
        text="\n\n".join(parts),
        source=str(path),
        pages=offsets,
        title=title,
    )


def load_html(path: Path) -> LoadedDocument:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(path.read_bytes()), "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "aside", "form"]):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    blocks = []
    for element in root.find_all(["h1", "h2", "h3", "h4", "p", "li", "blockquote", "pre"]):
        if element.find(["p", "li"]):
            continue
        text = element.get_text(" ", strip=True)
        if not text:
            continue
        level = element.name[1] if element.name.startswith("h") else ""
        blocks.append(f"{'#' * int(level)} {text}" if level else text)
    text = _require_text(clean("\n\n".join(blocks)))
    return LoadedDocument(doc_id=slug(path.stem), text=text, source=str(path), title=title)


def load_docx(path: Path) -> LoadedDocument:
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as err:
        raise LoadError(f"unreadable DOCX ({type(err).__name__})") from None
    blocks = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name or "").lower() if paragraph.style is not None else ""
        if style.startswith("heading") and style[-1:].isdigit():
            text = f"{'#' * int(style[-1])} {text}"
        blocks.append(text)
    text = _require_text(clean("\n\n".join(blocks)))
    title = (document.core_properties.title or "").strip()
    return LoadedDocument(doc_id=slug(path.stem), text=text, source=str(path), title=title)


def load_jsonl(path: Path, max_bytes: int) -> Iterator[LoadedDocument | Failure]:
    """BEIR-style records: one {"id", "text", "title"?, "metadata"?} per line, read as a stream.

    The size limit applies to each record, not the file: a large JSONL is many small documents.
    """
    for where, data in jsonl_lines(path):
        yield from load_jsonl_record(where, data, max_bytes)


def jsonl_lines(path: Path) -> Iterator[tuple[str, bytes]]:
    """("FILE line N", raw bytes) of each non-blank line, streamed."""
    with path.open("rb") as handle:
        for number, data in enumerate(handle, start=1):
            if data.strip():
                yield f"{path} line {number}", data


def count_records(path: Path) -> int:
    """How many documents a file may hold (its non-blank lines for JSONL), for progress bars."""
    if path.suffix.lower() != ".jsonl":
        return 1
    try:
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    except OSError:
        return 1


def load_jsonl_record(
    where: str, data: bytes, max_bytes: int
) -> Iterator[LoadedDocument | Failure]:
    """The document of one JSONL line, or why it cannot be read."""
    if not data.strip():
        return
    if len(data) > max_bytes:
        yield Failure(
            where,
            f"record is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit "
            "(raise PALERMO_MAX_FILE_MB to allow it)",
        )
        return
    try:
        line = _decode(data).rstrip("\r\n")
    except LoadError as err:
        yield Failure(where, str(err))
        return
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        yield Failure(where, f"invalid JSON ({err.msg}); fix or remove the line")
        return
    if not isinstance(record, dict):
        yield Failure(where, "a record must be a JSON object")
        return
    record_id, text = record.get("id", record.get("_id")), record.get("text")
    if record_id in (None, "") or not isinstance(text, str):
        yield Failure(where, 'missing "id" or "text" (string); each record needs both')
        return
    text = clean(text)
    if not re.search(r"\w", text):
        yield Failure(where, "empty text")
        return
    metadata = record.get("metadata") or {}
    if not isinstance(metadata, dict):
        yield Failure(where, '"metadata" must be an object')
        return
    yield LoadedDocument(
        doc_id=str(record_id),
        text=text,
        source=where,
        title=normalise(str(record.get("title") or "")),
        metadata={str(k): str(v) for k, v in metadata.items()},
    )


_LOADERS = {
    ".txt": load_text,
    ".md": load_text,
    ".pdf": load_pdf,
    ".html": load_html,
    ".htm": load_html,
    ".docx": load_docx,
}


def load_file(path: Path, max_bytes: int) -> Iterator[LoadedDocument | Failure]:
    """Every document in a file, or Failures explaining what could not be read."""
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
        if suffix not in SUPPORTED:
            yield Failure(
                str(path), f"unsupported file type '{suffix}'; use one of {', '.join(SUPPORTED)}"
            )
            return
        if size > max_bytes and suffix != ".jsonl":
            yield Failure(
                str(path),
                f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit "
                "(raise PALERMO_MAX_FILE_MB to allow it)",
            )
            return
        if size == 0:
            yield Failure(str(path), "empty file")
            return
        if suffix == ".jsonl":
            yield from load_jsonl(path, max_bytes)
        else:
            yield _LOADERS[suffix](path)
    except LoadError as err:
        yield Failure(str(path), str(err))
    except OSError as err:
        yield Failure(str(path), f"cannot read file ({err.strerror})")


_NOT_DOCUMENTS = {
    "catalog.toml",
    "glossary.toml",
    "query-adapter.npz",
    "question-bank.npz",
    "scope-classifier.npz",
    "README.md",
}


def discover(paths: list[Path]) -> Iterator[Path]:
    """Files under the given paths in a stable order, skipping hidden files and the corpus
    folder's own files (its catalog, its lay-words glossary, the query adapter, the scope
    classifier, a README)."""
    for root in paths:
        if root.is_file():
            yield root
            continue
        for path in sorted(root.rglob("*")):
            hidden = any(part.startswith(".") for part in path.relative_to(root).parts)
            if path.is_file() and not hidden and path.name not in _NOT_DOCUMENTS:
                yield path

"""The app's corpus page: list, add and remove documents of a running Assistant's index.

Uploads are checked before anything is indexed: a safe file name, a supported type, the size
limit, a file the loaders can read, and a document id no other file already uses (so an upload
can never silently replace a corpus document). One writer at a time: a lock serialises uploads and
removals, and the Assistant is refreshed after each so new questions see the change.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.loaders import SUPPORTED, load_file, slug
from ingest.records import Failure


class UploadsDisabledError(PermissionError):
    """This deployment does not let its users change the index."""


def safe_filename(name: str) -> str:
    """A file name without folders or characters a shell or file system would trip on."""
    base = Path(name.replace("\\", "/")).name
    suffix = Path(base).suffix.lower()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", base[: len(base) - len(suffix)]).strip("._-")
    return (stem[:80] or "document") + suffix


@dataclass
class UploadReport:
    """What an upload did: documents indexed, files refused (with reasons), the ingest summary."""

    added: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    summary: str = ""

    @property
    def ok(self) -> bool:
        return not self.refused

    def message(self) -> str:
        lines = []
        if self.added:
            lines.append(f"Indexed: {', '.join(self.added)}.")
        lines += [f"Not indexed — {reason}" for reason in self.refused]
        if self.summary:
            lines.append(f"Ingest: {self.summary}")
        return "\n".join(lines) or "No files were given."


class Library:
    """Uploads and removals for one Assistant; safe to share between sessions."""

    def __init__(self, assistant: Any, settings: Any = None) -> None:
        self.assistant = assistant
        self.settings = settings or assistant.settings
        self.uploads = Path(self.settings.home) / "uploads"
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self.settings.allow_upload)

    def rows(self) -> list[list[Any]]:
        """The indexed documents as table rows."""
        return [
            [
                d.doc_id,
                d.title,
                d.publisher,
                d.date or "undated",
                d.kind,
                d.count,
                "ok" if d.complete else "incomplete",
            ]
            for d in self.assistant.documents()
        ]

    def _check(self, source: Path, name: str, taken: dict[str, str]) -> str | None:
        """Why an uploaded file cannot be indexed, or None when it can."""
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED:
            return f"{name}: unsupported file type '{suffix or 'none'}'; use one of {', '.join(SUPPORTED)}"
        limit = int(self.settings.max_file_mb * 1_000_000)
        size = source.stat().st_size
        if size > limit:
            return f"{name}: file is {size / 1e6:.1f} MB, over the {self.settings.max_file_mb:g} MB limit"
        target = str(self.uploads / name)
        for item in load_file(source, limit):
            if isinstance(item, Failure):
                return f"{name}: {item.reason}"
            doc_id = item.doc_id if suffix == ".jsonl" else slug(Path(name).stem)
            owner = taken.get(doc_id)
            if owner and not owner.startswith(target):
                return (
                    f"{name}: document id '{doc_id}' is already used by {owner}; "
                    "rename the file (or remove that document first)"
                )
        return None

    def add(self, files: list[Path | str], progress: bool = False) -> UploadReport:
        """Check, save under `home/uploads/` and index uploaded files."""
        from ingest.pipeline import ingest

        if not self.enabled:
            raise UploadsDisabledError("adding documents is turned off on this server")
        report = UploadReport()
        with self._lock:
            taken = {d.doc_id: d.source for d in self.assistant.documents()}
            saved: list[Path] = []
            for file in files:
                source = Path(file)
                name = safe_filename(source.name)
                problem = self._check(source, name, taken)
                if problem:
                    report.refused.append(problem)
                    continue
                self.uploads.mkdir(parents=True, exist_ok=True)
                target = self.uploads / name
                with (
                    source.open("rb") as data,
                    tempfile.NamedTemporaryFile(
                        dir=self.uploads, prefix=".incoming-", delete=False
                    ) as handle,
                ):
                    shutil.copyfileobj(data, handle)
                Path(handle.name).replace(target)
                saved.append(target)
            if saved:
                result = ingest(saved, self.settings, progress=progress, store=self.assistant.store)
                self.assistant.refresh()
                report.added = result.added + result.changed + result.unchanged
                report.refused += [f"{Path(f.source).name}: {f.reason}" for f in result.failures]
                report.summary = result.summary().splitlines()[0]
        return report

    def remove(self, doc_id: str) -> str:
        """Remove a document from the index (and its uploaded file); returns what happened."""
        if not self.enabled:
            raise UploadsDisabledError("removing documents is turned off on this server")
        with self._lock:
            documents = self.assistant.store.documents()
            doc = documents.get(doc_id)
            if doc is None:
                return f"No indexed document has the id '{doc_id}'."
            self.assistant.store.delete_document(doc)
            source = Path(doc.source.split(" line ", 1)[0])
            uploaded = self.uploads.resolve() in source.resolve().parents
            shared = any(
                d.source.startswith(str(source)) for k, d in documents.items() if k != doc_id
            )
            if uploaded and not shared:
                source.unlink(missing_ok=True)
            self.assistant.refresh()
        note = (
            ""
            if uploaded
            else " Its file is still in the corpus folder: the next `palermo ingest` adds it again."
        )
        return f"Removed '{doc_id}' ({doc.title}).{note}"

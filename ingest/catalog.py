"""The corpus catalog (`catalog.toml`): titles, publishers, dates and kinds of the documents.

Each `[[document]]` entry names a file relative to the catalog; `aliases` are the short names
people use for a document ("Smuggling Protocol"), so a question naming it searches it first. An entry with an unknown field, a
malformed date, an unknown kind or a missing file is reported and its file is not ingested, so a
typo never puts wrong metadata into the index.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ingest.records import DocumentInfo, Failure

KINDS = ("instrument", "report", "news", "toolkit")
FIELDS = {"id", "file", "title", "publisher", "date", "kind", "url", "aliases"}
_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


class CatalogError(Exception):
    """The catalog file as a whole cannot be read."""


@dataclass
class Catalog:
    """Catalog entries by resolved file path, plus the entries that were rejected."""

    by_path: dict[Path, DocumentInfo] = field(default_factory=dict)
    rejected: dict[Path, Failure] = field(default_factory=dict)
    problems: list[Failure] = field(default_factory=list)

    def info_for(self, path: Path) -> DocumentInfo | None:
        return self.by_path.get(path.resolve())


def _check_entry(entry: object, where: str, base: Path) -> tuple[Path | None, DocumentInfo | str]:
    if not isinstance(entry, dict):
        return None, "each [[document]] must be a table"
    unknown = sorted(set(entry) - FIELDS)
    path = base / str(entry["file"]) if "file" in entry else None
    if unknown:
        return path, f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(FIELDS))}"
    missing = [name for name in ("id", "file", "title") if not entry.get(name)]
    if missing:
        return path, f"missing required field(s) {', '.join(missing)}"
    date = str(entry.get("date", ""))
    if date and not _DATE.match(date):
        return path, f"malformed date {date!r}; use YYYY-MM-DD, YYYY-MM or YYYY"
    kind = str(entry.get("kind", ""))
    if kind and kind not in KINDS:
        return path, f"unknown kind {kind!r}; use one of {', '.join(KINDS)}"
    aliases = entry.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        return path, 'aliases must be a list of names, e.g. aliases = ["Smuggling Protocol"]'
    assert path is not None
    if not path.is_file():
        return path, f"names file {entry['file']!r}, which does not exist"
    return path, DocumentInfo(
        doc_id=str(entry["id"]),
        title=str(entry["title"]),
        publisher=str(entry.get("publisher", "")),
        date=date,
        kind=kind,
        url=str(entry.get("url", "")),
        aliases=tuple(a.strip() for a in aliases),
    )


def load_catalog(folder: Path) -> Catalog:
    """Read `folder/catalog.toml` if there is one; an unreadable file raises CatalogError."""
    catalog = Catalog()
    path = folder / "catalog.toml"
    if not path.is_file():
        return catalog
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise CatalogError(f"{path}: not valid TOML ({err}); fix the file and run again") from None
    entries = data.get("document", [])
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        where = f"{path} [[document]] #{number}"
        file_path, result = _check_entry(entry, where, folder)
        if isinstance(result, DocumentInfo) and result.doc_id in seen:
            result = f"duplicate id {result.doc_id!r}"
        if isinstance(result, str):
            failure = Failure(where, result)
            catalog.problems.append(failure)
            if file_path is not None:
                catalog.rejected[file_path.resolve()] = failure
            continue
        seen.add(result.doc_id)
        assert file_path is not None
        catalog.by_path[file_path.resolve()] = result
    return catalog

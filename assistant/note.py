"""A briefing note: its content (sections of cited bullets, footnotes) and its files.

`briefing` drafts a note from a conversation or a topic; this module holds what a note is and
writes it as Markdown (footnotes `[^n]`) or DOCX (superscript note numbers), each with a list of
the sources it cites.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Bullet:
    """One claim: quoted text with the footnotes that cite it, and an optional lead label."""

    text: str
    notes: list[int] = field(default_factory=list)
    label: str = ""
    quoted: bool = True


@dataclass
class Section:
    heading: str
    bullets: list[Bullet] = field(default_factory=list)
    lead: str = ""


@dataclass
class Note:
    """A note's content: sections of cited bullets and the footnotes they point to."""

    title: str
    date: str = field(default_factory=lambda: dt.date.today().isoformat())
    subtitle: str = ""
    sections: list[Section] = field(default_factory=list)
    footnotes: list[dict[str, Any]] = field(default_factory=list)
    _keys: dict[tuple[str, int, int], int] = field(default_factory=dict, repr=False)

    def cite(self, citation: dict[str, Any]) -> int:
        """The footnote number of a citation; the same span cited twice shares one footnote."""
        key = (
            str(citation.get("doc_id")),
            int(citation.get("start", 0)),
            int(citation.get("end", 0)),
        )
        if key not in self._keys:
            self.footnotes.append(citation)
            self._keys[key] = len(self.footnotes)
        return self._keys[key]

    def cited(self, citation: dict[str, Any]) -> bool:
        """Whether the note already cites this span or one overlapping it."""
        doc, start, end = (
            str(citation.get("doc_id")),
            int(citation.get("start", 0)),
            int(citation.get("end", 0)),
        )
        return any(d == doc and s < end and start < e for d, s, e in self._keys)

    def renumber(self) -> None:
        """Number footnotes in reading order (sections may be drafted in another order)."""
        order: dict[int, int] = {}
        for section in self.sections:
            for bullet in section.bullets:
                for n in bullet.notes:
                    order.setdefault(n, len(order) + 1)
        for n in range(1, len(self.footnotes) + 1):
            order.setdefault(n, len(order) + 1)
        for section in self.sections:
            for bullet in section.bullets:
                bullet.notes = [order[n] for n in bullet.notes]
        footnotes = [None] * len(self.footnotes)
        for old, new in order.items():
            footnotes[new - 1] = self.footnotes[old - 1]
        self.footnotes = footnotes  # type: ignore[assignment]
        self._keys = {key: order[n] for key, n in self._keys.items()}

    def sources(self) -> list[dict[str, Any]]:
        """Each cited document once, in order of first citation."""
        seen: dict[str, dict[str, Any]] = {}
        for citation in self.footnotes:
            seen.setdefault(str(citation.get("doc_id")), citation)
        return list(seen.values())


def place(citation: dict[str, Any]) -> str:
    """Section and page of a citation, as a reader would look them up."""
    where = str(citation.get("section") or "")
    if citation.get("page"):
        where = f"{where}, p. {citation['page']}" if where else f"p. {citation['page']}"
    return where


def full_citation(citation: dict[str, Any]) -> str:
    """Document, publisher, date, section or page, and the character span of the quote."""
    parts = [str(citation.get("title") or citation.get("doc_id") or "Untitled document")]
    parts.append(
        ", ".join(x for x in (citation.get("publisher"), citation.get("date") or "undated") if x)
    )
    if place(citation):
        parts.append(place(citation))
    parts.append(f"Characters {citation.get('start')}–{citation.get('end')}")
    return ". ".join(parts) + "."


# ---- rendering ----------------------------------------------------------------------------------


def _bullet_text(bullet: Bullet) -> str:
    text = re.sub(r"^[-•*]\s+", "", bullet.text)  # a quoted list item's own bullet mark
    body = f"“{text}”" if bullet.quoted else text
    return f"{bullet.label}: {body}" if bullet.label else body


def _source_line(citation: dict[str, Any]) -> str:
    facts = ", ".join(
        x for x in (citation.get("publisher"), citation.get("date") or "undated") if x
    )
    line = f"{citation.get('title') or citation.get('doc_id')} — {facts}"
    return f"{line}. {citation['url']}" if citation.get("url") else line + "."


def to_markdown(note: Note) -> str:
    """The note as Markdown with footnotes (`[^n]`) and a sources list."""
    lines = [
        f"# {note.title}",
        "",
        f"*{note.date}*" + (f" · {note.subtitle}" if note.subtitle else ""),
        "",
    ]
    for number, section in enumerate(note.sections, start=1):
        lines += [f"## {number}. {section.heading}", ""]
        if section.lead:
            lines += [section.lead, ""]
        for bullet in section.bullets:
            refs = "".join(f"[^{n}]" for n in bullet.notes)
            lines.append(f"- {_bullet_text(bullet)}{refs}")
        if section.bullets:
            lines.append("")
    if note.footnotes:
        lines += ["## Sources", ""]
        lines += [f"- {_source_line(c)}" for c in note.sources()]
        lines.append("")
        lines += [f"[^{n}]: {full_citation(c)}" for n, c in enumerate(note.footnotes, start=1)]
        lines.append("")
    return "\n".join(lines)


def to_docx(note: Note, path: Path) -> Path:
    """The note as a Word document: superscript note numbers, then Notes and Sources lists."""
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.core_properties.title = note.title
    document.add_heading(note.title, level=0)
    meta = document.add_paragraph(note.date + (f" · {note.subtitle}" if note.subtitle else ""))
    meta.runs[0].italic = True
    for number, section in enumerate(note.sections, start=1):
        document.add_heading(f"{number}. {section.heading}", level=1)
        if section.lead:
            document.add_paragraph(section.lead)
        for bullet in section.bullets:
            paragraph = document.add_paragraph(style="List Bullet")
            if bullet.label:
                paragraph.add_run(f"{bullet.label}: ").bold = True
            paragraph.add_run(_bullet_text(Bullet(bullet.text, quoted=bullet.quoted)))
            if bullet.notes:
                paragraph.add_run(",".join(str(n) for n in bullet.notes)).font.superscript = True
    if note.footnotes:
        document.add_heading("Notes", level=1)
        for n, citation in enumerate(note.footnotes, start=1):
            paragraph = document.add_paragraph()
            paragraph.add_run(f"{n}. ").bold = True
            paragraph.add_run(full_citation(citation))
            paragraph.paragraph_format.space_after = Pt(2)
        document.add_heading("Sources", level=1)
        for citation in note.sources():
            document.add_paragraph(_source_line(citation), style="List Bullet")
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def write_note(note: Note, path: Path) -> Path:
    """Write a note as DOCX or Markdown, chosen by the file's suffix."""
    if path.suffix.lower() == ".docx":
        return to_docx(note, path)
    if path.suffix.lower() not in {".md", ".markdown", ".txt"}:
        raise ValueError(f"{path}: a briefing note is written as .docx or .md")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_markdown(note), encoding="utf-8")
    return path

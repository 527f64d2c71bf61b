"""Briefing notes: a conversation's answers, or a topic drafted from the corpus, as Markdown or DOCX.

Every bullet of a note is a verbatim quote from the corpus (or, for open questions, a statement
that the documents do not answer), so each carries a footnote with its full citation a reader can
check. Answers cross this module as their JSON contract (`Answer.to_json()`), the same form the app
keeps per session and the feedback store saves.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.records import Filters

_MARKERS = re.compile(r"(.+?)\s*((?:\[\d+\]\s*)+)(?=\s|$)", re.S)
_FIGURE = re.compile(
    r"\b(1[89]\d\d|20\d\d)\b|[€$£]\s?\d|\d[\d,.]*\s?(%|per cent|million|billion)"
    r"|\b(over|more than|about|nearly|some|at least)\s+\d|\b\d{2,}\s+[a-z]"
)
_STOP = frozenset(
    re.findall(
        r"\w+",
        "the and are for from has have how its that their this was were what when where which "
        "who why with about does did under into some any all been being there these those",
    )
)
_REFERENCES = re.compile(
    r"\b(articles?|paragraphs?|paras?\.?|subparagraphs?|resolutions?|annex)\s+[\d/ ,()a-z]*?\d+",
    re.I,
)


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


def claims(answer: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """An answer's text split into (claim, citations) at its `[n]` markers."""
    by_n = {int(c["n"]): c for c in answer.get("citations", [])}
    out: list[tuple[str, list[dict[str, Any]]]] = []
    text = str(answer.get("answer", ""))
    end = 0
    for match in _MARKERS.finditer(text):
        numbers = [int(n) for n in re.findall(r"\d+", match.group(2))]
        out.append((match.group(1).strip(), [by_n[n] for n in numbers if n in by_n]))
        end = match.end()
    rest = text[end:].strip()
    if rest:
        out.append((rest, []))
    return out


def note_from_turns(
    turns: list[dict[str, Any]], title: str = "", selected: list[int] | None = None
) -> Note:
    """A note with one section per answered question of a conversation (or the selected ones)."""
    note = Note(title=title.strip() or "Briefing note")
    chosen = [
        t for i, t in enumerate(turns) if t.get("answer") and (selected is None or i in selected)
    ]
    versions = {t["answer"].get("corpus_version") for t in chosen} - {None, ""}
    note.subtitle = "Answers from the Palermo corpus" + (
        f" (version {', '.join(sorted(versions))})" if versions else ""
    )
    for turn in chosen:
        answer = turn["answer"]
        section = Section(heading=str(turn.get("question") or answer.get("question", "")))
        if answer.get("refused"):
            section.lead = "The documents in the corpus do not answer this."
        else:
            for text, cited in claims(answer):
                section.bullets.append(
                    Bullet(text, [note.cite(c) for c in cited], quoted=bool(cited))
                )
        note.sections.append(section)
    return note


# ---- topic briefs -------------------------------------------------------------------------------


def _stems(text: str) -> set[str]:
    """Crude stems (five-letter prefixes) of a text's informative words, to test topicality."""
    words = re.findall(r"[a-z0-9]+(?:\.[a-z0-9]+)*", text.lower())
    return {w[:5] for w in words if w not in _STOP and len(w) > 2}


def _on_topic(text: str, topic: set[str]) -> bool:
    return len(text.split()) >= 6 and bool(topic & _stems(text))


def _with_kinds(filters: Filters | None, kinds: list[str]) -> Filters | None:
    """The user's filters narrowed to some kinds of document; None when none of them is left."""
    base = filters or Filters()
    chosen = [k for k in kinds if not base.kinds or k in base.kinds]
    if not chosen:
        return None
    return Filters(
        doc_ids=list(base.doc_ids),
        publishers=list(base.publishers),
        kinds=chosen,
        year_from=base.year_from,
        year_to=base.year_to,
    )


def _ask_into(
    assistant: Any,
    note: Note,
    section: Section,
    questions: list[str],
    filters: Filters | None,
    limit: int,
    topic: set[str],
    labelled: bool = False,
) -> None:
    """Quote the claims of the answers to some questions that are on the topic and not yet cited."""
    for question in questions:
        if len(section.bullets) >= limit:
            return
        answer = assistant.ask(question, [], filters).to_json()
        if answer["refused"]:
            continue
        for text, cited in claims(answer):
            if len(section.bullets) >= limit:
                return
            if not cited or all(note.cited(c) for c in cited) or not _on_topic(text, topic):
                continue
            label = place(cited[0]) if labelled else ""
            section.bullets.append(Bullet(text, [note.cite(c) for c in cited], label=label))


def _figures_into(
    assistant: Any, note: Note, section: Section, topic: str, filters: Filters | None, limit: int
) -> None:
    """Sentences holding figures or dates from the passages the topic retrieves."""
    from ingest.chunking import split_sentences

    topic_stems = _stems(topic)
    found: list[tuple[int, int, str, dict[str, Any]]] = []
    for rank, passage in enumerate(assistant.search(topic, 12, filters)):
        data = passage.to_json()
        for sentence in split_sentences(passage.text, passage.start):
            words = len(sentence.text.split())
            if not 6 <= words <= 90 or not _FIGURE.search(_REFERENCES.sub("", sentence.text)):
                continue
            overlap = len(topic_stems & _stems(sentence.text))
            if not overlap:
                continue
            citation = {
                **data,
                "quote": sentence.text,
                "start": sentence.start,
                "end": sentence.end,
            }
            found.append((-overlap, rank, sentence.text, citation))
    for _, _, text, citation in sorted(found, key=lambda f: (f[0], f[1])):
        if len(section.bullets) >= limit:
            return
        if not note.cited(citation):
            section.bullets.append(Bullet(text, [note.cite(citation)]))


OPEN_PROBES = [
    "What are the latest figures on {topic}?",
    "How much funding has been committed to {topic}?",
    "What results or evaluations of {topic} have been published?",
    "Which countries have adopted national legislation on {topic}?",
    "What has happened on {topic} since 2023?",
]


def draft_brief(assistant: Any, topic: str, filters: Filters | None = None) -> Note:
    """A structured note on a topic in which every bullet is a cited quote from the corpus."""
    topic = " ".join(topic.split())
    note = Note(
        title=f"Briefing note: {topic}",
        subtitle=f"Drafted by Palermo from its corpus (version {assistant.corpus_version})",
    )
    kinds = sorted({d.kind for d in assistant.documents() if d.kind})
    words = _stems(topic)
    others = [k for k in kinds if k != "instrument"]

    # instruments and initiatives first, so their best quotes land there, not in Background
    instruments = Section("Relevant instruments and articles")
    only_instruments = _with_kinds(filters, ["instrument"] if "instrument" in kinds else [])
    if only_instruments:
        _ask_into(
            assistant,
            note,
            instruments,
            [topic, f"What must States Parties do about {topic}?"],
            only_instruments,
            5,
            words,
            labelled=True,
        )
    initiatives = Section("Initiatives and actors")
    other_kinds = _with_kinds(filters, others) if others else filters
    if other_kinds or not others:
        _ask_into(
            assistant,
            note,
            initiatives,
            [
                f"Which initiatives and programmes address {topic}?",
                f"Which organisations and partners work on {topic}?",
            ],
            other_kinds,
            5,
            words,
        )
    background = Section("Background")
    _ask_into(assistant, note, background, [f"What is {topic}?", topic], filters, 4, words)
    figures = Section("Key figures and dates")
    _figures_into(assistant, note, figures, topic, filters, 6)
    open_questions = Section(
        "Open questions",
        lead="Questions on this topic that the documents in the corpus do not answer:",
    )
    for probe in OPEN_PROBES:
        question = probe.format(topic=topic)
        if assistant.ask(question, [], filters).refused:
            open_questions.bullets.append(Bullet(question, quoted=False))
    for section in (background, instruments, initiatives, figures, open_questions):
        if not section.bullets and not section.lead:
            section.lead = "The documents in the corpus say nothing on this."
        elif not section.bullets:
            section.lead = "None found: the documents answer every question probed."
        note.sections.append(section)
    note.renumber()
    return note


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

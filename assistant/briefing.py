"""Briefing notes: a conversation's answers, or a topic drafted from the corpus, as Markdown or DOCX.

Every bullet of a note is a verbatim quote from the corpus (or, for open questions, a statement
that the documents do not answer), so each carries a footnote with its full citation a reader can
check. Answers cross this module as their JSON contract (`Answer.to_json()`), the same form the app
keeps per session and the feedback store saves. What a note is, and how it is written to a file,
lives in `note`.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.note import (
    Bullet,
    Note,
    Section,
    full_citation,
    place,
    to_docx,
    to_markdown,
    write_note,
)
from assistant.records import Filters

# the note itself and its files live in `note`; the front ends and tests take them from here
__all__ = [
    "OPEN_PROBES",
    "Bullet",
    "Note",
    "Section",
    "claims",
    "draft_brief",
    "full_citation",
    "note_from_turns",
    "place",
    "to_docx",
    "to_markdown",
    "write_note",
]

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


def claims(answer: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """An answer's text split into (claim, citations) at its `[n]` markers."""
    by_n = {int(c["n"]): c for c in answer.get("citations", [])}
    out: list[tuple[str, list[dict[str, Any]]]] = []
    text = str(answer.get("answer", ""))
    end = 0
    for match in _MARKERS.finditer(text):
        numbers = [int(n) for n in re.findall(r"\d+", match.group(2))]
        claim = " ".join(match.group(1).split())  # a bullet of its own: a list's lines joined
        out.append((claim, [by_n[n] for n in numbers if n in by_n]))
        end = match.end()
    rest = text[end:].strip()
    if rest:
        out.append((rest, []))
    return out


def note_from_turns(
    turns: list[dict[str, Any]], title: str = "", selected: list[int] | None = None
) -> Note:
    """A note with one section per answered question of a conversation (or the selected ones):
    the answer's own quotes, as the chat shows them before its fold (the passages an answer was
    widened by, citations not `main`, stay in the conversation)."""
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
                if cited and not any(c.get("main", True) for c in cited):
                    continue
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

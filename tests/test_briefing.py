"""Briefing notes: conversations and topic briefs as Markdown and DOCX, every claim a cited quote."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.briefing import (
    OPEN_PROBES,
    claims,
    draft_brief,
    full_citation,
    note_from_turns,
    to_docx,
    to_markdown,
    write_note,
)


def flat(text: str) -> str:
    return " ".join(text.split())


def docx_text(path: Path) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def test_claims_split_an_answer_at_its_markers():
    answer = {
        "answer": "First claim. [1] Second claim [2][3] tail",
        "citations": [{"n": 1, "doc_id": "a"}, {"n": 2, "doc_id": "b"}, {"n": 3, "doc_id": "c"}],
    }
    got = claims(answer)
    assert [(text, [c["doc_id"] for c in cited]) for text, cited in got] == [
        ("First claim.", ["a"]),
        ("Second claim", ["b", "c"]),
        ("tail", []),
    ]


def test_full_citation_names_document_publisher_date_and_place():
    text = full_citation(
        {
            "title": "Protocol",
            "publisher": "UNGA",
            "date": "2000-11-15",
            "section": "Article 6",
            "page": 3,
            "start": 10,
            "end": 20,
        }
    )
    assert text == "Protocol. UNGA, 2000-11-15. Article 6, p. 3. Characters 10–20."


def test_conversation_note_has_a_section_per_question_and_footnoted_claims(assistant, tmp_path):
    questions = [
        "Which countries does GLO.ACT Asia and the Middle East cover?",
        "Can smuggled migrants be prosecuted under the Protocol?",
        "Who won the 2018 football World Cup?",
    ]
    turns = [{"question": q, "answer": assistant.ask(q).to_json()} for q in questions]
    turns.insert(1, {"question": "broken", "answer": None, "error": "backend down"})
    note = note_from_turns(turns, "Smuggling note")
    assert [s.heading for s in note.sections] == questions
    assert note.sections[2].lead == "The documents in the corpus do not answer this."
    cited = [b for s in note.sections[:2] for b in s.bullets]
    assert cited and all(b.notes for b in cited)
    for n in {n for b in cited for n in b.notes}:
        footnote = note.footnotes[n - 1]
        text = assistant.store.document_text(footnote["doc_id"])
        assert text[footnote["start"] : footnote["end"]] == footnote["quote"]
    for bullet in cited:  # each claim is the quote its footnote cites
        assert flat(bullet.text) in flat(note.footnotes[bullet.notes[0] - 1]["quote"])
    # the answer's own quotes, as the chat shows them before its fold: not the passages it was
    # widened by
    widened = turns[2]["answer"]["citations"]
    quoted = flat(" ".join(b.text for b in note.sections[1].bullets))
    assert any(not c["main"] for c in widened)
    assert all((flat(c["quote"]) in quoted) == c["main"] for c in widened)

    markdown = to_markdown(note)
    assert markdown.startswith("# Smuggling note\n")
    assert "## 1. Which countries does GLO.ACT Asia" in markdown
    assert re.search(r"”\[\^1\]", markdown) and "\n[^1]: " in markdown
    assert "## Sources" in markdown and "Afghanistan" in markdown

    path = to_docx(note, tmp_path / "note.docx")
    text = docx_text(path)
    assert "Smuggling note" in text and "1. Which countries does GLO.ACT" in text
    assert "Notes" in text and "Sources" in text and "Afghanistan" in text
    assert "Article 5 — Criminal liability of migrants" in text  # the footnote's full citation

    only_second = note_from_turns(turns, "", selected=[2])
    assert [s.heading for s in only_second.sections] == [questions[1]]
    assert only_second.title == "Briefing note"


def test_topic_brief_is_structured_and_every_bullet_is_a_cited_quote(assistant):
    note = draft_brief(assistant, "smuggling of migrants by sea")
    headings = [s.heading for s in note.sections]
    assert headings == [
        "Background",
        "Relevant instruments and articles",
        "Initiatives and actors",
        "Key figures and dates",
        "Open questions",
    ]
    assert sum(len(s.bullets) for s in note.sections[:4]) >= 5
    instruments = {d.doc_id for d in assistant.documents() if d.kind == "instrument"}
    assert note.sections[1].bullets
    for bullet in note.sections[1].bullets:  # labelled with their article, quoted from instruments
        assert bullet.label.startswith("Article")
        assert note.footnotes[bullet.notes[0] - 1]["doc_id"] in instruments
    for section in note.sections[:4]:
        for bullet in section.bullets:
            assert bullet.notes and bullet.quoted
            footnote = note.footnotes[bullet.notes[0] - 1]
            text = assistant.store.document_text(footnote["doc_id"])
            assert flat(bullet.text) in flat(text[footnote["start"] : footnote["end"]])
    numbers = [n for s in note.sections for b in s.bullets for n in b.notes]
    first_seen = list(dict.fromkeys(numbers))
    assert first_seen == list(range(1, len(first_seen) + 1))  # footnotes in reading order
    probes = {p.format(topic="smuggling of migrants by sea") for p in OPEN_PROBES}
    for bullet in note.sections[4].bullets:
        assert bullet.text in probes and not bullet.notes
        assert assistant.ask(bullet.text).refused


def test_brief_command_writes_docx_and_markdown(corpus_settings, tmp_path, capsys):
    from cli import main

    store = ["--store", str(corpus_settings.home)]
    docx_path = tmp_path / "note.docx"
    assert main([*store, "brief", "GLO.ACT", "--out", str(docx_path)]) == 0
    text = docx_text(docx_path)
    assert "Briefing note: GLO.ACT" in text and "Background" in text and "Open questions" in text
    assert main([*store, "brief", "GLO.ACT", "--kind", "news"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("# Briefing note: GLO.ACT") == 1 and "[^1]: " in printed
    assert "United Nations Convention" not in printed.split("## Sources")[1]
    assert main([*store, "brief", "GLO.ACT", "--out", str(tmp_path / "note.pdf")]) == 2


def test_write_note_refuses_unknown_formats(tmp_path):
    from assistant.briefing import Note

    with pytest.raises(ValueError):
        write_note(Note(title="x"), tmp_path / "x.pdf")
    assert write_note(Note(title="x"), tmp_path / "x.md").read_text().startswith("# x")

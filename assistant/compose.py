"""Step 5 of the answer engine: compose the answer from the chosen sentences.

Each sentence is quoted verbatim and followed by its citation marker; neighbours of one passage
merge into one quote with one citation, its lines (a list's items) kept apart.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from assistant.candidates import (
    Candidate,
    closes_sentence,
    is_list_item,
    passages_best_first,
)
from assistant.records import Citation


def compose(
    chosen: list[Candidate],
    answering: list[Candidate] | None = None,
    named: Collection[str] = (),
    overview: bool = False,
) -> tuple[str, list[Citation]]:
    """Order the sentences (by passage, then reading order), merge neighbours, number citations.

    The passages of the `answering` sentences (those chosen as the answer, before it was
    widened; default all) come first, so the answer to each part of a question opens the text,
    and their citations are `main`. Among them, those of the documents the question `named`
    lead: asked what the Smuggling Protocol says, the answer opens with the Protocol, not with
    a paper that discusses it. An `overview` (a summary for a note) quotes each document's
    passages in the document's order, best document first: a news item opens with its own
    summary, not with the speech quoted in its eighth paragraph."""
    answers = {c.passage.chunk_id for c in (chosen if answering is None else answering)}
    order = passages_best_first(chosen)
    best_first = {chunk_id: n for n, chunk_id in enumerate(order)}
    document_of = {c.passage.chunk_id: c.passage.doc_id for c in chosen}
    document_rank: dict[str, int] = {}
    for chunk_id in order:
        document_rank.setdefault(document_of[chunk_id], len(document_rank))

    def place(c: Candidate) -> tuple[int, ...]:
        if overview:  # each document's passages in its own order, the best document first
            return document_rank[c.passage.doc_id], c.passage.start
        return (best_first[c.passage.chunk_id],)

    ordered = sorted(
        chosen,
        key=lambda c: (
            c.passage.chunk_id not in answers,
            c.passage.doc_id not in named,
            *place(c),
            c.start,
        ),
    )
    citations: list[Citation] = []
    parts: list[str] = []
    for candidate in ordered:
        passage = candidate.passage
        previous = citations[-1] if citations else None
        text = passage.text
        if previous and previous.chunk_id == passage.chunk_id:
            gap = text[previous.end - passage.start : candidate.start - passage.start]
            if not gap.strip():
                previous.quote = text[
                    previous.start - passage.start : candidate.end - passage.start
                ]
                previous.end = candidate.end
                previous.score = max(previous.score, candidate.score)
                parts[-1] = f"{as_shown(previous.quote)} [{previous.n}]"
                continue
        citation = Citation(
            n=len(citations) + 1,
            doc_id=passage.doc_id,
            title=passage.title,
            publisher=passage.publisher,
            date=passage.date,
            section=passage.section,
            page=passage.page,
            quote=candidate.text,
            start=candidate.start,
            end=candidate.end,
            score=candidate.score,
            chunk_id=passage.chunk_id,
            url=passage.url,
            main=passage.chunk_id in answers,
        )
        citations.append(citation)
        parts.append(f"{as_shown(candidate.text)} [{citation.n}]")
    return " ".join(parts), citations


def as_shown(quote: str) -> str:
    """A quote as the answer shows it: one space between words, and the document's paragraphs
    and list items on lines of their own ("a) ...", "- b. ...", not run together). A line that
    breaks a sentence (a plain-text file wrapped at 72 characters) joins the next."""
    lines = [" ".join(line.split()) for line in quote.split("\n") if line.strip()]
    shown = lines[:1]
    for line in lines[1:]:
        if closes_sentence(shown[-1]) or is_list_item(line):
            shown.append(line)
        else:
            shown[-1] += f" {line}"
    return "\n".join(shown)


_MARKERS = re.compile(r"\[(\d+)\]")
_AFTER_MARKERS = re.compile(r"((?:\[\d+\])(?:\s*\[\d+\])*)\s+(?=\S)")


def answer_and_context(answer: dict[str, Any]) -> tuple[list[str], list[str]]:
    """An answer's quotes (its JSON: text and citations), one paragraph each, split into the
    answer (up to the last paragraph citing a `main` citation) and the context after it: the
    paragraphs citing only other citations, which readers see folded. An answer recorded
    before citations were marked is all answer."""
    context = {c.get("n") for c in answer.get("citations") or [] if not c.get("main", True)}
    paragraphs = _AFTER_MARKERS.sub(r"\1\n\n", str(answer.get("answer", ""))).split("\n\n")
    cites = [{int(n) for n in _MARKERS.findall(p)} for p in paragraphs]
    answering = [n for n, found in enumerate(cites) if not found or found - context]
    cut = answering[-1] + 1 if answering else len(paragraphs)
    return paragraphs[:cut], paragraphs[cut:]


def context_label(context: list[str]) -> str:
    """What the folded context holds: "3 more quotes from the sources (480 words)"."""
    words = sum(len(p.split()) for p in context)
    quotes = "quote" if len(context) == 1 else "quotes"
    return f"{len(context)} more {quotes} from the sources ({words} words)"

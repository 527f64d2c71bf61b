"""Step 5 of the answer engine: compose the answer from the chosen sentences.

Each sentence is quoted verbatim and followed by its citation marker; neighbours of one passage
merge into one quote with one citation.
"""

from __future__ import annotations

from assistant.candidates import Candidate, passages_best_first
from assistant.records import Citation


def compose(chosen: list[Candidate]) -> tuple[str, list[Citation]]:
    """Order the sentences (by passage, then reading order), merge neighbours, number citations."""
    first_rank = {chunk_id: n for n, chunk_id in enumerate(passages_best_first(chosen))}
    ordered = sorted(chosen, key=lambda c: (first_rank[c.passage.chunk_id], c.start))
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
                parts[-1] = f"{' '.join(previous.quote.split())} [{previous.n}]"
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
        )
        citations.append(citation)
        parts.append(f"{' '.join(candidate.text.split())} [{citation.n}]")
    return " ".join(parts), citations

"""The extractive answer engine: quote the sentences that answer, cite each, or refuse.

Candidate sentences come from the top passages with embeddings computed at ingest. Each is
scored by meaning (cosine to the question) and by words (IDF-weighted share of the question's
terms it contains). The best non-redundant sentences are quoted verbatim, each followed by its
citation marker. When the best support is too weak, or the question asks for a figure and no
chosen sentence holds one, the engine refuses instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.records import REFUSAL, Citation, Passage
from assistant.retrieval import Snapshot
from ingest.store import bm25_tokens

_ASKS_FOR_FIGURE = re.compile(
    r"\b(how (many|much|long)|what (number|percentage|proportion|share|amount|budget)|"
    r"how large|what is the (number|total|budget|cost))\b",
    re.I,
)
_FIGURE = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"thirteen|hundred|thousand|million|billion|dozen)\b",
    re.I,
)
_HEADING_LIKE = re.compile(r"^(#|Article\s+\d+$)")
_ASKS_FOR_DEFINITION = re.compile(
    r"\b(defin\w*|meaning of|what does .+ mean|what is meant by|what counts as)\b", re.I
)
_DEFINES = re.compile(r"\b(shall mean|means|is defined as|refers to)\b")
_ENDS_SENTENCE = re.compile(r"[.;:!?\"”’)]$")
MIN_WORDS = 4
MAX_ANSWER_WORDS = 140


@dataclass
class Candidate:
    """A sentence of a retrieved passage, with its offsets and scores."""

    text: str
    start: int
    end: int
    passage_rank: int
    passage: Passage
    embedding: np.ndarray
    meaning: float = 0.0
    words: float = 0.0
    score: float = 0.0


def _terms(text: str) -> set[str]:
    return set(bm25_tokens([text])[0])


def candidates_for(passages: list[Passage], sentence_data: dict[str, Any]) -> list[Candidate]:
    """Sentences of the passages (from the store's sentence collection), in passage order."""
    rank = {p.chunk_id: i for i, p in enumerate(passages)}
    by_chunk = {p.chunk_id: p for p in passages}
    out = []
    for text, metadata, embedding in zip(
        sentence_data["documents"],
        sentence_data["metadatas"],
        sentence_data["embeddings"],
        strict=True,
    ):
        chunk_id = metadata["chunk_id"]
        if chunk_id not in by_chunk or len(text.split()) < MIN_WORDS or _HEADING_LIKE.match(text):
            continue
        out.append(
            Candidate(
                text=text,
                start=int(metadata["start"]),
                end=int(metadata["end"]),
                passage_rank=rank[chunk_id],
                passage=by_chunk[chunk_id],
                embedding=np.asarray(embedding, dtype=np.float32),
            )
        )
    out.sort(key=lambda c: (c.passage_rank, c.start))
    return out


def score_candidates(
    candidates: list[Candidate],
    question_vectors: list[np.ndarray],
    query_terms: set[str],
    snapshot: Snapshot,
    question: str = "",
) -> None:
    """Score each sentence by meaning and by shared, informative words.

    Two kinds of question get a nudge: a definition question prefers sentences that define
    ("shall mean"), and short unpunctuated lines (titles, datelines) count for less than prose.
    """
    wants_definition = bool(_ASKS_FOR_DEFINITION.search(question))
    weights = {term: snapshot.idf(term) for term in query_terms}
    total = sum(weights.values()) or 1.0
    for candidate in candidates:
        candidate.meaning = max(float(candidate.embedding @ v) for v in question_vectors)
        shared = _terms(candidate.text) & query_terms
        candidate.words = sum(weights[t] for t in shared) / total
        prior = 0.04 / (1 + candidate.passage_rank)
        candidate.score = 0.65 * candidate.meaning + 0.35 * candidate.words + prior
        if wants_definition and _DEFINES.search(candidate.text):
            candidate.score += 0.1
        if len(candidate.text.split()) < 12 and not _ENDS_SENTENCE.search(candidate.text):
            candidate.score *= 0.85


def _redundant(candidate: Candidate, chosen: list[Candidate]) -> bool:
    terms = _terms(candidate.text)
    for other in chosen:
        if other.passage.doc_id == candidate.passage.doc_id and (
            other.start <= candidate.start < other.end
            or candidate.start <= other.start < candidate.end
        ):
            return True
        other_terms = _terms(other.text)
        union = terms | other_terms
        if union and len(terms & other_terms) / len(union) > 0.6:
            return True
    return False


def select(candidates: list[Candidate], most: int) -> list[Candidate]:
    """The best sentence and any close runners-up that add something new."""
    ranked = sorted(candidates, key=lambda c: -c.score)
    if not ranked:
        return []
    best = ranked[0]
    chosen = [best]
    words = len(best.text.split())
    for candidate in ranked[1:]:
        if len(chosen) >= most:
            break
        if candidate.score < best.score * 0.85 or _redundant(candidate, chosen):
            continue
        size = len(candidate.text.split())
        if words + size > MAX_ANSWER_WORDS:
            continue
        chosen.append(candidate)
        words += size
    return _with_continuations(chosen, candidates)


def _with_continuations(chosen: list[Candidate], candidates: list[Candidate]) -> list[Candidate]:
    """A sentence that introduces a list (ends with ':') brings the next sentence with it."""
    out = list(chosen)
    for candidate in chosen:
        if not candidate.text.rstrip().endswith(":"):
            continue
        following = [
            c
            for c in candidates
            if c.passage.chunk_id == candidate.passage.chunk_id and c.start > candidate.start
        ]
        if following and following[0] not in out:
            out.append(following[0])
    return out


def support(chosen: list[Candidate]) -> float:
    """How well the answer is supported: the best sentence's score."""
    return max((c.score for c in chosen), default=0.0)


def refuses(question: str, chosen: list[Candidate], threshold: float) -> bool:
    """Refuse when support is weak, or a figure is asked for and none is quoted."""
    if not chosen or support(chosen) < threshold:
        return True
    return bool(_ASKS_FOR_FIGURE.search(question)) and not any(
        _FIGURE.search(c.text) for c in chosen
    )


def compose(chosen: list[Candidate]) -> tuple[str, list[Citation]]:
    """Order the sentences (by passage, then reading order), merge neighbours, number citations."""
    first_rank: dict[str, float] = {}
    for candidate in sorted(chosen, key=lambda c: -c.score):
        first_rank.setdefault(candidate.passage.chunk_id, len(first_rank))
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


def answer_from(
    question: str,
    question_vectors: list[np.ndarray],
    query: str,
    passages: list[Passage],
    sentence_data: dict[str, Any],
    snapshot: Snapshot,
    threshold: float,
    most: int,
) -> tuple[str, list[Citation], bool]:
    """(answer text, citations, refused) for a question and its retrieved passages."""
    candidates = candidates_for(passages, sentence_data)
    score_candidates(candidates, question_vectors, _terms(query), snapshot, question)
    chosen = select(candidates, most)
    if refuses(question, chosen, threshold):
        return REFUSAL, [], True
    text, citations = compose(chosen)
    return text, citations, False

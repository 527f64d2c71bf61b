"""The extractive answer engine: quote the sentences that answer, cite each, or refuse.

Candidate sentences come from a pool of retrieved passages with embeddings computed at ingest.
Each is scored by meaning (cosine to the question) and by words (IDF-weighted share of the
question's words it holds, matched softly: see `word_match`), with nudges by kind of question.
The passages with the best sentences are the sources shown; the best non-redundant sentences are
quoted verbatim (a list whole), each followed by its citation marker. When the best support is
too weak, or the sources lack what the question pins down (a figure, a date, a year), the engine
refuses instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.asked_for import missing
from assistant.question_kinds import (
    ALLOWS,
    ASKS_FOR_CALENDAR_DATE,
    ASKS_FOR_DUTY,
    ASKS_FOR_OVERVIEW,
    ASKS_IF_ALLOWED,
    ASKS_WHAT_FOLLOWS,
    IMPOSES_DUTY,
    Similarity,
    answer_tests,
    asks_for_figure,
    figure_answers,
    figures_in,
    has_calendar_date,
    years_in,
)
from assistant.records import REFUSAL, Citation, Passage
from assistant.word_match import QuestionWords
from ingest.store import content_terms

_LIST_ITEM = re.compile(
    r"^(-|•|\*|[a-z]\)|\([a-z]+\)|\([ivx]+\)|[ivx]+\)|\d+(\.\d+)*[.:)]|[a-z]\.)\s"
)
_ENDS_SENTENCE = re.compile(r"[.;:!?\"”’)]$")
_CONTINUES = re.compile(
    r"^[“\"]?(This|These|That|Those|It|Its|They|Their|He|She|His|Her|Such)\b"
    r"|^(\S+\s+){1,4}also\b"  # "The training should also take into account ..."
)
_HEADING_LIKE = re.compile(r"^(#|Article\s+\d+$)")
MIN_WORDS = 4
MEANING_WEIGHT = 0.65
WORDS_WEIGHT = 0.5
NEARBY_WORDS = 20  # a question's words met within this many running words: a sentence's core
MAX_ANSWER_WORDS = 200
# a runner-up sentence is quoted when it scores this share of the best one, or this lower share
# when it holds question words the chosen ones do not (lay questions often ask two things at
# once; 0.8 / 0.7 before: dev all-facts .455 -> .527, test .529 -> .571, core unchanged)
CLOSE_RUNNER_UP = 0.7
COMPLEMENTARY_RUNNER_UP = 0.6
OVERVIEW_SCALE = 3  # an overview (a briefing, key points) quotes this many times more
MAX_QUOTED_WORDS = 260  # with the list items and in-between sentences that complete the quotes
MAX_LIST_ITEMS = 10
MAX_GAP_SENTENCES = 2
RESTATES = 0.6  # share of the shorter one's words two texts share when one restates the other
FOLLOWING_SENTENCES = 3
MAX_LIST_WORDS = 150  # a list longer than this is quoted in part


@dataclass(eq=False)
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
    covers: dict[str, float] = field(default_factory=dict)  # question term -> its share
    terms: set[str] = field(default_factory=set)  # its stemmed content words
    quotable: bool = True
    items: list[Candidate] = field(default_factory=list)  # a lead-in's list items
    lead: Candidate | None = None  # a list item's lead-in

    @property
    def words_long(self) -> int:
        return len(self.text.split())

    def block(self) -> list[Candidate]:
        """The lead-in with its list items (and theirs): the unit a list is quoted in."""
        out = [self]
        for item in self.items:
            out += item.block()
        return out


def quotable(text: str) -> bool:
    """Sentences and list items can answer; titles, headings and datelines cannot."""
    if len(text.split()) < MIN_WORDS or _HEADING_LIKE.match(text):
        return False
    return bool(_ENDS_SENTENCE.search(text) or _LIST_ITEM.match(text))


def candidates_for(passages: list[Passage], sentence_data: dict[str, Any]) -> list[Candidate]:
    """Sentences of the passages (from the store's sentence collection), in passage order.

    All are kept, so that a list's short items can follow their lead-in; only `quotable` ones
    compete to answer on their own.
    """
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
        if chunk_id not in by_chunk:
            continue
        out.append(
            Candidate(
                text=text,
                start=int(metadata["start"]),
                end=int(metadata["end"]),
                passage_rank=rank[chunk_id],
                passage=by_chunk[chunk_id],
                embedding=np.asarray(embedding, dtype=np.float32),
                quotable=quotable(text),
            )
        )
    out.sort(key=lambda c: (c.passage_rank, c.start))
    link_lists(out)
    return out


def link_lists(candidates: list[Candidate]) -> None:
    """Join each lead-in (a sentence ending with ':') to the list items that follow it.

    "(i)" items under a "b)" item belong to "b)"; the parent list's next item ends them.
    """
    for candidate in candidates:
        candidate.items, candidate.lead = [], None
    for index in range(len(candidates) - 1, -1, -1):  # inner lists first
        lead = candidates[index]
        if not lead.text.rstrip().endswith(":"):
            continue
        style = None
        for item in candidates[index + 1 :]:
            if item.passage.chunk_id != lead.passage.chunk_id:
                break
            if item.lead is not None:
                if any(item.lead is own for own in lead.items):
                    continue  # an item of a sub-list, quoted with its own lead-in
                break
            marker = _LIST_ITEM.match(item.text)
            kind = _marker_kind(marker.group(1)) if marker else None
            if kind is None or style not in (None, kind) or len(lead.items) >= MAX_LIST_ITEMS:
                break
            style = kind
            lead.items.append(item)
            item.lead = lead


@dataclass
class Question:
    """What the engine knows of a question: its wording, vectors and words, and the context.

    For a follow-up, `context_vector` and the context part of `words` come from the question
    expanded with the conversation; they locate the topic, while the question's own words pick
    the sentence. `said` is what the assistant already answered, which a follow-up should not
    repeat.
    """

    text: str
    vector: np.ndarray
    words: QuestionWords
    context_vector: np.ndarray | None = None
    said: str = ""
    named: list[str] = field(default_factory=list)  # documents the question names
    strangers: list[str] = field(default_factory=list)  # names in it the corpus never mentions
    others: list[str] = field(default_factory=list)  # instruments it names the corpus lacks
    off: frozenset[str] = frozenset()  # engine components switched off (ablations only)

    def meaning(self, embedding: np.ndarray) -> float:
        meaning = float(embedding @ self.vector)
        if self.context_vector is not None:
            meaning = 0.5 * meaning + 0.5 * float(embedding @ self.context_vector)
        return meaning


def score_candidates(candidates: list[Candidate], question: Question) -> None:
    """Score each sentence by meaning and by shared, informative words.

    Some kinds of question get a nudge towards sentences of the kind that can answer them: "how
    many" towards figures, "when" towards dates, "who" towards names, "must they" towards what
    parties "shall" do (evals/ablation.py measures each; those that helped no set are gone).
    """
    text, off = question.text, question.off
    wants_duty = bool(ASKS_FOR_DUTY.search(text)) and "shall_nudge" not in off
    wants_leave = bool(ASKS_IF_ALLOWED.search(text)) and "may_nudge" not in off
    years = years_in(text) if "year_nudge" not in off else []
    wanted = answer_tests(text) if "kind_tests" not in off else []
    said = content_terms(question.said) if question.said else set()
    for candidate in candidates:
        candidate.terms = content_terms(candidate.text)
    for candidate in candidates:
        # a lead-in answers with its items: "may be requested for the following purposes:"
        unit = " ".join(c.text for c in candidate.block())
        span = NEARBY_WORDS if "nearby" not in off else 0
        candidate.covers, nearby = question.words.meet(unit, span)
        candidate.meaning = question.meaning(candidate.embedding)
        candidate.words = nearby if "words" not in off else 0.0
        prior = 0.06 / (1 + candidate.passage_rank) if "passage_prior" not in off else 0.0
        meaning = MEANING_WEIGHT * candidate.meaning if "meaning" not in off else 0.0
        candidate.score = meaning + WORDS_WEIGHT * candidate.words + prior
        if wants_leave and ALLOWS.search(candidate.text):
            candidate.score += 0.05  # "can our officers board?" is answered by what they "may" do
        if wants_duty and IMPOSES_DUTY.search(candidate.text):
            candidate.score += 0.05  # "what must a State do" is answered by what it "shall" do
        if years and not any(year in _dated(candidate.passage) for year in years):
            candidate.score *= 0.9  # "the 2021 discussion" is not the 2012 paper
        if not all(holds(candidate.text) for holds in wanted):
            candidate.score *= 0.85  # cannot be the answer to this kind of question
    if said and "follow_on" not in off:
        _follow_on(candidates, said, bool(ASKS_WHAT_FOLLOWS.search(text)))


def _follow_on(candidates: list[Candidate], said: set[str], onwards: bool) -> None:
    """A follow-up moves the conversation on from what was already said.

    A question asking what comes next ("and what did the EU representative add?", "the next
    paragraph") wants something new: a sentence that only restates the previous answer ranks
    at half its score, and the sentences after it rank well above. Any other follow-up ("which
    countries does it cover?") may be answered by what was said, which ranks a little lower.
    """
    shared = {c: len(c.terms & said) for c in candidates if c.terms}
    if not shared:
        return
    for candidate, count in shared.items():
        if count / len(candidate.terms) > RESTATES:
            candidate.score *= 0.5 if onwards else 0.8  # nothing new
        elif count / len(said) > RESTATES:
            candidate.score *= 0.8  # what was said, and a little more
    overlap = {c: count / min(len(c.terms), len(said)) for c, count in shared.items()}
    anchor = max(overlap, key=overlap.__getitem__)
    if overlap[anchor] < RESTATES:
        return
    same_document = sorted(
        (c for c in candidates if c.passage.doc_id == anchor.passage.doc_id and c.quotable),
        key=lambda c: c.start,
    )
    after = [c for c in same_document if c.start >= anchor.end]
    for candidate in after[:FOLLOWING_SENTENCES]:
        candidate.score += 0.15 if onwards else 0.05


def _dated(passage: Passage) -> str:
    return f"{passage.title} {passage.date} {passage.text}"


def _redundant(candidate: Candidate, chosen: list[Candidate]) -> bool:
    terms = candidate.terms
    for other in chosen:
        if other.passage.doc_id == candidate.passage.doc_id and (
            other.start <= candidate.start < other.end
            or candidate.start <= other.start < candidate.end
        ):
            return True
        other_terms = other.terms
        union = terms | other_terms
        if union and len(terms & other_terms) / len(union) > 0.6:
            return True
    return False


def select(
    candidates: list[Candidate],
    most: int,
    named: list[str] = (),
    off: frozenset[str] = frozenset(),
    longest: int = MAX_ANSWER_WORDS,
) -> list[Candidate]:
    """The best sentence, then runners-up that are nearly as good or answer another part.

    A question with several parts ("X's role in A, and who represented B") is answered by
    sentences that together cover its words: a sentence a little weaker than the best is still
    taken when it covers question words the chosen ones do not. Each is quoted as a unit (a list
    with its lead-in), and sentences between two chosen ones of a passage fill the gap.
    """
    ranked = sorted((c for c in candidates if c.quotable), key=lambda c: -c.score)
    if not ranked:
        return []
    best = ranked[0]
    picks = [best]
    if len(named) > 1 and "comparison_picks" not in off:
        for doc_id in named:  # a comparison: the best sentence of each document it names
            own = next((c for c in ranked if c.passage.doc_id == doc_id), None)
            if own and own not in picks and own.score >= best.score * 0.5:
                picks.append(own)
    chosen: list[Candidate] = []
    for pick in picks:
        chosen += [c for c in quoted_unit(pick) if c not in chosen]
    covered = {term for c in chosen for term in c.covers}
    for candidate in ranked[1:]:
        if len(picks) >= most:
            break
        if candidate in chosen:
            continue
        new = sum(share for term, share in candidate.covers.items() if term not in covered)
        close = candidate.score >= best.score * CLOSE_RUNNER_UP
        complementary = (
            candidate.score >= best.score * COMPLEMENTARY_RUNNER_UP
            and new >= 0.15
            and "complementary" not in off
        )
        if not (close or complementary) or _redundant(candidate, chosen):
            continue
        unit = [c for c in quoted_unit(candidate) if c not in chosen]
        if _size(chosen) + _size(unit) > longest:
            continue
        picks.append(candidate)
        chosen += unit
        covered |= {term for c in unit for term in c.covers}
    if "gap_fill" not in off:
        chosen = _fill_gaps(chosen, candidates)
    return chosen if "sequels" in off else _with_sequels(chosen, picks, candidates)


def _with_sequels(
    chosen: list[Candidate], picks: list[Candidate], candidates: list[Candidate]
) -> list[Candidate]:
    """A chosen sentence brings the next one when that one goes on about the same thing
    ("This publication was jointly developed by ...", "He stressed that ...")."""
    out = list(chosen)
    following = dict(zip(candidates, candidates[1:], strict=False))
    for pick in picks:
        sequel = following.get(pick)
        if (
            sequel is not None
            and sequel not in out
            and sequel.passage is pick.passage
            and _CONTINUES.match(sequel.text)
            and _size(out) + sequel.words_long <= MAX_QUOTED_WORDS
        ):
            out.append(sequel)
    return out


def _size(sentences: list[Candidate]) -> int:
    return sum(c.words_long for c in sentences)


def quoted_unit(candidate: Candidate) -> list[Candidate]:
    """What quoting a sentence brings along: a list item comes with its lead-in and the other
    items, a lead-in with its items. A list too long to quote whole keeps its best items.
    """
    if candidate.lead is not None and _size(candidate.lead.block()) <= MAX_LIST_WORDS:
        return quoted_unit(candidate.lead)
    block = candidate.block()
    if _size(block) <= MAX_LIST_WORDS:
        return block
    if candidate.lead is not None:
        return [candidate.lead, *candidate.block()]
    kept = [candidate]
    for item in sorted(block[1:], key=lambda c: -c.score):
        if _size(kept) + item.words_long <= MAX_LIST_WORDS:
            kept.append(item)
    return sorted(kept, key=lambda c: c.start)


def _fill_gaps(chosen: list[Candidate], candidates: list[Candidate]) -> list[Candidate]:
    """Quote the few sentences between two chosen ones of a passage, so the quote reads whole."""
    out = list(chosen)
    by_passage: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        by_passage.setdefault(candidate.passage.chunk_id, []).append(candidate)
    for sentences in by_passage.values():
        places = [i for i, c in enumerate(sentences) if c in chosen]
        for first, second in zip(places, places[1:], strict=False):
            gap = sentences[first + 1 : second]
            if 0 < len(gap) <= MAX_GAP_SENTENCES and _size(out) + _size(gap) <= MAX_QUOTED_WORDS:
                out += [c for c in gap if c not in out]
    return out


def _marker_kind(marker: str) -> str:
    """The style of a list marker: "(i)" and "a)" items belong to different lists."""
    bare = marker.strip("()").rstrip(".:)")
    if re.fullmatch(r"[ivx]+", bare):
        return "roman"
    if bare.isdigit() or re.fullmatch(r"\d+(\.\d+)*", bare):
        return "number"
    if re.fullmatch(r"[a-z]", bare):
        return "letter"
    return "bullet"


def support(chosen: list[Candidate]) -> float:
    """How well the answer is supported: the best sentence's score."""
    return max((c.score for c in chosen), default=0.0)


def refuses(
    question: Question, chosen: list[Candidate], threshold: float, similarity: Similarity
) -> bool:
    """Refuse when support is weak, or the sources lack what the question pins down.

    A question asking for a figure needs that figure in the best sentence, and a follow-up one
    needs a figure not already given ("how much of that went to Pakistan?" is not answered by
    the total again); a question asking on what date needs a year or month; a year named in the
    question must appear in a cited passage (its text, title or date).
    """
    if not chosen or (support(chosen) < threshold and "threshold" not in question.off):
        return True
    if question.strangers:
        return True  # it asks about something the documents never mention
    text, off = question.text, question.off
    best = max(chosen, key=lambda c: c.score)
    if asks_for_figure(text) and "figure_refusal" not in off:
        if not figure_answers(text, best.text, similarity):
            return True
        if question.said and not figures_in(best.text) - figures_in(question.said):
            return True
    return (
        bool(ASKS_FOR_CALENDAR_DATE.search(text))
        and not has_calendar_date(best.text)
        and "date_refusal" not in off
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


@dataclass
class Drafted:
    """An extractive answer, with the passages reranked by how well their sentences answer."""

    text: str
    citations: list[Citation]
    refused: bool
    support: float
    passages: list[Passage]
    chosen: list[Candidate] = field(default_factory=list)


def rerank(passages: list[Passage], candidates: list[Candidate], keep: int) -> list[Passage]:
    """The passages ordered by their best sentence's score, the `keep` best.

    Fusion ranks passages by whole-passage signals; the sentence that answers is what a reader
    checks, so a passage holding a sentence that matches the question well comes first.
    """
    best: dict[str, float] = {}
    for candidate in candidates:
        if candidate.quotable:
            key = candidate.passage.chunk_id
            best[key] = max(best.get(key, 0.0), candidate.score)
    ordered = sorted(passages, key=lambda p: -best.get(p.chunk_id, 0.0))
    return ordered[:keep]


def answer_from(
    question: Question,
    passages: list[Passage],
    sentence_data: dict[str, Any],
    threshold: float,
    most: int,
    similarity: Similarity,
    keep: int,
) -> Drafted:
    """The answer to a question from a pool of retrieved passages, of which `keep` are shown."""
    candidates = candidates_for(passages, sentence_data)
    score_candidates(candidates, question)
    shown = rerank(passages, candidates, keep)
    kept = {p.chunk_id for p in shown}
    overview = ASKS_FOR_OVERVIEW.search(question.text) and "overview" not in question.off
    scale = OVERVIEW_SCALE if overview else 1
    chosen = select(
        [c for c in candidates if c.passage.chunk_id in kept],
        most * scale,
        question.named,
        question.off,
        MAX_ANSWER_WORDS * scale,
    )
    lacking = missing(
        question.text,
        [c.text for c in chosen],
        [c.passage for c in chosen],
        question.off,
        [] if question.named else question.others,  # about an instrument the corpus only cites
    )
    if lacking or refuses(question, chosen, threshold, similarity):
        text = REFUSAL
        if question.strangers:
            text += f" They never mention {', '.join(question.strangers)}."
        elif lacking:
            text += f" {lacking}"
        return Drafted(text, [], True, support(chosen), shown, chosen)
    text, citations = compose(chosen)
    return Drafted(text, citations, False, support(chosen), shown, chosen)


def merge_drafts(drafts: list[Drafted], keep: int) -> Drafted:
    """One answer from the answers to a question's parts: the quotes of every part (each
    sentence once), the passages of each part in turn. A part the documents do not answer
    refuses the whole: half an answer to "does X have its own law, and what penalties does it
    set?" reads as if the documents answered it."""
    refused = next((d for d in drafts if d.refused), None)
    if refused:
        return refused
    chosen: dict[tuple[str, int], Candidate] = {}
    for draft in drafts:
        for candidate in draft.chosen:
            chosen.setdefault((candidate.passage.chunk_id, candidate.start), candidate)
    passages: dict[str, Passage] = {}
    for rank in range(max(len(d.passages) for d in drafts)):
        for draft in drafts:
            if rank < len(draft.passages):
                passages.setdefault(draft.passages[rank].chunk_id, draft.passages[rank])
    text, citations = compose(list(chosen.values()))
    best = max(d.support for d in drafts)
    return Drafted(
        text, citations, False, best, list(passages.values())[:keep], list(chosen.values())
    )

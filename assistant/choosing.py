"""Step 3 of the answer engine: choose the sentences to quote.

The best sentence, then runners-up that are nearly as good, none restating another, each quoted
as a unit (a list with its lead-in). Once the answer is known not to be refused, it is widened by
other shown passages' best sentences, and the passages of its best quotes are quoted whole. The
shares and word limits are `Settings.tuning`'s (`question.tuning`).
"""

from __future__ import annotations

from assistant.candidates import Candidate, is_list_item, passages_best_first
from assistant.question import Question
from assistant.ranking import restates_said
from assistant.records import Passage
from common.settings import Tuning


def choose(
    question: Question, candidates: list[Candidate], shown: list[Passage], most: int
) -> list[Candidate]:
    """The sentences to quote from the passages shown; an overview quotes several times more."""
    kept = {p.chunk_id for p in shown}
    tuning = question.tuning
    scale = tuning.overview_scale if question.wants_overview else 1
    return select(
        [c for c in candidates if c.passage.chunk_id in kept],
        most * scale,
        tuning,
        tuning.max_answer_words * scale,
    )


def select(
    candidates: list[Candidate],
    most: int,
    tuning: Tuning,
    longest: int | None = None,
) -> list[Candidate]:
    """The best sentence, then runners-up nearly as good (`close_runner_up` of its score).

    Lay questions often ask two things at once, which a runner-up answers. Each is quoted as a
    unit (a list with its lead-in). The quotes hold at most `longest` words (default
    `tuning.max_answer_words`).
    """
    longest = tuning.max_answer_words if longest is None else longest
    ranked = sorted((c for c in candidates if c.quotable), key=lambda c: -c.score)
    if not ranked:
        return []
    best = ranked[0]
    picked = 1
    chosen = list(quoted_unit(best, tuning))  # grown below: never a candidate's own list
    for candidate in ranked[1:]:
        if picked >= most:
            break
        if candidate in chosen or candidate.score < best.score * tuning.close_runner_up:
            continue
        unit = [c for c in quoted_unit(candidate, tuning) if c not in chosen]
        if _redundant(candidate, chosen) or _size(chosen) + _size(unit) > longest:
            continue
        picked += 1
        chosen += unit
    return chosen


def with_other_passages(
    question: Question, candidates: list[Candidate], shown: list[Passage], chosen: list[Candidate]
) -> list[Candidate]:
    """The answer widened by the best sentence of each shown passage it does not quote yet,
    while that sentence scores `other_passage_share` of the best and the quote has room.

    A lay question's words rarely meet the documents' words, so the best-scoring sentence is
    often a neighbour of the one that answers, in another passage shown beside it (on dev, 17
    of 35 missing key facts stood in a shown passage no quote came from). Called once the
    answer is known not to be refused: these sentences widen an answer, never make one.
    """
    if not chosen or "other_passages" in question.off:
        return chosen
    tuning = question.tuning
    best_of: dict[str, Candidate] = {}  # each passage's best quotable sentence
    for candidate in candidates:
        held = best_of.get(candidate.passage.chunk_id)
        if candidate.quotable and (held is None or candidate.score > held.score):
            best_of[candidate.passage.chunk_id] = candidate
    best = max(c.score for c in chosen if c.quotable)
    quoted = {c.passage.chunk_id for c in chosen}
    out = list(chosen)
    for passage in shown:
        top = best_of.get(passage.chunk_id)
        if top is None or passage.chunk_id in quoted:
            continue
        unit = [c for c in quoted_unit(top, tuning) if c not in out]
        if (
            top.score >= best * tuning.other_passage_share
            and _size(out) + _size(unit) <= tuning.max_widened_words
            and not _redundant(top, out)
        ):
            out += unit
    return out


def with_whole_passages(
    question: Question, candidates: list[Candidate], chosen: list[Candidate]
) -> list[Candidate]:
    """The answer with the passages of its best quotes (`whole_passages` of them) quoted whole.

    The key facts an answer misses most often stand in a passage it already quotes, a few
    sentences away from its quote: measured 2026-12-05 on the facts missing from answers that
    the shown passages held, 34 of dev's 61 and 61 of coverage's 87 stood so (8 and 8 right
    beside a quote, the rest in other passages). Sentences that share no word with the question
    ("Information on relevant court and administrative proceedings") rank too low to be chosen
    one by one; quoted whole, the passage reads as the document says it, and the reader checks
    it at a glance. Called after the refusal check: it widens an answer, never makes one.
    """
    if not chosen or "whole_passages" in question.off:
        return chosen
    tuning = question.tuning
    whole = set(passages_best_first(chosen)[: tuning.whole_passages])
    said = question.said_terms
    added = [
        c
        for c in candidates
        if c.passage.chunk_id in whole
        and c not in chosen
        and c.meaning >= tuning.relevance_min  # off the topic, or an instruction planted in it
        and not restates_said(c, said, tuning)  # a follow-up is not told again what it was told
    ]
    quoted = set(chosen) | set(added)
    following = dict(zip(candidates, candidates[1:], strict=False))  # candidates in text order

    def kept(c: Candidate) -> bool:
        if not _has_words(c.text):  # a paragraph's number ("1."): only with its paragraph
            return following.get(c) in quoted
        return c.quotable or is_list_item(c.text)  # not a paper's byline or footnote

    return chosen + [c for c in added if kept(c)]


def _has_words(text: str) -> bool:
    return any(word.isalpha() and len(word) > 1 for word in text.replace(".", " ").split())


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


def _size(sentences: list[Candidate]) -> int:
    return sum(c.words_long for c in sentences)


def quoted_unit(candidate: Candidate, tuning: Tuning) -> list[Candidate]:
    """What quoting a sentence brings along: a list item comes with its lead-in and the other
    items, a lead-in with its items. A list too long to quote whole keeps its best items.
    """
    most = tuning.max_list_words
    if candidate.lead is not None and _size(candidate.lead.block()) <= most:
        return quoted_unit(candidate.lead, tuning)
    block = candidate.block()
    if _size(block) <= most:
        return block
    if candidate.lead is not None:
        return [candidate.lead, *candidate.block()]
    kept = [candidate]
    for item in sorted(block[1:], key=lambda c: -c.score):
        if _size(kept) + item.words_long <= most:
            kept.append(item)
    return sorted(kept, key=lambda c: c.start)

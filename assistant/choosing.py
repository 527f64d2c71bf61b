"""Step 3 of the answer engine: choose the sentences to quote.

The best sentence, then runners-up that are nearly as good, none restating another. Each is
quoted as a unit (a list with its lead-in); a few sentences between two chosen ones fill the gap,
and each chosen one brings the sentence after it while the quote has room. The shares and word
limits are `Settings.tuning`'s (`question.tuning`).
"""

from __future__ import annotations

from assistant.candidates import Candidate
from assistant.question import Question
from assistant.question_kinds import ASKS_FOR_OVERVIEW
from assistant.records import Passage
from common.settings import Tuning


def choose(
    question: Question, candidates: list[Candidate], shown: list[Passage], most: int
) -> list[Candidate]:
    """The sentences to quote from the passages shown; an overview quotes several times more."""
    kept = {p.chunk_id for p in shown}
    tuning = question.tuning
    overview = ASKS_FOR_OVERVIEW.search(question.text) and "overview" not in question.off
    scale = tuning.overview_scale if overview else 1
    return select(
        [c for c in candidates if c.passage.chunk_id in kept],
        most * scale,
        tuning,
        question.off,
        tuning.max_answer_words * scale,
    )


def select(
    candidates: list[Candidate],
    most: int,
    tuning: Tuning,
    off: frozenset[str] = frozenset(),
    longest: int | None = None,
) -> list[Candidate]:
    """The best sentence, then runners-up nearly as good (`close_runner_up` of its score).

    Lay questions often ask two things at once, which a runner-up answers. Each is quoted as a
    unit (a list with its lead-in), and sentences between two chosen ones of a passage fill the
    gap. The quotes hold at most `longest` words (default `tuning.max_answer_words`).
    """
    longest = tuning.max_answer_words if longest is None else longest
    ranked = sorted((c for c in candidates if c.quotable), key=lambda c: -c.score)
    if not ranked:
        return []
    best = ranked[0]
    picks = [best]
    chosen = list(quoted_unit(best, tuning))  # grown below: never a candidate's own list
    for candidate in ranked[1:]:
        if len(picks) >= most:
            break
        if candidate in chosen or candidate.score < best.score * tuning.close_runner_up:
            continue
        unit = [c for c in quoted_unit(candidate, tuning) if c not in chosen]
        if _redundant(candidate, chosen) or _size(chosen) + _size(unit) > longest:
            continue
        picks.append(candidate)
        chosen += unit
    if "gap_fill" not in off:
        chosen = _fill_gaps(chosen, candidates, tuning)
    return chosen if "sequels" in off else _with_sequels(chosen, picks, candidates, tuning)


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


def _with_sequels(
    chosen: list[Candidate], picks: list[Candidate], candidates: list[Candidate], tuning: Tuning
) -> list[Candidate]:
    """A chosen sentence brings the next one of its passage while the quote has room: the next
    sentence most often goes on about the same point ("This publication was jointly developed
    by ...", an article's next paragraph). Bringing any next sentence, not only those that
    start "This"/"It"/"also", raised all-facts on core and dev, and on all three sets beside 200
    speeches. It must still be on the question's topic (`relevance_min`): a next sentence can
    be off it, or an instruction planted in a document. A next sentence that leads in a list
    comes with its items, or not at all: "Such training shall include:" says nothing alone."""
    out = list(chosen)
    for pick in picks:
        sequel = _next_sentence(pick, candidates)
        if sequel and sequel[-1].items:  # "Such training shall include:" needs its list
            sequel = sequel[:-1] + quoted_unit(sequel[-1], tuning)
        if (
            sequel
            and sequel[-1] not in out
            and sequel[-1].meaning >= tuning.relevance_min
            and _size(out) + _size(sequel) <= tuning.max_quoted_words
        ):
            out += [c for c in sequel if c not in out]
    return out


def _next_sentence(pick: Candidate, candidates: list[Candidate]) -> list[Candidate]:
    """The next quotable sentence of the pick's passage, after the paragraph number ("2.")
    that stands between them, or [] at the passage's end."""
    run: list[Candidate] = []
    for candidate in candidates[candidates.index(pick) + 1 :]:
        if candidate.passage is not pick.passage:
            return []
        run.append(candidate)
        if candidate.quotable:
            return run
    return []


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


def _fill_gaps(
    chosen: list[Candidate], candidates: list[Candidate], tuning: Tuning
) -> list[Candidate]:
    """Quote the few sentences between two chosen ones of a passage, so the quote reads whole."""
    out = list(chosen)
    by_passage: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        by_passage.setdefault(candidate.passage.chunk_id, []).append(candidate)
    for sentences in by_passage.values():
        places = [i for i, c in enumerate(sentences) if c in chosen]
        for first, second in zip(places, places[1:], strict=False):
            gap = sentences[first + 1 : second]
            if (
                0 < len(gap) <= tuning.max_gap_sentences
                and _size(out) + _size(gap) <= tuning.max_quoted_words
            ):
                out += [c for c in gap if c not in out]
    return out

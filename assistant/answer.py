"""The extractive answer engine: quote the sentences that answer, cite each, or refuse.

`answer_from` is the pipeline, one step a line. Its input, a pool of retrieved passages, comes
from `retrieval.hybrid_search` (called by `service.Assistant`, which also builds the `Question`,
see `question`). The steps, each in its own module; their tuned weights and thresholds are
`Settings.tuning` (common/settings.py), which reach them as `question.tuning`:

1. candidates (`candidates`): the sentences of the pool, with embeddings computed at ingest;
   lists linked to their lead-ins.
2. rank (`ranking`): score each sentence by meaning and by the question's words, with nudges by
   kind of question; show the passages with the best sentences.
3. choose (`choosing`): the best non-redundant sentences, each quoted as a unit (a list whole);
   an answer not refused is widened by other shown passages and quotes its best passages whole.
4. refuse (`refusal`): when the best support (scored with the question's own vector, not the
   `query_adapter`'s) is too weak, or the sources lack what the question
   pins down (a figure, a date, a year), refuse instead of guessing.
5. compose (`compose`): the quotes verbatim, each followed by its citation marker.

`merge_drafts` joins the answers to the parts of a question that asks several things.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from assistant.asked_for import unnamed
from assistant.candidates import Candidate, candidates_for
from assistant.choosing import choose, with_other_passages, with_whole_passages
from assistant.compose import compose
from assistant.parts import asks_nothing
from assistant.question import Question
from assistant.question_kinds import Similarity, years_in
from assistant.ranking import match_words, rerank, score_candidates
from assistant.records import REFUSAL, Citation, Passage
from assistant.refusal import closest, refusal_for, support, weak


@dataclass
class Drafted:
    """An extractive answer, with the passages reranked by how well their sentences answer."""

    text: str
    citations: list[Citation]
    refused: bool
    support: float
    passages: list[Passage]
    chosen: list[Candidate] = field(default_factory=list)
    question: Question | None = None  # what the engine knew of it (for `palermo adapt`)
    candidates: list[Candidate] = field(default_factory=list)  # every sentence it weighed
    answering: list[Candidate] = field(default_factory=list)  # `chosen` before the widening
    # a refusal for weak support alone: the answer it would give otherwise (`weak_together`)
    weak_answer: Drafted | None = None


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
    match_words(candidates, question)
    score_candidates(candidates, question.plain or question)
    own = [c for c in candidates if c.passage.chunk_id not in question.brought]
    found = support(own)  # on the model's own vectors, which the threshold was set on
    near = closest(own)
    if question.plain is not None:
        score_candidates(candidates, question)  # ranked by the adapted question
    for candidate in candidates:  # after `support`: the bank moves the ranking, not refusals
        vouched = question.vouched.get(candidate.passage.chunk_id, 0.0)
        candidate.score += question.tuning.bank_weight * vouched
    shown = rerank(passages, candidates, keep)
    chosen = _naming(question, candidates, shown, choose(question, candidates, shown, most), most)
    judged = _own_choice(question, passages, own, keep, most) if question.brought else chosen
    too_weak = weak(question, found, near, threshold)
    refusal = refusal_for(question, judged, found, too_weak, similarity)
    only_weak = bool(too_weak and refusal) and not refusal_for(
        question, judged, found, False, similarity
    )
    if refusal is not None and not only_weak:
        return Drafted(refusal, [], True, found, shown, chosen, question, candidates)
    answering = chosen
    chosen = with_other_passages(question, candidates, shown, chosen)
    chosen = with_whole_passages(question, candidates, chosen)
    text, citations = compose(chosen, answering, question.named, question.wants_overview)
    drafted = Drafted(text, citations, False, found, shown, chosen, question, candidates, answering)
    if refusal is not None:  # weak support alone
        return Drafted(
            refusal, [], True, found, shown, answering, question, candidates, [], drafted
        )
    return drafted


def weak_together(sides: list[Drafted], off: frozenset[str]) -> list[Drafted]:
    """The drafts of a comparison's sides (`parts.compared_searches`), judged weak together.

    Each side is searched with the whole question, whose words half belong to the other side:
    a side that finds its point ("Francesco Luciani ... opened the event", asked what the EU
    speaker said in 2021 compared with 2016) scores below the bar a whole question must reach.
    While one side is answered, a side refused for weak support alone is answered too."""
    if len(sides) < 2 or all(d.refused for d in sides) or "weak_together" in off:
        return sides
    return [d.weak_answer or d for d in sides]


def idle_label(part: str, drafts: list[Drafted], off: frozenset[str]) -> bool:
    """Whether a part is a label that asks nothing ("keep it short", "For my talking points")
    and was refused for weak support alone: it cannot be a question the documents fail to
    answer, so it is left out rather than refusing the whole question."""
    return (
        "idle_labels" not in off
        and asks_nothing(part)
        and all(d.refused and d.weak_answer is not None for d in drafts)
    )


def _own_choice(
    question: Question, passages: list[Passage], own: list[Candidate], keep: int, most: int
) -> list[Candidate]:
    """What the answer would quote from the retrieved passages alone, which refusal judges:
    a passage the bank brought is evidence a near question had, not of this one's scope."""
    retrieved = [p for p in passages if p.chunk_id not in question.brought]
    shown = rerank(retrieved, own, keep)
    return _naming(question, own, shown, choose(question, own, shown, most), most)


def _naming(
    question: Question,
    candidates: list[Candidate],
    shown: list[Passage],
    chosen: list[Candidate],
    most: int,
) -> list[Candidate]:
    """The sentences to quote from the shown passages that mention every name and year the
    question pins down, when the first choice's passages do not and some shown passage does:
    asked which Sustainable Development Goals the work serves, the best sentence may be a work
    plan's, while the passage under the heading "Relevant sustainable development goals"
    answers (and the name check would refuse the first choice). When no shown passage names
    them all, the first choice gains the best sentence of a passage of each year it lacks:
    "the 2012 paper vs the 2021 side event" names each side by its year. (Not each name: a
    near miss joins names no one passage holds, "Arabic interpretation at the GLO.ACT
    workshop".)"""
    if "name_passages" in question.off:
        return chosen
    years = years_in(question.text)
    names = [*question.proper_names, *years]
    lacking = unnamed(names, " ".join(c.passage.headed for c in chosen))
    if not lacking:
        return chosen
    naming = [p for p in shown if not unnamed(names, p.headed)]
    if naming:
        return choose(question, candidates, naming, most)
    added = [
        choose(question, candidates, holding, 1)
        for year in years
        if year in lacking and (holding := [p for p in shown if year in p.labelled])
    ]
    return _each_once([chosen, *added])


def merge_drafts(drafts: list[Drafted], keep: int) -> Drafted:
    """One answer from the answers to a question's parts: the quotes of every part (each
    sentence once), the passages of each part in turn. A part the documents do not answer
    refuses the whole: half an answer to "does X have its own law, and what penalties does it
    set?" reads as if the documents answered it."""
    refused = next((d for d in drafts if d.refused), None)
    if refused:
        return refused if all(d.refused for d in drafts) else _naming_the_part(refused)
    chosen = _each_once(d.chosen for d in drafts)
    answering = _each_once(d.answering for d in drafts)
    passages: dict[str, Passage] = {}
    for rank in range(max(len(d.passages) for d in drafts)):
        for draft in drafts:
            if rank < len(draft.passages):
                passages.setdefault(draft.passages[rank].chunk_id, draft.passages[rank])
    text, citations = compose(chosen, answering)
    best = max(d.support for d in drafts)
    shown = list(passages.values())[:keep]
    return Drafted(text, citations, False, best, shown, chosen, answering=answering)


def _naming_the_part(refused: Drafted) -> Drafted:
    """A refusal of a several-part question that says which part the documents do not answer,
    so the reader can ask the rest on its own."""
    if refused.question is None or not refused.text.startswith(REFUSAL):
        return refused
    part = re.sub(r"^(?:and|but|also|so)\s+", "", refused.question.text.strip(), flags=re.I)
    said = f"{REFUSAL} Of what it asks, they do not answer “{part}”.{refused.text[len(REFUSAL) :]}"
    return replace(refused, text=said)


def _each_once(groups: Iterable[list[Candidate]]) -> list[Candidate]:
    """The sentences of several parts' answers, each once, in order."""
    found: dict[tuple[str, int], Candidate] = {}
    for group in groups:
        for candidate in group:
            found.setdefault((candidate.passage.chunk_id, candidate.start), candidate)
    return list(found.values())

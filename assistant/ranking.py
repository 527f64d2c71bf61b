"""Step 2 of the answer engine: score the candidate sentences, and rank passages by them.

A sentence scores by meaning (cosine to the question) and by words (IDF-weighted share of the
question's words it holds, matched softly: see `word_match`), with nudges by kind of question.
A follow-up moves on from what was already said. The passages shown are those with the best
sentences. The weights are `question.tuning` (`Settings.tuning`).
"""

from __future__ import annotations

from assistant.asked_for import without_held_names
from assistant.candidates import Candidate
from assistant.question import Question
from assistant.question_kinds import (
    ASKS_WHAT_FOLLOWS,
    answer_tests,
    years_in,
)
from assistant.records import Passage
from common.settings import Tuning
from ingest.terms import content_terms


def match_words(candidates: list[Candidate], question: Question) -> None:
    """How many of the question's informative words each sentence holds (`words`), once per pool:
    the adapted question's scoring reuses them (`query_adapter` moves only the meaning)."""
    off = question.off
    span = question.tuning.nearby_words if "nearby" not in off else 0
    for candidate in candidates:
        candidate.terms = content_terms(candidate.text)
    for candidate in candidates:
        # a lead-in answers with its items: "may be requested for the following purposes:"
        unit = " ".join(c.text for c in candidate.block())
        if "name_words" not in off:
            unit = without_held_names(unit, question.instrument_terms)
        nearby = question.words.meet(unit, span)
        candidate.words = nearby if "words" not in off else 0.0


def score_candidates(candidates: list[Candidate], question: Question) -> None:
    """Score each sentence by meaning and by shared, informative words (`match_words` first).

    Some kinds of question get a nudge towards sentences of the kind that can answer them: "how
    many" towards figures, "when" towards dates, "who" towards names (evals/ablation.py measures
    each; those that did not help the test set are gone).
    """
    text, off, tuning = question.text, question.off, question.tuning
    years = years_in(text) if "year_nudge" not in off else []
    wanted = answer_tests(text, question.wants_definition) if "kind_tests" not in off else []
    said = question.said_terms
    for candidate in candidates:
        candidate.meaning = question.meaning(candidate.embedding)
        prior = (
            tuning.passage_prior / (1 + candidate.passage_rank)
            if "passage_prior" not in off
            else 0.0
        )
        meaning = tuning.meaning_weight * candidate.meaning if "meaning" not in off else 0.0
        candidate.score = meaning + tuning.words_weight * candidate.words + prior
        if question.conversation and candidate.passage.doc_id not in question.conversation:
            candidate.score *= tuning.elsewhere_factor  # a follow-up stays with its document
        if years and not any(year in candidate.passage.labelled for year in years):
            candidate.score *= tuning.year_factor  # "the 2021 discussion" is not the 2012 paper
        if not all(holds(candidate.text) for holds in wanted):
            candidate.score *= tuning.kind_test_factor  # cannot answer this kind of question
    if said and "follow_on" not in off:
        _follow_on(candidates, said, bool(ASKS_WHAT_FOLLOWS.search(text)), tuning)
    if "document_topic" not in off:
        _weigh_documents(candidates, question)


def _weigh_documents(candidates: list[Candidate], question: Question) -> None:
    """A sentence of a document about something else ranks lower.

    Beside a corpus on smuggling, a speech that mentions asylum once holds sentences as close to
    "could the anti-smuggling treaty override asylum protections?" as the Protocol's saving
    clause; the Protocol as a whole is about the question's topic and the speech is not. The
    document's vector (mean of its passages) is compared with the question's; documents near
    the best one lose nothing, so this does not choose among documents on the topic. The
    question's own vector decides (not the query adapter's, fitted on the corpus's sentences).
    """
    asked = question.plain or question
    fit = {
        doc_id: asked.meaning(question.documents[doc_id])
        for doc_id in {c.passage.doc_id for c in candidates}
        if doc_id in question.documents
    }
    if not fit:
        return
    tuning = question.tuning
    best = max(fit.values())
    for candidate in candidates:
        short = best - fit.get(candidate.passage.doc_id, best) - tuning.document_margin
        if short > 0:
            candidate.score -= tuning.document_weight * short


def _follow_on(candidates: list[Candidate], said: set[str], onwards: bool, tuning: Tuning) -> None:
    """A follow-up moves the conversation on from what was already said.

    A question asking what comes next ("and what did the EU representative add?", "the next
    paragraph") wants something new: a sentence that only restates the previous answer ranks
    at half its score, and the sentences after it rank well above. Any other follow-up ("which
    countries does it cover?") may be answered by what was said, which ranks a little lower.
    """
    restates = tuning.restates
    shared = {c: len(c.terms & said) for c in candidates if c.terms}
    if not shared:
        return
    for candidate, count in shared.items():
        if restates_said(candidate, said, tuning):  # nothing new
            candidate.score *= tuning.restated_onwards_factor if onwards else tuning.restated_factor
        elif count / len(said) > restates:
            candidate.score *= tuning.restated_factor  # what was said, and a little more
    overlap = {c: count / min(len(c.terms), len(said)) for c, count in shared.items()}
    anchor = max(overlap, key=overlap.__getitem__)
    if overlap[anchor] < restates:
        return
    same_document = sorted(
        (c for c in candidates if c.passage.doc_id == anchor.passage.doc_id and c.quotable),
        key=lambda c: c.start,
    )
    after = [c for c in same_document if c.start >= anchor.end]
    for candidate in after[: tuning.following_sentences]:
        candidate.score += tuning.following_onwards_bonus if onwards else tuning.following_bonus


def restates_said(candidate: Candidate, said: set[str], tuning: Tuning) -> bool:
    """Whether a sentence says nothing the conversation has not said: most of its words were."""
    terms = candidate.terms
    return bool(terms) and len(terms & said) / len(terms) > tuning.restates


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

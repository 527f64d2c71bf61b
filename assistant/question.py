"""What the answer engine knows of a question, built by `Assistant` before the engine runs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from assistant.query_adapter import QueryAdapter
from assistant.question_kinds import ASKS_FOR_OVERVIEW
from assistant.scope import Verdict
from assistant.word_match import QuestionWords
from common.settings import Tuning
from ingest.terms import content_terms


@dataclass
class Question:
    """What the engine knows of a question: its wording, vectors and words, and the context.

    For a follow-up, `context_vector` and the context part of `words` come from the question
    expanded with the conversation; they locate the topic, while the question's own words pick
    the sentence. `said` is what the assistant already answered, which a follow-up should not
    repeat. `tuning` holds the engine's weights and thresholds (`Settings.tuning`).
    """

    text: str
    vector: np.ndarray
    words: QuestionWords
    context_vector: np.ndarray | None = None
    said: str = ""
    named: list[str] = field(default_factory=list)  # documents the question names
    conversation: list[str] = field(default_factory=list)  # documents a follow-up is about
    strangers: list[str] = field(default_factory=list)  # names in it the corpus never mentions
    # instruments it names the corpus lacks, when it names no held one (by name or by its kind
    # alone, "the protocol"): then it asks that one's text, which the corpus holds
    others: list[str] = field(default_factory=list)
    instrument_terms: set[str] = field(default_factory=set)  # words of held instruments' names
    wants_definition: bool = False  # asks what a term means (`asks_for_definition`)
    # its names (not acronyms, not a document's name) that a cited passage must mention
    proper_names: list[str] = field(default_factory=list)
    # each document's vector (`Snapshot.document_vectors`): is a sentence's document on topic?
    documents: dict[str, np.ndarray] = field(default_factory=dict)
    # the one year its passages come from (`Filters`): a comparison across years answers each
    # from that year's documents (`parts.compared_searches`), which need not name the others
    year: int | None = None
    # the scope classifier's reading of the question (`scope`; None without a classifier)
    scope: Verdict | None = None
    # pool passages holding the evidence of a near training question (`QuestionBank.consulted`)
    vouched: dict[str, float] = field(default_factory=dict)
    # passages the bank brought into the pool (`QuestionBank.bring`): they widen an answer,
    # never make one, so support and refusal are judged without them
    brought: frozenset[str] = frozenset()
    # the question before the query adapter moved its vectors: refusal's threshold was set on it
    plain: Question | None = None
    off: frozenset[str] = frozenset()  # engine components switched off (ablations only)
    tuning: Tuning = field(default_factory=Tuning)  # the engine's weights and thresholds

    def adapted(self, adapter: QueryAdapter) -> Question:
        """This question with its vector moved towards the documents' wording (`query_adapter`;
        a follow-up, whose own words have no topic, is not adapted)."""
        return replace(self, vector=adapter.apply(self.vector), plain=self)

    def meaning(self, embedding: np.ndarray) -> float:
        meaning = float(embedding @ self.vector)
        if self.context_vector is not None:
            meaning = 0.5 * meaning + 0.5 * float(embedding @ self.context_vector)
        return meaning

    @property
    def beyond_scope(self) -> Verdict | None:
        """The scope classifier's verdict when it reads the question as one the documents
        cannot answer (its chance at or above `Tuning.scope_threshold`), else None (also when
        the component is off: the assistant then does not judge it)."""
        if self.scope is None or self.scope.beyond < self.tuning.scope_threshold:
            return None
        return self.scope

    @property
    def wants_overview(self) -> bool:
        """A request for a briefing, a summary or key points (`ASKS_FOR_OVERVIEW`): quoted at
        more length, each document in its own order."""
        return bool(ASKS_FOR_OVERVIEW.search(self.text)) and "overview" not in self.off

    @cached_property
    def said_terms(self) -> set[str]:
        """The stemmed content words of what the assistant already answered (empty if nothing)."""
        return content_terms(self.said) if self.said else set()

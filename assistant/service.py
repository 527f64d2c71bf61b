"""`Assistant`: the one path from a question to an answer, shared by the CLI, the app and the evals.

An Assistant owns the store, the embedding model and a retrieval snapshot. It keeps no
conversation state: history comes in with each call, so many users can share one instance.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from assistant.answer import Drafted, answer_from, idle_label, merge_drafts, weak_together
from assistant.asked_for import instruments_asked_of
from assistant.encoder import encode_queries, one_thread
from assistant.fitted_files import PROBE
from assistant.followup import condense, is_dependent, reads_alone
from assistant.glossary import Glossary
from assistant.parts import comparison_sides, question_parts, side_year
from assistant.query_adapter import ADAPTER_FILE, QueryAdapter
from assistant.question import Question
from assistant.question_bank import BANK_FILE, QuestionBank
from assistant.question_kinds import asks_for_definition
from assistant.records import Answer, EmptyStoreError, Filters, Passage
from assistant.retrieval import conversation_of, hybrid_search, nearest_rows, sentences_of
from assistant.scope import SCOPE_FILE, ScopeClassifier, judgeable
from assistant.snapshot import Snapshot
from assistant.spelling import model_words
from assistant.typed import as_read
from assistant.word_match import QuestionWords
from common.settings import Settings, quiet_network_env
from ingest.store import Store, StoredDocument
from ingest.word_vectors import WordVectors, up_to_date

log = logging.getLogger(__name__)


class Assistant:
    """Answers questions from the indexed corpus; safe to call from many threads."""

    def __init__(self, settings: Settings, store: Store, embedder: Any) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self._embed_lock = threading.Lock()
        self.glossary = Glossary.load(settings.corpus_dir / "glossary.toml")
        self.known_words = model_words(embedder)  # typos are words neither it nor the corpus has
        probe = np.asarray(self.embed_texts([PROBE])[0], dtype=np.float32)
        self.adapter = QueryAdapter.load(settings.corpus_dir / ADAPTER_FILE, probe)
        self.scope = ScopeClassifier.load(settings.corpus_dir / SCOPE_FILE, probe)
        self.bank = QuestionBank.load(settings.corpus_dir / BANK_FILE, probe)
        self._llm_lock = threading.Lock()
        self._llm: Any = None
        self._loaded = self._load()  # (snapshot, word vectors): swapped together, never apart
        self._follow_lock = threading.Lock()
        self._checked = time.monotonic()
        self._followed = ""  # the last version published elsewhere that this one caught up with
        # the first model call and the first Chroma queries (reading the vector indexes from
        # disk) pay one-off costs: pay them at start-up, not on the first user's question
        if self._snapshot.ids:
            self.search("warm up", 1)
        else:
            self._embed("warm up")

    @classmethod
    def open(cls, settings: Settings) -> Assistant:
        """Open the store under `settings.home` (or the configured server) and load the model."""
        quiet_network_env()
        from ingest.embedding import load_embedder

        return cls(settings, Store(settings), load_embedder(settings))

    def _load(self) -> tuple[Snapshot, WordVectors]:
        snapshot = Snapshot.load(self.store).warm()
        return snapshot, self._word_vectors(snapshot)

    @property
    def _snapshot(self) -> Snapshot:
        return self._loaded[0]

    def refresh(self) -> None:
        """Pick up documents changed through this process, and tell the processes sharing the
        store (replicas on one Chroma server) that the corpus changed."""
        self._loaded = self._load()
        self._followed = self._snapshot.version
        self.store.publish_version(self._followed)

    def follow(self) -> None:
        """Catch up in the background when another process changed the shared corpus.

        Checked at most every `follow_seconds`, by reading the version the last ingest
        published (one small request); the check and the rebuild run in a thread, so no
        request waits, and each request keeps the snapshot it started with.
        """
        wait = self.settings.follow_seconds
        if wait <= 0 or time.monotonic() - self._checked < wait:
            return
        if not self._follow_lock.acquire(blocking=False):
            return  # a check or a rebuild is under way
        self._checked = time.monotonic()
        threading.Thread(target=self._catch_up, name="palermo-follow", daemon=True).start()

    def _catch_up(self) -> None:
        try:
            published = self.store.published_version()
            if published and published not in (self._followed, self._snapshot.version):
                self._followed = published  # once per version, even if it cannot be reached
                self._loaded = self._load()
        except Exception:  # the server briefly away: answer from the snapshot held
            log.warning("could not check the shared corpus for changes", exc_info=True)
        finally:
            self._checked = time.monotonic()
            self._follow_lock.release()

    def _word_vectors(self, snapshot: Snapshot) -> WordVectors:
        """The corpus's word vectors, completed here if ingest ran elsewhere (a shared server)."""
        return up_to_date(
            self.store.word_vectors_path,
            self.settings.model_path(),
            snapshot.version,
            snapshot.texts,
            self.embed_texts,
        )

    @property
    def corpus_version(self) -> str:
        return self._snapshot.version

    def documents(self) -> list[StoredDocument]:
        return sorted(self.store.documents().values(), key=lambda d: d.doc_id)

    def _embed(self, text: str) -> list[float]:
        return self._embed_queries([text])[0]

    def _embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Query embeddings of several texts (`encoder.encode_queries`)."""
        with self._embed_lock:
            return encode_queries(self.embedder, texts)

    def _similarity(self, text: str, others: list[str]) -> float:
        """The highest cosine similarity between a text and any of several short texts."""
        with self._embed_lock, one_thread():
            vectors = self.embedder.get_text_embedding_batch([text, *others])
        first = np.asarray(vectors[0])
        return max(float(first @ np.asarray(v)) for v in vectors[1:]) if others else 0.0

    def embed_texts(self, texts: list[str]) -> list[list[float]]:
        """Embeddings of several texts (the LLM answers' verifier compares sentences with them)."""
        with self._embed_lock:
            return self.embedder.get_text_embedding_batch(texts)

    def llm_engine(self) -> Any:
        """The LLM answer engine when PALERMO_LLM_BACKEND is set (built once), else None;
        LLMConfigError when the backend is configured but cannot be built."""
        with self._llm_lock:
            if self._llm is None:
                from assistant.llm import LLMSettings

                llm_settings = LLMSettings.from_settings(self.settings)
                if not llm_settings.configured:
                    return None
                from assistant.generative import GenerativeEngine

                self._llm = GenerativeEngine.from_settings(self, llm_settings)
            return self._llm

    def search(self, query: str, k: int = 10, filters: Filters | None = None) -> list[Passage]:
        """The `k` best passages for a query."""
        self.follow()
        return hybrid_search(
            self.store,
            self._snapshot,
            query,
            self._embed,
            k,
            filters,
            tuning=self.settings.tuning,
        )

    def ask(
        self,
        question: str,
        history: Sequence[Any] = (),
        filters: Filters | None = None,
    ) -> Answer:
        """Answer a question (with the conversation so far) by quoting and citing the corpus."""
        timings: dict[str, float] = {}
        began = time.perf_counter()
        question = " ".join(question.split())
        drafts, version = self.drafts(question, history, filters, timings)
        drafted = drafts[0] if len(drafts) == 1 else merge_drafts(drafts, self.settings.top_k)
        timings["total"] = (time.perf_counter() - began) * 1000
        return Answer(
            question=question,
            answer=drafted.text,
            refused=drafted.refused,
            citations=drafted.citations,
            retrieved=drafted.passages,
            timings_ms=timings,
            corpus_version=version,
            query=question if "condense" in self.settings.ablate else condense(question, history),
            support_score=drafted.support,
        )

    def drafts(
        self,
        question: str,
        history: Sequence[Any] = (),
        filters: Filters | None = None,
        timings: dict[str, float] | None = None,
    ) -> tuple[list[Drafted], str]:
        """The engine's answers to each part of a question, and the corpus version they read.

        A question that asks several things ("how soon can it be amended, and how would a
        country leave it?") is answered part by part, each part with its own retrieval, later
        parts read as follow-ups of the first; `ask` merges the quotes into one answer.
        """
        self.follow()
        snapshot, words = self._loaded
        if not snapshot.ids:
            raise EmptyStoreError(
                "the index is empty: run `palermo ingest` (or upload documents) first"
            )
        off = frozenset(self.settings.ablate)  # components switched off (ablations only)
        question = as_read(question, off, words.index.keys(), self.known_words)  # as typed, undone
        mentioned = lambda term: bool(snapshot.mentioned(term))  # noqa: E731
        parts = question_parts(question, mentioned) if "parts" not in off else [question]
        drafts = []
        timings = {} if timings is None else timings  # `ask`'s, which starts empty
        vectors: dict[str, list[float]] = {}  # each text once: a comparison repeats them
        # the scope classifier reads a question whole, unless it is a bare topic or leans on the
        # turns before ("ok but what if they just say no?"); later parts read the chat only if
        # the question may lean on it
        judging = self.scope and "scope" not in off and judgeable(question)
        judged = question if judging and reads_alone(question, history) else ""
        leaning = list(history) if is_dependent(question) else []
        for n, part in enumerate(parts):
            context = list(history) if n == 0 else [*leaning, {"role": "user", "content": parts[0]}]
            sides = [
                self._draft(text, context, side, off, (snapshot, words), timings, vectors, judged)
                for text, side in comparison_sides(part, snapshot, filters, off)
                or [(part, filters)]
            ]
            sides = weak_together(sides, off)
            drafts += [] if len(parts) > 1 and idle_label(part, sides, off) else sides
        return drafts, snapshot.version

    def _texts_to_embed(
        self, question: str, query: str, named: list[str], snapshot: Snapshot, off: frozenset[str]
    ) -> tuple[str, str, str]:
        """The question's own text (for its meaning), its text with the conversation (for the
        topic) and the text to retrieve with.

        Inside the documents it names, a question means what it asks of them: in "what does the
        Smuggling Protocol require", "smuggling" names the document, not the subject (retrieval
        keeps the names, which tell apart other documents that discuss that one). The documents'
        terms for its lay words ("charged": "criminal liability") join it for retrieval and
        meaning.
        """
        own, context = (
            (snapshot.without_names(question), snapshot.without_names(query))
            if named
            else (question, query)
        )
        terms = " ".join(self.glossary.expand(query)) if "glossary" not in off else ""
        if terms:
            return f"{own} ({terms})", context, f"{query} ({terms})"
        return own, context, query

    def _question_words(
        self,
        question: str,
        query: str,
        loaded: tuple[Snapshot, WordVectors],
        embed: Callable[[str], list[float]],
        off: frozenset[str],
    ) -> QuestionWords:
        """The question's words, weighed among the passages on its topic (`_topic_idf`)."""
        snapshot, words = loaded
        idf = self._topic_idf(snapshot, question, query, embed, off)
        tuning, soft = self.settings.tuning, "soft_words" not in off
        return QuestionWords(question, query, idf, words, self.embed_texts, tuning, soft=soft)

    def _topic_idf(
        self,
        snapshot: Snapshot,
        question: str,
        query: str,
        embed: Callable[[str], list[float]],
        off: frozenset[str],
    ) -> Callable[[str], float]:
        """IDF among the passages nearest the question (`Snapshot.idf_among`); a follow-up keeps
        the store-wide IDF: "which countries does it cover?" has no topic of its own."""
        if "topic_idf" in off or query != question:
            return snapshot.idf
        size = self.settings.tuning.topic_passages
        return snapshot.idf_among(nearest_rows(self.store, snapshot, embed(question), size))

    def _embedder(
        self, texts: list[str], vectors: dict[str, list[float]]
    ) -> Callable[[str], list[float]]:
        """`embed(text)` for one question: the texts it needs go to the encoder in one call
        first, and `vectors` keeps them for its other drafts (a comparison repeats them)."""
        missing = [text for text in dict.fromkeys(texts) if text and text not in vectors]
        if missing:
            vectors.update(zip(missing, self._embed_queries(missing), strict=True))

        def embed(text: str) -> list[float]:
            if text not in vectors:
                vectors[text] = self._embed(text)
            return vectors[text]

        return embed

    def _draft(
        self,
        question: str,
        history: Sequence[Any],
        filters: Filters | None,
        off: frozenset[str],
        loaded: tuple[Snapshot, WordVectors],
        timings: dict[str, float],
        vectors: dict[str, list[float]],
        judged: str = "",
    ) -> Drafted:
        """One question's answer or refusal (`vectors`: its texts embedded; `judged`: for scope)."""
        snapshot, words = loaded
        began = time.perf_counter()
        query = condense(question, history) if "condense" not in off else question
        named = snapshot.mentioned(query)
        own, context, retrieve = self._texts_to_embed(question, query, named, snapshot, off)
        said, conversation = conversation_of(question, query, history, snapshot, off)
        # a search inside a named document looks for the rest of the question
        inside = [snapshot.without_names(retrieve)] if conversation or named else []
        embed = self._embedder([own, retrieve, context, question, *inside, judged], vectors)
        bare = snapshot.without_names(question) if named else question  # what it asks of them
        year = side_year(question, snapshot, filters, off)
        strangers, pinned = snapshot.names_pinned(own, bare, off, year)
        defined = snapshot.defined_terms if "defined_terms" not in off else []
        held = bool(snapshot.mentioned(question)) or snapshot.names_held_by_kind(question)
        titles = snapshot.title_terms
        asked = Question(
            text=question,
            vector=np.asarray(embed(own), dtype=np.float32),
            words=self._question_words(question, query, (snapshot, words), embed, off),
            named=named,
            strangers=strangers,
            proper_names=pinned,
            others=instruments_asked_of(question, held, query != question, titles, off),
            instrument_terms=snapshot.instrument_title_terms,
            wants_definition=asks_for_definition(bare, defined),
            documents=snapshot.document_vectors,
            year=year,
            off=off,
            tuning=self.settings.tuning,
        )
        if self.scope and judged:
            asked.scope = self.scope.judge(np.asarray(embed(judged), dtype=np.float32))
        if query != question:
            asked.context_vector = np.asarray(embed(context), dtype=np.float32)
            asked.said, asked.conversation = said, conversation
        elif self.adapter and "query_adapter" not in off:  # a follow-up's words have no topic
            asked = asked.adapted(self.adapter)
        _add(timings, "embed", began)
        step = time.perf_counter()
        pool = hybrid_search(
            self.store,
            snapshot,
            retrieve,
            embed,
            2 * self.settings.top_k,
            filters,
            off,
            tuning=self.settings.tuning,
            conversation=asked.conversation,
            definition=asked.wants_definition,
        )
        pool = self.bank.consulted(asked, pool, snapshot, filters) if self.bank else pool
        _add(timings, "retrieve", step)
        step = time.perf_counter()
        drafted = answer_from(
            asked,
            pool,
            sentences_of(self.store, snapshot, pool),
            self.settings.refusal_threshold,
            self.settings.answer_sentences,
            self._similarity,
            self.settings.top_k,
        )
        _add(timings, "answer", step)
        return drafted


def _add(timings: dict[str, float], step: str, began: float) -> None:
    """Add a step's milliseconds (a question in parts runs each step once per part)."""
    timings[step] = timings.get(step, 0.0) + (time.perf_counter() - began) * 1000

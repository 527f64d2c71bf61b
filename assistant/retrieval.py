"""Hybrid retrieval: dense (Chroma) and BM25 ranked lists fused by reciprocal rank, with filters.

The BM25 index and term statistics come from the corpus version's `Snapshot` (see `snapshot`);
the fusion's constant and weights from `Settings.tuning`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from assistant.followup import last_answer
from assistant.question_kinds import ASKS_FOR_DEFINITION
from assistant.records import Filters, Passage
from assistant.snapshot import Snapshot
from common.settings import Tuning
from ingest.store import Store, passage_of, sentence_id
from ingest.terms import bm25_tokens


def chroma_where(filters: Filters | None) -> dict[str, Any] | None:
    """The filters as a Chroma `where` clause (passages and sentences carry the same keys)."""
    if filters is None or filters.is_empty():
        return None
    parts: list[dict[str, Any]] = []
    for key, values in (
        ("doc_id", filters.doc_ids),
        ("publisher", filters.publishers),
        ("kind", filters.kinds),
    ):
        if values:
            parts.append({key: {"$in": list(values)}})
    if filters.year_from is not None:
        parts.append({"year": {"$gte": filters.year_from}})
    if filters.year_to is not None:
        parts.append({"year": {"$lte": filters.year_to}})
        parts.append({"year": {"$gt": 0}})
    return parts[0] if len(parts) == 1 else {"$and": parts}


def dense_search(
    store: Store, embedding: list[float], k: int, filters: Filters | None
) -> list[tuple[str, float]]:
    """(chunk id, cosine similarity) of passages from Chroma, best first.

    Asked for ids and distances only: the snapshot holds the texts and metadata, and fetching
    them again (as llama-index's query does, building nodes) took 6 of the query's 7 ms.
    """
    result = store.passages.query(
        query_embeddings=[embedding],
        n_results=k,
        where=chroma_where(filters),
        include=["distances"],
    )
    # cosine space: distance = 1 - cosine
    return [
        (i, 1.0 - float(d)) for i, d in zip(result["ids"][0], result["distances"][0], strict=True)
    ]


def nearest_rows(store: Store, snapshot: Snapshot, embedding: list[float], n: int) -> list[int]:
    """The snapshot rows of the `n` passages nearest in meaning: the question's topic, over
    which its words are weighed (`Snapshot.idf_among`)."""
    position = snapshot.position
    nearest = dense_search(store, embedding, min(n, len(snapshot.ids)), None)
    return [position[chunk_id] for chunk_id, _ in nearest if chunk_id in position]


def sentence_search(
    store: Store, embedding: list[float], k: int, filters: Filters | None
) -> list[tuple[str, float]]:
    """(chunk id, best sentence cosine) by the passages' closest sentences, best first.

    Sentences are short enough for the model to see whole, so this finds a passage by a sentence
    that a whole-passage embedding (cut at the model's length limit) blurs or misses. The
    passage is read from the sentence's id; metadata is fetched only for rows whose id does not
    say it.
    """
    where = chroma_where(filters)
    result = store.sentences.query(
        query_embeddings=[embedding], n_results=k, where=where, include=["distances"]
    )
    chunk_ids = [passage_of(i) for i in result["ids"][0]]
    distances = result["distances"][0]
    if not all(chunk_ids):
        result = store.sentences.query(
            query_embeddings=[embedding],
            n_results=k,
            where=where,
            include=["metadatas", "distances"],
        )
        rows = zip(result["ids"][0], result["metadatas"][0], strict=True)
        chunk_ids = [passage_of(i, m) for i, m in rows]
        distances = result["distances"][0]
    best: dict[str, float] = {}
    for chunk_id, distance in zip(chunk_ids, distances, strict=True):
        best.setdefault(chunk_id, 1.0 - float(distance))
    return sorted(best.items(), key=lambda item: -item[1])


def lexical_search(
    snapshot: Snapshot, query: str, k: int, filters: Filters | None
) -> list[tuple[int, float]]:
    """(passage index, BM25 score) for passages sharing terms with the query, best first."""
    if not snapshot.ids:
        return []
    vocabulary = snapshot.bm25.vocab_dict
    tokens = [t for t in bm25_tokens([query])[0] if t in vocabulary]
    if not tokens:
        return []
    scores = snapshot.bm25.get_scores(tokens)
    if filters is not None and not filters.is_empty():
        mask = np.zeros(len(scores))
        mask[snapshot.filtered.admitted(filters)] = 1.0
        scores = scores * mask
    top = np.argsort(-scores)[:k]
    return [(int(i), float(scores[i])) for i in top if scores[i] > 0]


def lexical_query(query: str, definition: bool = False) -> str:
    """The words BM25 looks for: a definition question (`definition`, or one that says it asks
    what something means) also looks for how texts define terms (instruments define in "Use of
    terms" articles: "... shall mean ...")."""
    if definition or ASKS_FOR_DEFINITION.search(query):
        return f"{query} shall mean use of terms"
    return query


def conversation_documents(snapshot: Snapshot, said: str) -> list[str]:
    """The documents the previous answer named, or else the one it quoted: the document of the
    passage that shares most of its words (BM25). "And what did she say about children?" is
    asked of it, not of the many other documents that talk about children."""
    named = snapshot.mentioned(said)
    if named:
        return named
    best = lexical_search(snapshot, said, 1, None) if said.strip() else []
    return [str(snapshot.metadatas[best[0][0]]["doc_id"])] if best else []


def conversation_of(
    question: str, query: str, history: Sequence[Any], snapshot: Snapshot, off: frozenset[str]
) -> tuple[str, list[str]]:
    """A follow-up's previous answer, and the documents it is asked of first: those the
    conversation is about, unless it names a document of its own (`query` is the question
    condensed with the conversation; a stand-alone question is its own query)."""
    if query == question:
        return "", []
    said = last_answer(history)
    if "conversation_document" in off or snapshot.mentioned(question):
        return said, []
    return said, conversation_documents(snapshot, said)


def _with_seats(order: list[int], seats: list[int], k: int, head: int = 3) -> list[int]:
    """The fused order, with each ranking's best passages guaranteed a place near the top.

    Fusion favours passages every ranking likes a little over one a single ranking likes most;
    a sentence that matches the question almost exactly must not be outvoted.
    """
    top = order[:head]
    top += [i for i in dict.fromkeys(seats) if i not in top]
    top += [i for i in order if i not in top]
    return top[:k]


def hybrid_search(
    store: Store,
    snapshot: Snapshot,
    query: str,
    embed: Callable[[str], list[float]],
    k: int,
    filters: Filters | None = None,
    off: frozenset[str] = frozenset(),
    *,
    tuning: Tuning,
    conversation: Sequence[str] = (),
    definition: bool = False,
) -> list[Passage]:
    """The top `k` passages; documents the query names by an alias are searched first.

    A question about "the Smuggling Protocol" is answered from it before anything that merely
    discusses smuggling; a question naming two documents gets passages from each, in turn.
    Inside a named document its name says nothing, so those searches look for the rest. A
    follow-up that names none is asked of the `conversation`'s documents first (see
    `conversation_documents`), and then of those its context names.
    """
    base = filters or Filters()
    named = [
        d
        for d in dict.fromkeys([*conversation, *snapshot.mentioned(query)])
        if base.admits_document(d) and "named_search" not in off
    ]
    general = _fused_search(
        store, snapshot, query, embed(query), k, tuning, filters, off, definition
    )
    if not named:
        return general
    aspect = snapshot.without_names(query)
    focused = [
        _fused_search(
            store,
            snapshot,
            aspect,
            embed(aspect),
            k,
            tuning,
            base.within(doc_id),
            off,
            definition,
        )
        for doc_id in named
    ]
    share = max(2, (k * 2 // 3) // len(named))
    merged: list[Passage] = []
    for rank in range(share):
        merged += [ranking[rank] for ranking in focused if rank < len(ranking)]
    seen = {p.chunk_id for p in merged}
    merged += [p for p in general if p.chunk_id not in seen]
    return merged[:k]


def _fused_search(
    store: Store,
    snapshot: Snapshot,
    query: str,
    embedding: list[float],
    k: int,
    tuning: Tuning,
    filters: Filters | None = None,
    off: frozenset[str] = frozenset(),
    definition: bool = False,
) -> list[Passage]:
    """The top `k` passages by reciprocal-rank fusion of passage, sentence and BM25 rankings."""
    depth = max(k * 4, 40)
    rows = snapshot.filtered.usable(filters)
    if rows is not None:  # a named document or a narrow filter: exact, in memory
        dense, by_sentence = snapshot.filtered.search(rows, embedding, depth, depth * 2)
    else:
        dense = dense_search(store, embedding, depth, filters)
        by_sentence = sentence_search(store, embedding, depth * 2, filters)
    dense = dense if "dense" not in off else []
    by_sentence = by_sentence if "sentences" not in off else []
    terms = lexical_query(query, definition) if "definition_terms" not in off else query
    lexical = lexical_search(snapshot, terms, depth, filters) if "bm25" not in off else []
    position = snapshot.position
    fused: dict[int, float] = {}
    cosine: dict[int, float] = {}
    bm25: dict[int, float] = {}
    rrf_k = tuning.rrf_k
    dense_rankings = (
        (tuning.fusion_passage_weight, dense),
        (tuning.fusion_sentence_weight, by_sentence),
    )
    for weight, ranking in dense_rankings:
        for rank, (chunk_id, similarity) in enumerate(ranking):
            if chunk_id not in position:
                continue  # written after this snapshot was taken; the next refresh sees it
            index = position[chunk_id]
            fused[index] = fused.get(index, 0.0) + weight / (rrf_k + rank + 1)
            cosine[index] = max(cosine.get(index, -1.0), similarity)
    for rank, (index, score) in enumerate(lexical):
        fused[index] = fused.get(index, 0.0) + tuning.fusion_bm25_weight / (rrf_k + rank + 1)
        bm25[index] = score
    seats = [position[c] for c, _ in by_sentence[:2] if c in position]
    seats += [position[c] for c, _ in dense[:1] if c in position]
    seats += [index for index, _ in lexical[:1]]
    order = sorted(fused, key=lambda i: -fused[i])
    ranked = order[:k] if "seats" in off else _with_seats(order, seats, k)
    passages = []
    for index in ranked:
        passage = snapshot.passage(index, fused[index])
        passage.dense = cosine.get(index, 0.0)
        passage.lexical = bm25.get(index, 0.0)
        passages.append(passage)
    return passages


def sentences_of(store: Store, snapshot: Snapshot, passages: list[Passage]) -> dict[str, Any]:
    """The pool's sentence rows, looked up by id (each passage records how many sentences
    it has); a `where` lookup scans every sentence, which shows at tens of thousands."""
    if not passages:
        return {"ids": [], "metadatas": [], "embeddings": []}
    include = ["metadatas", "embeddings"]  # the text is read from the passage
    counts = [snapshot.sentence_count(p.chunk_id) for p in passages]
    if None not in counts:
        ids = [
            sentence_id(p.chunk_id, i)
            for p, count in zip(passages, counts, strict=True)
            for i in range(count or 0)
        ]
        data = store.sentences.get(ids=ids, include=include)
    else:  # a store written before sentence counts were kept
        chunk_ids = [p.chunk_id for p in passages]
        where = (
            {"chunk_id": {"$in": chunk_ids}} if len(chunk_ids) > 1 else {"chunk_id": chunk_ids[0]}
        )
        data = store.sentences.get(where=where, include=include)
    return {
        "ids": data["ids"],
        "metadatas": data["metadatas"] or [],
        "embeddings": data["embeddings"] if data["embeddings"] is not None else [],
    }

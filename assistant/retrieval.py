"""Hybrid retrieval: dense (Chroma) and BM25 ranked lists fused by reciprocal rank, with filters.

A `Snapshot` holds what retrieval needs in memory (passage metadata, BM25, term statistics) for one
corpus version; `Assistant.refresh()` swaps in a new one after ingest, so readers never see a
half-updated index.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from assistant.anchors import acronyms_of, unknown
from assistant.records import Filters, Passage
from ingest.store import Store, bm25_tokens, content_terms

RRF_K = 60
WEIGHTS = {"sentence": 1.0, "passage": 1.0, "bm25": 1.0}


@dataclass
class Snapshot:
    """The passages of one corpus version, indexed for BM25 and term statistics."""

    version: str
    ids: list[str]
    texts: list[str]
    metadatas: list[dict[str, Any]]
    bm25: Any
    document_frequency: Counter[str]
    names: dict[str, re.Pattern[str]]  # doc id -> its aliases as one pattern
    groups: list[tuple[re.Pattern[str], list[str]]]  # "both protocols" -> the protocols

    @classmethod
    def load(cls, store: Store) -> Snapshot:
        data = store.all_passages()
        version = store.corpus_version(data["ids"])
        persisted = store.load_derived()
        if persisted is None or persisted.version != version:
            persisted = store.rebuild_derived(data)
        order = {chunk_id: i for i, chunk_id in enumerate(data["ids"])}
        index = [order[chunk_id] for chunk_id in persisted.ids]
        texts = [data["documents"][i] for i in index]
        metadatas = [data["metadatas"][i] for i in index]
        aliases = _aliases(metadatas)
        return cls(
            version,
            list(persisted.ids),
            texts,
            metadatas,
            persisted.retriever,
            persisted.document_frequency,
            _names(aliases),
            _groups(aliases),
        )

    def mentioned(self, text: str) -> list[str]:
        """Documents the text names by one of their aliases, in order of first mention."""
        found: dict[str, int] = {}
        for doc_id, start, _ in self._mentions(text):
            found.setdefault(doc_id, start)
        return sorted(found, key=found.__getitem__)

    def without_names(self, text: str) -> str:
        """The text with the documents' names taken out: in "what does the Smuggling Protocol
        require", "smuggling" names the document, not what is asked about it."""
        text = _distribute(text)
        spans = {(start, end) for _, start, end in self._mentions(text, distributed=True)}
        for start, end in sorted(spans, reverse=True):
            text = text[:start] + " " + text[end:]
        return text

    def _mentions(self, text: str, distributed: bool = False) -> list[tuple[str, int, int]]:
        """(doc id, start, end) of each alias in the text that names its document: not one
        inside another title ("the 2021 Understanding the Smuggling of Migrants Protocol guide"
        is a guide, not the Protocol)."""
        text = text if distributed else _distribute(text)
        named = [
            (doc_id, m.start(), m.end())
            for doc_id, pattern in self.names.items()
            for m in pattern.finditer(text)
            if not _INSIDE_TITLE.search(text[: m.start()])
        ]
        grouped = [
            (doc_id, m.start(), m.end())
            for pattern, doc_ids in self.groups
            for m in pattern.finditer(text)
            for doc_id in doc_ids
        ]
        return named + grouped

    @cached_property
    def _labels(self) -> list[str]:
        """Each chunk's title and heading: headings are not in chunk text, names often are."""
        return sorted({f"{m.get('title', '')}\n{m.get('section', '')}" for m in self.metadatas})

    @cached_property
    def title_terms(self) -> set[str]:
        """The words of every document's title and aliases: what names a corpus document."""
        names = {str(m.get("title", "")) for m in self.metadatas}
        for aliases in _aliases(self.metadatas).values():
            names |= aliases
        return content_terms(" ".join(sorted(names)))

    @cached_property
    def _vocabulary(self) -> set[str]:
        return set(self.document_frequency) | content_terms(" ".join(self._labels))

    @cached_property
    def _acronyms(self) -> set[str]:
        """The acronyms the corpus spells out ("EU" for "European Union"); built at first need,
        since it reads every text."""
        return acronyms_of([*self.texts, *self._labels])

    def strangers(self, names: list[str]) -> list[str]:
        """The names, acronyms and years of a question that the corpus never mentions."""
        return unknown(names, self._vocabulary, lambda: self._acronyms)

    def idf(self, term: str) -> float:
        total = max(1, len(self.ids))
        return math.log(
            1
            + (total - self.document_frequency.get(term, 0) + 0.5)
            / (self.document_frequency.get(term, 0) + 0.5)
        )

    @cached_property
    def position(self) -> dict[str, int]:
        """Each chunk id's index in this snapshot."""
        return {chunk_id: i for i, chunk_id in enumerate(self.ids)}

    def sentence_count(self, chunk_id: str) -> int | None:
        """How many sentence rows a passage has, or None when its store did not record it."""
        index = self.position.get(chunk_id)
        count = self.metadatas[index].get("n_sentences") if index is not None else None
        return int(count) if count is not None else None

    def passage(self, index: int, score: float = 0.0) -> Passage:
        return passage_from(self.ids[index], self.texts[index], self.metadatas[index], score)


# a capitalised word (not the first of the text) just before a name: "Understanding the ..."
_INSIDE_TITLE = re.compile(r"\S\s+[A-Z][\w-]*\s+(?:the\s+|of\s+the\s+|on\s+the\s+)?$")
_COORDINATED = re.compile(r"\b(\w+) and (?:the )?(\w+) (\w+?)s\b")


def _distribute(text: str) -> str:
    """Spell out coordinated names: "the smuggling and trafficking protocols" names two."""
    return _COORDINATED.sub(lambda m: f"{m[1]} {m[3]} and {m[2]} {m[3]}", text)


def _aliases(metadatas: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Each document's aliases (from the catalog, stored as JSON on its chunks)."""
    aliases: dict[str, set[str]] = {}
    for metadata in metadatas:
        raw = metadata.get("aliases") or "[]"
        names = json.loads(raw) if isinstance(raw, str) else []
        if names:
            aliases.setdefault(str(metadata.get("doc_id", "")), set()).update(names)
    return aliases


def _names(aliases: dict[str, set[str]]) -> dict[str, re.Pattern[str]]:
    return {
        doc_id: re.compile(
            r"\b("
            + "|".join(
                re.escape(n).replace(r"\ ", r"\s+") for n in sorted(names, key=len, reverse=True)
            )
            + r")\b",
            re.I,
        )
        for doc_id, names in aliases.items()
    }


def _groups(aliases: dict[str, set[str]]) -> list[tuple[re.Pattern[str], list[str]]]:
    """Plural names for the documents whose aliases share a last word: "both protocols", "the
    two UN protocols" name every document called "... Protocol"."""
    heads: dict[str, set[str]] = {}
    for doc_id, names in aliases.items():
        for name in names:
            if " " in name.strip():
                heads.setdefault(name.split()[-1].lower(), set()).add(doc_id)
    return [
        (
            re.compile(
                rf"\b(?:both|two|the|these|those)\s+(?:\w+\s+){{0,2}}?{re.escape(head)}s\b", re.I
            ),
            sorted(doc_ids),
        )
        for head, doc_ids in heads.items()
        if len(doc_ids) > 1
    ]


def passage_from(chunk_id: str, text: str, metadata: dict[str, Any], score: float = 0.0) -> Passage:
    page = int(metadata.get("page", -1) or -1)
    return Passage(
        chunk_id=chunk_id,
        doc_id=str(metadata.get("doc_id", "")),
        title=str(metadata.get("title", "")),
        publisher=str(metadata.get("publisher", "")),
        date=str(metadata.get("date", "")),
        kind=str(metadata.get("kind", "")),
        section=str(metadata.get("section", "")),
        page=page if page > 0 else None,
        text=text,
        start=int(metadata.get("start", 0)),
        end=int(metadata.get("end", 0)),
        score=score,
        url=str(metadata.get("url", "")),
    )


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
    """(chunk id, cosine similarity) of passages from Chroma, best first."""
    from llama_index.core.vector_stores import VectorStoreQuery

    where = chroma_where(filters)
    query = VectorStoreQuery(query_embedding=embedding, similarity_top_k=k)
    result = store.vector_store.query(query, **({"where": where} if where else {}))
    # ChromaVectorStore reports exp(-distance); with cosine space, distance = 1 - cosine.
    return [
        (node_id, 1.0 + math.log(max(similarity, 1e-12)))
        for node_id, similarity in zip(result.ids or [], result.similarities or [], strict=True)
    ]


def sentence_search(
    store: Store, embedding: list[float], k: int, filters: Filters | None
) -> list[tuple[str, float]]:
    """(chunk id, best sentence cosine) by the passages' closest sentences, best first.

    Sentences are short enough for the model to see whole, so this finds a passage by a sentence
    that a whole-passage embedding (cut at the model's length limit) blurs or misses.
    """
    where = chroma_where(filters)
    result = store.sentences.query(
        query_embeddings=[embedding],
        n_results=k,
        where=where,
        include=["metadatas", "distances"],
    )
    best: dict[str, float] = {}
    for metadata, distance in zip(result["metadatas"][0], result["distances"][0], strict=True):
        chunk_id = str(metadata["chunk_id"])
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
        mask = np.array([filters.admits(m) for m in snapshot.metadatas], dtype=float)
        scores = scores * mask
    top = np.argsort(-scores)[:k]
    return [(int(i), float(scores[i])) for i in top if scores[i] > 0]


_ASKS_FOR_DEFINITION = re.compile(
    r"\b(defin\w*|meaning of|what does .+ mean|what is meant by|what counts as)\b", re.I
)


def lexical_query(query: str) -> str:
    """The words BM25 looks for: a definition question also looks for how texts define terms
    (instruments define in "Use of terms" articles: "... shall mean ...")."""
    if _ASKS_FOR_DEFINITION.search(query):
        return f"{query} shall mean use of terms"
    return query


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
) -> list[Passage]:
    """The top `k` passages; documents the query names by an alias are searched first.

    A question about "the Smuggling Protocol" is answered from it before anything that merely
    discusses smuggling; a question naming two documents gets passages from each, in turn.
    Inside a named document its name says nothing, so those searches look for the rest.
    """
    named = [
        d
        for d in snapshot.mentioned(query)
        if (filters is None or not filters.doc_ids or d in filters.doc_ids)
        and "named_search" not in off
    ]
    general = _fused_search(store, snapshot, query, embed(query), k, filters, off)
    if not named:
        return general
    aspect = snapshot.without_names(query)
    focused = [
        _fused_search(store, snapshot, aspect, embed(aspect), k, _only(filters, doc_id), off)
        for doc_id in named
    ]
    share = max(2, (k * 2 // 3) // len(named))
    merged: list[Passage] = []
    for rank in range(share):
        merged += [ranking[rank] for ranking in focused if rank < len(ranking)]
    seen = {p.chunk_id for p in merged}
    merged += [p for p in general if p.chunk_id not in seen]
    return merged[:k]


def _only(filters: Filters | None, doc_id: str) -> Filters:
    base = filters or Filters()
    return Filters([doc_id], base.publishers, base.kinds, base.year_from, base.year_to)


def _fused_search(
    store: Store,
    snapshot: Snapshot,
    query: str,
    embedding: list[float],
    k: int,
    filters: Filters | None = None,
    off: frozenset[str] = frozenset(),
) -> list[Passage]:
    """The top `k` passages by reciprocal-rank fusion of passage, sentence and BM25 rankings."""
    depth = max(k * 4, 40)
    dense = dense_search(store, embedding, depth, filters) if "dense" not in off else []
    by_sentence = (
        sentence_search(store, embedding, depth * 2, filters) if "sentences" not in off else []
    )
    terms = lexical_query(query) if "definition_terms" not in off else query
    lexical = lexical_search(snapshot, terms, depth, filters) if "bm25" not in off else []
    position = snapshot.position
    fused: dict[int, float] = {}
    cosine: dict[int, float] = {}
    bm25: dict[int, float] = {}
    for weight, ranking in ((WEIGHTS["passage"], dense), (WEIGHTS["sentence"], by_sentence)):
        for rank, (chunk_id, similarity) in enumerate(ranking):
            if chunk_id not in position:
                continue  # written after this snapshot was taken; the next refresh sees it
            index = position[chunk_id]
            fused[index] = fused.get(index, 0.0) + weight / (RRF_K + rank + 1)
            cosine[index] = max(cosine.get(index, -1.0), similarity)
    for rank, (index, score) in enumerate(lexical):
        fused[index] = fused.get(index, 0.0) + WEIGHTS["bm25"] / (RRF_K + rank + 1)
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

"""Step 1 of the answer engine: the candidate sentences of the retrieved passages.

Each sentence of the pool (from the store's sentence collection, with its embedding from ingest)
becomes a `Candidate`. Only `quotable` ones (sentences and list items, not titles or headings)
compete to answer on their own; a lead-in ending with ':' is linked to the list items after it,
so that a list is quoted whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.records import Passage
from ingest.store import passage_of

_LIST_ITEM = re.compile(
    r"^(-|•|\*|[a-z]\)|\([a-z]+\)|\([ivx]+\)|[ivx]+\)|\d+(\.\d+)*[.:)]|[a-z]\.)\s"
)
_ENDS_SENTENCE = re.compile(r"[.;:!?\"”’)]$")
_HEADING_LIKE = re.compile(r"^(#|Article\s+\d+$)")
_CLOSING_STOP = re.compile(r"[.;:!?]\W*$")
_FOOTNOTE = re.compile(r"^[¹²³⁴⁵⁶⁷⁸⁹⁰]+\s")  # "¹ The views expressed in the paper ..."
MIN_WORDS = 4  # a shorter line is a title, heading or dateline, not a sentence that answers
MAX_LIST_ITEMS = 10  # a lead-in takes at most this many items: one list cannot swallow a passage


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


def passages_best_first(sentences: list[Candidate]) -> list[str]:
    """The chunk ids of the sentences' passages, the one holding the best-scoring sentence first."""
    order: list[str] = []
    for sentence in sorted(sentences, key=lambda c: -c.score):
        if sentence.passage.chunk_id not in order:
            order.append(sentence.passage.chunk_id)
    return order


def quotable(text: str) -> bool:
    """Sentences and list items can answer; titles, headings, datelines and footnotes cannot."""
    if len(text.split()) < MIN_WORDS or _HEADING_LIKE.match(text) or _FOOTNOTE.match(text):
        return False
    if _title_case(text):
        return False
    return bool(_ENDS_SENTENCE.search(text)) or is_list_item(text)


def _title_case(text: str) -> bool:
    """A byline or title ("United Nations Office on Drugs and Crime (UNODC)"): no closing stop,
    and most words capitalised."""
    if closes_sentence(text):
        return False
    words = [w for w in text.split() if w[:1].isalpha()]
    return bool(words) and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def closes_sentence(text: str) -> bool:
    """Whether a line ends as a sentence does: a stop, then perhaps closing quotes or brackets."""
    return bool(_CLOSING_STOP.search(text))


def is_list_item(text: str) -> bool:
    """A line a list marker opens ("a)", "(ii)", "- "), however short."""
    return bool(_LIST_ITEM.match(text))


def candidates_for(passages: list[Passage], sentence_data: dict[str, Any]) -> list[Candidate]:
    """Sentences of the passages (from the store's sentence collection), in passage order.

    A sentence row holds its vector and its offsets in the document; its text is read from its
    passage at those offsets (the store keeps no second copy). All are kept, so that a list's
    short items can follow their lead-in; only `quotable` ones compete to answer on their own.
    """
    rank = {p.chunk_id: i for i, p in enumerate(passages)}
    by_chunk = {p.chunk_id: p for p in passages}
    out = []
    rows = zip(
        sentence_data["ids"], sentence_data["metadatas"], sentence_data["embeddings"], strict=True
    )
    for row_id, metadata, embedding in rows:
        chunk_id = passage_of(row_id, metadata)
        if chunk_id not in by_chunk:
            continue
        passage = by_chunk[chunk_id]
        start, end = int(metadata["start"]), int(metadata["end"])
        text = passage.text[start - passage.start : end - passage.start]
        out.append(
            Candidate(
                text=text,
                start=start,
                end=end,
                passage_rank=rank[chunk_id],
                passage=passage,
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

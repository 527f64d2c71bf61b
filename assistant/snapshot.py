"""A `Snapshot`: what retrieval needs in memory for one corpus version, and the documents' names.

It holds the passage metadata, BM25 and term statistics; `Assistant.refresh()` swaps in a new one
after ingest, so readers never see a half-updated index. It also knows each document's aliases
(from the catalog), to tell which documents a question names ("the Smuggling Protocol", "both
protocols") and which of its names the corpus never mentions.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from assistant.anchors import anchors, asking_part, unknown
from assistant.asked_for import INSTRUMENT_NAME, proper_names
from assistant.filtered_search import FilteredSearch
from assistant.question_kinds import defined_terms
from assistant.records import Passage
from ingest.acronyms import spelled_out
from ingest.store import Store
from ingest.terms import content_terms


@dataclass
class Snapshot:
    """The passages of one corpus version, indexed for BM25 and term statistics."""

    version: str
    ids: list[str]
    texts: list[str]
    metadatas: list[dict[str, Any]]
    bm25: Any
    passages_with: dict[str, np.ndarray]  # term -> rows of the passages holding it
    names: dict[str, re.Pattern[str]]  # doc id -> its aliases as one pattern
    groups: list[tuple[re.Pattern[str], list[str]]]  # "both protocols" -> the protocols
    filtered: FilteredSearch  # search inside the few passages a filter or a name admits
    corpus_acronyms: frozenset[str]  # "EU" for "European Union": counted at ingest
    document_vectors: dict[str, np.ndarray]  # what each document is about as a whole

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
            persisted.passages_with,
            _names(aliases),
            _groups(aliases),
            FilteredSearch(store, list(persisted.ids), metadatas),
            persisted.acronyms,
            persisted.document_vectors,
        )

    def warm(self) -> Snapshot:
        """Build the lazily built indexes now, so that no question pays for them (at 20,000
        passages the vocabulary takes a third of a second)."""
        for name in (
            "_vocabulary",
            "title_terms",
            "instrument_title_terms",
            "defined_terms",
            "position",
            "_folded",
        ):
            getattr(self, name)
        return self

    def mentioned(self, text: str) -> list[str]:
        """Documents the text names by one of their aliases, in order of first mention."""
        found: dict[str, int] = {}
        for doc_id, start, _ in self._mentions(text):
            found.setdefault(doc_id, start)
        return sorted(found, key=found.__getitem__)

    def without_names(self, text: str) -> str:
        """The text with the documents' names taken out: in "what does the Smuggling Protocol
        require", "smuggling" names the document, not what is asked about it."""
        distributed = _distribute(text)
        spans = {(start, end) for _, start, end in self._mentions(distributed, distributed=True)}
        if not spans:  # "migrants and asylum seekers" stays as asked
            return text
        text = distributed
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
            and not _INSIDE_INSTRUMENT.search(text[: m.start()])
        ]
        grouped = [
            (doc_id, m.start(), m.end())
            for pattern, doc_ids in self.groups
            for m in pattern.finditer(text)
            for doc_id in doc_ids
        ]
        return named + grouped + self._kind_left_out(text)

    def _kind_left_out(self, text: str) -> list[tuple[str, int, int]]:
        """(doc id, start, end) of each held instrument named with "one" for its kind: "is the
        smuggling one any different from the trafficking one?" names the two protocols, as "the
        smuggling protocol" would; "the firearms one" names none the corpus holds."""
        return [
            (doc_id, m.start(1), m.end())
            for m in _ONE_FOR_KIND.finditer(text)
            for doc_id, pattern in self.names.items()
            if any(pattern.fullmatch(f"{m[1]} {kind}") for kind in self._kinds)
        ]

    @cached_property
    def _kinds(self) -> set[str]:
        """The held documents' kinds: their aliases' last words ("protocol"), not acronyms."""
        last = [n.split()[-1] for names in _aliases(self.metadatas).values() for n in names]
        return {w.lower() for w in last if w.isalpha() and not w.isupper()}

    @cached_property
    def _kind_alone(self) -> re.Pattern[str] | None:
        """ "the protocol", "this convention": a held document named by its kind alone, not a
        kind heading another name ("the protocol against ...", "the refugee convention")."""
        if not self._kinds:
            return None
        kinds = "|".join(sorted(map(re.escape, self._kinds)))
        return re.compile(
            rf"\b(?:the|this|that)\s+(?:{kinds})\b(?!\s+(?:on|for|against|relating|to|of)\b)",
            re.I,
        )

    def names_held_by_kind(self, text: str) -> bool:
        """Whether the text speaks of a held instrument by its kind alone ("what does the
        protocol say about the Vienna consular convention?"): what it asks is that
        instrument's text, which the corpus holds, though it names another."""
        return bool(self._kind_alone and self._kind_alone.search(text))

    @cached_property
    def _labels(self) -> list[str]:
        """Each chunk's title and heading: headings are not in chunk text, names often are."""
        return sorted({f"{m.get('title', '')}\n{m.get('section', '')}" for m in self.metadatas})

    @cached_property
    def title_terms(self) -> set[str]:
        """The words that name the instruments the corpus holds: every alias, and each
        instrument name in a title ("United Nations Convention against Transnational Organized
        Crime"). Not all of a title's words: a speech titled by its first sentence names no
        instrument, and its words would make any treaty a question names look held."""
        titles = {str(m.get("title", "")) for m in self.metadatas}
        names = {m.group(0) for title in titles for m in INSTRUMENT_NAME.finditer(title)}
        for aliases in _aliases(self.metadatas).values():
            names |= aliases
        return content_terms(" ".join(sorted(names)))

    @cached_property
    def document_years(self) -> set[int]:
        """The years the documents are dated."""
        return {int(m["year"]) for m in self.metadatas if m.get("year")}

    @cached_property
    def defined_terms(self) -> list[frozenset[str]]:
        """The terms the corpus defines ("Smuggling of migrants" shall mean ...), as stems."""
        return defined_terms(self.texts)

    @cached_property
    def instrument_title_terms(self) -> set[str]:
        """Every word of the titles of the instruments the corpus holds ("Protocol to Prevent,
        Suppress and Punish Trafficking in Persons, Especially Women and Children"), with the
        words of their names and aliases (`title_terms`)."""
        titles = {str(m.get("title", "")) for m in self.metadatas if m.get("kind") == "instrument"}
        return content_terms(" ".join(sorted(titles))) | self.title_terms

    @cached_property
    def _vocabulary(self) -> set[str]:
        return set(self.passages_with) | content_terms(" ".join(self._labels))

    def strangers(self, names: list[str], question: str = "") -> list[str]:
        """The names, acronyms and years of a question that the corpus never mentions (an
        acronym the question spells out in its own words is known by them, a word cut short
        by the corpus's word in full: `in_full`)."""
        found = unknown(
            names, self._vocabulary, lambda: self.corpus_acronyms | spelled_out(question)
        )
        return [name for name in found if self.in_full(name, question) is None]

    def in_full(self, name: str, question: str) -> str | None:
        """The corpus's word that a name of the question cuts short after the same word before
        it, or None: "the Western Med route" (the corpus's "Western Mediterranean"), "our
        Permanent Rep" ("Permanent Representative")."""
        if len(name) < 3 or not name.isalpha() or name.isupper():
            return None  # an acronym, or too short to stand for one word
        if not unknown([name], self._vocabulary, set):
            return None  # a name the corpus knows as it is
        before = re.search(rf"([A-Za-z]+)\s+{re.escape(name)}\b", question)
        if before is None:
            return None
        terms = content_terms(before.group(1))  # the passages holding the word before it
        rows = self.passages_with.get(next(iter(terms)), ()) if len(terms) == 1 else ()
        cut = re.compile(rf"\b{re.escape(before.group(1))}\s+({re.escape(name)}[a-z]+)", re.I)
        return next((m.group(1) for r in rows if (m := cut.search(self.texts[int(r)]))), None)

    def names_pinned(
        self, own: str, bare: str, off: frozenset[str] = frozenset(), year: int | None = None
    ) -> tuple[list[str], list[str]]:
        """The names a question pins down: those the corpus never mentions (`strangers`) and
        those a cited passage must mention (`proper_names` of `bare`, the question without its
        documents' names), read in its asking sentences, not those setting its scene
        (`asking_part`; `off` holds the components switched off). Searched in one `year` (a
        comparison across years, `parts.compared_searches`), a cited passage must mention
        only the names that year's documents do: the others are the other years' side."""
        asking = asking_part if "setting_names" not in off else str
        strangers = self.strangers(anchors(asking(own)), own) if "strangers" not in off else []
        pinned = [self.in_full(n, own) or n for n in proper_names(asking(bare), self.title_terms)]
        if year is not None:
            pinned = [name for name in pinned if not unknown([name], self._year_terms(year), set)]
        return strangers, pinned

    def _year_terms(self, year: int) -> set[str]:
        """The terms of the passages dated `year`, read from the term index (once per year)."""
        if year not in self._terms_by_year:
            dated = np.array([int(m.get("year") or 0) == year for m in self.metadatas])
            held = {term for term, rows in self.passages_with.items() if dated[rows].any()}
            self._terms_by_year[year] = held
        return self._terms_by_year[year]

    @cached_property
    def _terms_by_year(self) -> dict[int, set[str]]:
        return {}

    def idf(self, term: str) -> float:
        return _idf(len(self.ids), len(self.passages_with.get(term, ())))

    def idf_among(self, rows: list[int]) -> Callable[[str], float]:
        """The IDF of a term counted among some passages only (those nearest a question).

        Counted over the whole store, a word's weight says how rare it is in general: beside
        two thousand speeches "smuggling" is rare and outweighs the words that tell one
        smuggling passage from another. Counted among the passages on the question's topic,
        it weighs what sets the answer apart.
        """
        if not rows:
            return self.idf
        among = np.zeros(len(self.ids), dtype=bool)
        among[rows] = True

        def idf(term: str) -> float:
            held = self.passages_with.get(term)
            return _idf(len(rows), int(among[held].sum()) if held is not None else 0)

        return idf

    @cached_property
    def position(self) -> dict[str, int]:
        """Each chunk id's index in this snapshot."""
        return {chunk_id: i for i, chunk_id in enumerate(self.ids)}

    def sentence_count(self, chunk_id: str) -> int | None:
        """How many sentence rows a passage has, or None when its store did not record it."""
        index = self.position.get(chunk_id)
        count = self.metadatas[index].get("n_sentences") if index is not None else None
        return int(count) if count is not None else None

    @cached_property
    def _folded(self) -> list[str]:
        return [folded(text) for text in self.texts]

    def rows_holding(self, text: str) -> list[int]:
        """The rows of the passages whose folded text holds `text` (folded). Only passages
        holding its rarest inner word are read (its first and last words may run on in a
        passage: "database" in "databaseⁱ"): one scan of the whole corpus per string cost 13 ms
        on the bench corpus's 25 M characters."""
        terms = content_terms(" ".join(text.split()[1:-1]))
        if any(term not in self.passages_with for term in terms):
            return []
        rarest = min(terms, key=lambda term: len(self.passages_with[term]), default=None)
        rows = self.passages_with[rarest] if rarest else range(len(self.texts))
        return [int(row) for row in rows if text in self._folded[row]]

    def passage(self, index: int, score: float = 0.0) -> Passage:
        return passage_from(self.ids[index], self.texts[index], self.metadatas[index], score)


def folded(text: str) -> str:
    """Lower case, runs of white space as one space: how texts are matched verbatim."""
    return " ".join(text.lower().split())


def _idf(total: int, frequency: int) -> float:
    """BM25's IDF: never negative, so a word in every passage still counts a little."""
    return math.log(1 + (max(1, total) - frequency + 0.5) / (frequency + 0.5))


# a capitalised word just before a name: "Understanding the ..."; not the first word of a
# sentence ("Yes. Under the Smuggling Protocol") nor an acronym ("the UN Smuggling Protocol")
_INSIDE_TITLE = re.compile(
    r"[^\s.!?]\s+(?![A-Z]{2,}\s)[A-Z][\w-]*\s+(?:the\s+|of\s+the\s+|on\s+the\s+)?$"
)
# another instrument's kind and "to" or "supplementing" just before a name: "the firearms
# protocol to the Palermo Convention" is the firearms protocol; not "the protocols to the ..."
# nor "its protocols supplementing the ...", which speak of the named one's own protocols
_INSIDE_INSTRUMENT = re.compile(
    r"\b(?!(?:the|its|their|both|two|three|all|each|other)\s)[\w'’-]+\s+"
    r"(?:protocol|convention|treaty|agreement)\s+(?:to|supplementing)\s+(?:the\s+)?$",
    re.I,
)
_COORDINATED = re.compile(r"\b(\w+) and (?:the )?(\w+) (\w+?)s\b")
# "the trafficking one": an instrument named with "one" in place of its kind
_ONE_FOR_KIND = re.compile(r"\bthe\s+([\w-]+)\s+one\b", re.I)


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

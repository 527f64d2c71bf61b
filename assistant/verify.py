"""Check a generated answer sentence by sentence against the passages it cites.

A language model can write anything; Palermo shows only what its sources say. Each sentence of a
generated answer must cite at least one of the numbered passages the model was given, and it is
kept only when the cited passages support it:

- lexically: most of its content words (stemmed, stop words out) occur in the cited passages;
- by meaning: its embedding is close to the cited passage or to one of its sentences;
- exactly: every number, date and proper name in it occurs in a cited passage (or in the
  passage's title, section or date);
- on topic: it is about the question (an instruction copied from a document is not an answer).

Markers that point at no passage are removed. Unsupported sentences are dropped, or kept and
visibly flagged. These are pure functions: embeddings come from an `embed(texts)` callable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from common.settings import Tuning
from ingest.chunking import split_sentences
from ingest.terms import content_terms

Embed = Callable[[list[str]], Sequence[Sequence[float]]]
Mode = Literal["drop", "flag"]

# The thresholds (`Settings.tuning`: lexical_min, semantic_min, relevance_min) were calibrated on
# evals/sets/core.jsonl with all-MiniLM-L6-v2: each answerable case's human-written reference
# sentences (n=127) scored against the passage holding the case's evidence (should pass), a random
# passage of another document (should fail) and the closest passage of another document (should
# mostly fail: other documents often say similar things). With these cut-offs and the fact check,
# 82% of reference sentences pass (87% on the two scores alone; some reference sentences draw on a
# second passage), 98% of random and 76% of closest other passages are rejected. Raising
# lexical_min to 0.6 rejects 85% of the closest passages but passes only 79%. 2% of reference
# sentences are less similar to their question than relevance_min.
MIN_CONTENT_WORDS = 2  # "PWNED [1]" states nothing a passage could support
FLAG = "⚠ unsupported"

_MARKER_GROUP = re.compile(r"\[(\s*\d+\s*(?:(?:,|;|-|–|and)\s*\d+\s*)*)\]")
_MARKER = re.compile(r"\[(\d+)\]")
_MARKERS_AFTER_STOP = re.compile(r"([.!?;:])((?:\s*\[\d+\])+)")
_MARKDOWN = re.compile(r"\*\*|__|`|^#+\s*|^\s*(?:[-*•]|\d+[.)])\s+", re.M)
_NUMBER = re.compile(r"(?<![\w.])\d[\d,.]*(?:st|nd|rd|th)?(?![\w])")
_CAPITALISED = re.compile(r"\b[A-Z][\w’'.-]*[\w]|\b[A-Z]\b")
_NUMBER_WORDS = {
    word: i
    for i, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_NOT_NAMES = {
    "I",
    "A",
    "An",
    "The",
    "In",
    "On",
    "At",
    "Of",
    "For",
    "To",
    "And",
    "Or",
    "But",
    "It",
    "This",
    "That",
    "These",
    "Those",
    "They",
    "Its",
    "Their",
    "Yes",
    "No",
    "According",
    "However",
    "Also",
}


@dataclass
class Source:
    """A numbered passage as the model saw it; `meta` is its title, section and date."""

    text: str
    meta: str = ""


@dataclass
class SentenceSupport:
    """How well one sentence of a generated answer is supported by the passages it cites."""

    sentence: str
    cited: list[int]
    score: float
    supported: bool
    lexical: float = 0.0
    semantic: float = 0.0
    missing: list[str] = field(default_factory=list)
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "sentence": self.sentence,
            "cited": self.cited,
            "score": round(self.score, 4),
            "supported": self.supported,
            "lexical": round(self.lexical, 4),
            "semantic": round(self.semantic, 4),
            "missing": self.missing,
            "reason": self.reason,
        }


@dataclass
class Verified:
    """The answer to show, with one support entry per sentence the model wrote."""

    text: str
    support: list[SentenceSupport]
    cited: list[int]  # passage numbers cited by the kept sentences, in order of first use
    removed_markers: list[int] = field(default_factory=list)

    @property
    def supported(self) -> list[SentenceSupport]:
        return [s for s in self.support if s.supported]


def normalise_markers(text: str) -> str:
    """One marker per number ("[1, 2]" -> "[1][2]"), placed before the sentence's full stop."""

    def expand(match: re.Match[str]) -> str:
        numbers: list[int] = []
        for part in re.split(r"\s*(?:,|;|and)\s*", match.group(1).strip()):
            bounds = [int(x) for x in re.split(r"\s*[-–]\s*", part) if x.strip().isdigit()]
            if len(bounds) == 2 and 0 < bounds[1] - bounds[0] < 20:
                numbers.extend(range(bounds[0], bounds[1] + 1))
            else:
                numbers.extend(bounds)
        return "".join(f"[{n}]" for n in numbers)

    text = _MARKER_GROUP.sub(expand, text)
    return _MARKERS_AFTER_STOP.sub(lambda m: f" {m.group(2).strip()}{m.group(1)}", text)


def markers(sentence: str) -> list[int]:
    """The passage numbers a sentence cites, in order, without repeats."""
    return list(dict.fromkeys(int(n) for n in _MARKER.findall(sentence)))


def strip_markers(sentence: str) -> str:
    """The sentence without its markers (and without the space before them)."""
    text = _MARKER.sub("", sentence)
    return re.sub(r"\s+([.,;:!?])", r"\1", " ".join(text.split()))


def split_answer(text: str) -> list[str]:
    """The answer's sentences and list items, markers moved inside the sentence they close."""
    out: list[str] = []
    for sentence in (s.text for s in split_sentences(normalise_markers(text))):
        if re.search(r"\w", strip_markers(sentence)):
            out.append(sentence)
        elif out and markers(sentence):  # a marker on a line of its own closes the sentence before
            out[-1] = f"{out[-1]} {''.join(f'[{n}]' for n in markers(sentence))}"
    return out


def _plain(text: str) -> str:
    return " ".join(_MARKDOWN.sub(" ", text).split())


def _number_value(token: str) -> str:
    return re.sub(r"(st|nd|rd|th)$", "", token.rstrip(".,")).replace(",", "")


def checkable_facts(sentence: str) -> list[str]:
    """The numbers, dates and proper names of a sentence: each must be found in a cited passage."""
    text = _plain(strip_markers(sentence))
    facts = [m.group(0).rstrip(".,") for m in _NUMBER.finditer(text)]
    facts += [w for w in re.findall(r"[A-Za-z]+", text) if w.lower() in _NUMBER_WORDS]
    for match in _CAPITALISED.finditer(text):
        word = re.sub(r"(’s|'s|[.’'-])$", "", match.group(0))
        at_start = match.start() == 0 or text[: match.start()].rstrip().endswith((":", "."))
        acronym = sum(c.isupper() for c in word) >= 2
        if word in _NOT_NAMES or (at_start and not acronym) or not word:
            continue
        facts.append(word)
    return list(dict.fromkeys(facts))


def fact_found(fact: str, haystack: str) -> bool:
    """Whether a number, number word or name occurs in the text (case-insensitive for names)."""
    lowered = haystack.lower()
    if fact[0].isdigit():
        wanted = _number_value(fact)
        found = {_number_value(m.group(0)) for m in _NUMBER.finditer(haystack)}
        return wanted in found
    if fact.lower() in _NUMBER_WORDS:
        value = _NUMBER_WORDS[fact.lower()]
        found = {_number_value(m.group(0)) for m in _NUMBER.finditer(haystack)}
        return str(value) in found or re.search(rf"\b{fact.lower()}\b", lowered) is not None
    return re.search(rf"(?<!\w){re.escape(fact.lower())}", lowered) is not None


def _unit(vectors: Sequence[Sequence[float]]) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.where(norms == 0, 1.0, norms)


def _units_of(source: Source) -> list[str]:
    """What a sentence is compared with: the passage and each of its sentences."""
    return [source.text, *(s.text for s in split_sentences(source.text))]


def verify_answer(
    text: str,
    sources: Sequence[Source],
    embed: Embed,
    mode: Mode = "drop",
    question: str = "",
    *,
    tuning: Tuning,
) -> Verified:
    """Check every sentence against the passages it cites; keep, drop or flag each."""
    sentences = split_answer(text)
    valid = range(1, len(sources) + 1)
    removed: list[int] = []
    cleaned: list[tuple[str, list[int]]] = []
    for sentence in sentences:
        cited = markers(sentence)
        bad = [n for n in cited if n not in valid]
        removed.extend(bad)
        good = [n for n in cited if n in valid]
        cleaned.append((strip_markers(sentence), good))

    cited_all = sorted({n for _, good in cleaned for n in good})
    unit_texts: list[str] = []
    unit_owner: list[int] = []
    for n in cited_all:
        for unit in _units_of(sources[n - 1]):
            unit_texts.append(unit)
            unit_owner.append(n)
    plain = [_plain(s) for s, _ in cleaned]
    extra = [question] if question else []
    vectors = _unit(embed([*plain, *extra, *unit_texts])) if plain else np.zeros((0, 1))
    sentence_vecs = vectors[: len(plain)]
    question_vec = vectors[len(plain)] if question else None
    unit_vecs = vectors[len(plain) + len(extra) :]
    owners = np.asarray(unit_owner)

    support: list[SentenceSupport] = []
    for i, (sentence, good) in enumerate(cleaned):
        support.append(
            _judge(
                sentence,
                plain[i],
                good,
                sources,
                sentence_vecs[i],
                unit_vecs,
                owners,
                question_vec,
                tuning,
            )
        )
    return _assemble(cleaned, support, mode, removed)


def _judge(
    sentence: str,
    plain: str,
    cited: list[int],
    sources: Sequence[Source],
    vector: np.ndarray,
    unit_vecs: np.ndarray,
    owners: np.ndarray,
    question_vec: np.ndarray | None,
    tuning: Tuning,
) -> SentenceSupport:
    """One sentence's support entry."""
    entry = SentenceSupport(sentence=sentence, cited=cited, score=0.0, supported=False)
    if not cited:
        entry.reason = "cites no passage"
        return entry
    cited_text = " ".join(sources[n - 1].text for n in cited)
    meta = " ".join(sources[n - 1].meta for n in cited)
    terms = content_terms(plain)
    if terms:
        entry.lexical = len(terms & content_terms(f"{cited_text} {meta}")) / len(terms)
    mask = np.isin(owners, cited)
    if mask.any():
        entry.semantic = float(np.max(unit_vecs[mask] @ vector))
    entry.score = 0.5 * entry.lexical + 0.5 * max(0.0, entry.semantic)
    entry.missing = [
        f for f in checkable_facts(sentence) if not fact_found(f, f"{cited_text} {meta}")
    ]
    relevance = float(vector @ question_vec) if question_vec is not None else 1.0
    if len(terms) < MIN_CONTENT_WORDS:
        entry.reason = "states too little to check"
    elif entry.missing:
        entry.reason = "not in the cited passage: " + ", ".join(entry.missing)
    elif entry.lexical < tuning.lexical_min:
        entry.reason = f"few of its words are in the cited passage ({entry.lexical:.2f})"
    elif entry.semantic < tuning.semantic_min:
        entry.reason = f"its meaning is far from the cited passage ({entry.semantic:.2f})"
    elif relevance < tuning.relevance_min:
        entry.reason = f"not about the question ({relevance:.2f})"
    else:
        entry.supported = True
    return entry


def _assemble(
    cleaned: list[tuple[str, list[int]]],
    support: list[SentenceSupport],
    mode: Mode,
    removed: list[int],
) -> Verified:
    parts: list[str] = []
    cited: list[int] = []
    for (sentence, good), entry in zip(cleaned, support, strict=True):
        if not entry.supported and mode == "drop":
            continue
        marks = "".join(f"[{n}]" for n in good)
        body, stop = (sentence[:-1], sentence[-1]) if sentence[-1:] in ".!?;:" else (sentence, "")
        piece = f"{body} {marks}{stop}" if marks else f"{body}{stop}"
        if not entry.supported:
            piece = f"{piece} ({FLAG}: {entry.reason})"
        cited.extend(n for n in good if n not in cited)
        parts.append(piece)
    return Verified(text=" ".join(parts), support=support, cited=cited, removed_markers=removed)

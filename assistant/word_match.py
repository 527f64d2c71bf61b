"""Soft word matching: a question's word is found in a sentence that says it in other words.

People ask in lay words and the instruments answer in treaty words ("boat" and "vessel", "danger"
and "safety", "asylum" and "refugees"). Exact stems miss that, and a whole-sentence embedding
blurs it among the sentence's other words. So every word of the corpus gets its own embedding
(once, when the corpus changes), and a question word counts as partly present in a sentence when
one of the sentence's words is close to it (`Settings.tuning.match_floor`: how close).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from bm25s.stopwords import STOPWORDS_EN_PLUS

from common.settings import Tuning
from ingest.word_vectors import WORD, Embed, WordVectors, stem_of, stems_of

# question words, pronouns and auxiliaries ("what", "how", "did", "you", "my"): rare in treaty
# text, so by IDF alone they would weigh most in a chatty question while saying nothing of its
# subject (BM25 keeps its short list: its index is the documents', not the questions'). "UN"
# qualifies a name in a question ("the UN protocol", "the UN crime commission"); as a rare word
# it outweighed the subject and was met by news text ("UN Member States"), while the treaties
# say "United Nations" (dev all facts .661 -> .678, core and test unchanged)
FUNCTION_WORDS = frozenset(STOPWORDS_EN_PLUS) | {"un"}


def words_of(text: str) -> list[str]:
    """The lower-cased words of a text, in order, repeats removed."""
    return list(dict.fromkeys(WORD.findall(text.lower())))


class QuestionWords:
    """A question's content words with their weights, ready to be looked for in sentences.

    A follow-up's own words pick the sentence; the conversation's words, however many, only add
    `tuning.context_share` (they locate the topic: retrieval and the meaning score lean on it).
    """

    def __init__(
        self,
        own: str,
        context: str,
        idf: Callable[[str], float],
        vectors: WordVectors,
        embed: Embed,
        tuning: Tuning,
        soft: bool = True,
    ) -> None:
        own_words = [w for w in words_of(own) if w not in FUNCTION_WORDS]
        context_words = [
            w for w in words_of(context) if w not in own_words and w not in FUNCTION_WORDS
        ]
        words = own_words + context_words
        stems = stems_of(words)
        kept = [
            (w, s, i < len(own_words))
            for i, (w, s) in enumerate(zip(words, stems, strict=True))
            if s
        ]
        weights: dict[str, float] = {}
        context_words: set[str] = set()
        self.stem: dict[str, str] = {}
        for word, stem, is_own in kept:
            if stem in self.stem.values():
                continue  # "request" and "requested" are one term
            weights[word] = idf(stem)
            self.stem[word] = stem
            if not is_own:
                context_words.add(word)
        own_total = sum(v for w, v in weights.items() if w not in context_words)
        context_total = sum(weights.values()) - own_total
        if own_total and context_total:  # each side its fixed share of the whole
            own_scale, context_scale = (
                (1 - tuning.context_share) / own_total,
                tuning.context_share / context_total,
            )
        else:
            own_scale = context_scale = 1 / (own_total + context_total or 1.0)
        self.share = {
            w: v * (context_scale if w in context_words else own_scale) for w, v in weights.items()
        }
        self.words = list(self.share)
        self._shares = np.array([self.share[w] for w in self.words])
        self._row_of_stem = {self.stem[w]: row for row, w in enumerate(self.words)}
        self.vectors = vectors
        self.soft = soft
        self.match_floor = tuning.match_floor
        # compared with a text's words when it is met, not with the whole vocabulary up front:
        # a pool holds a few thousand distinct words, a large corpus a hundred thousand
        self._vectors = (
            vectors.vectors_for(self.words, embed)
            if self.words and len(vectors.words)
            else np.zeros((len(self.words), 0), dtype=np.float32)
        )

    def meet(self, text: str, span: int) -> float:
        """The most of the question's words that any `span` running words of the text meet
        (0: no limit).

        A long sentence holds many words somewhere; the one that answers holds them close
        together ("migrants ... liable to criminal prosecution under this Protocol").
        """
        met = self._met(WORD.findall(text.lower()))
        if not span or met.shape[1] <= span:
            return float(met.max(axis=1, initial=0.0).sum())
        windows = np.lib.stride_tricks.sliding_window_view(met, span, axis=1)
        return float(windows.max(axis=2).sum(axis=0).max())

    def _met(self, words: list[str]) -> np.ndarray:
        """Question words × text words: the share of each question word each text word meets."""
        met = np.zeros((len(self.words), len(words)))
        if not self.words or not words:
            return met
        index = self.vectors.index
        known = [i for i, w in enumerate(words) if w in index]
        if known and self.soft:
            similar = self._vectors @ self.vectors.matrix[[index[words[i]] for i in known]].T
            floor = self.match_floor
            met[:, known] = self._shares[:, None] * np.clip((similar - floor) / (1 - floor), 0, 1)
        for column, word in enumerate(words):
            stem = self.vectors.stems[index[word]] if word in index else stem_of(word)
            row = self._row_of_stem.get(stem)
            if row is not None:
                met[row, column] = self._shares[row]
        return met

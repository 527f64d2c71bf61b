"""Soft word matching with the real model: lay words meet treaty words, unrelated words do not."""

from __future__ import annotations

import math

import pytest

from assistant.word_match import QuestionWords
from common.settings import Tuning
from ingest.word_vectors import WordVectors, up_to_date

TREATY = [
    "A State Party may board and search the vessel.",
    "Each State Party shall afford appropriate assistance to migrants whose lives or safety "
    "are endangered.",
]


def _question(embedder, question: str, context: str = "") -> QuestionWords:
    """A question's words, weighed alike, against vectors of the TREATY sentences' words."""
    vectors = WordVectors("test-model")
    vectors.extend(TREATY, embedder.get_text_embedding_batch)
    return QuestionWords(
        question, context, lambda stem: 1.0, vectors, embedder.get_text_embedding_batch, Tuning()
    )


def test_a_lay_word_partly_meets_a_treaty_word_and_a_shared_stem_meets_it_whole(embedder):
    def met(word: str, text: str) -> float:  # a one-word question: its word's whole share is 1
        return _question(embedder, word).meet(text, 0)

    assert met("searching", TREATY[0]) == 1.0  # same stem as "search"
    assert 0 < met("boat", TREATY[0]) < 1  # boat ~ vessel
    assert met("officers", "The weather in Vienna is mild.") == 0


def test_question_words_and_pronouns_weigh_nothing(embedder):
    """Rare in treaty text, "what", "did" and "you" would otherwise outweigh the subject."""
    words = _question(embedder, "what did you say about my boat, how and when?")
    assert list(words.share) == ["say", "boat"]
    # "UN" qualifies a name; the treaties say "United Nations", news texts "UN Member States"
    assert list(_question(embedder, "What counts as smuggling under the UN protocol?").share) == [
        "counts",
        "smuggling",
        "protocol",
    ]


def test_words_met_close_together_score_more_than_words_spread_over_a_long_text(embedder):
    words = _question(embedder, "Can officers search the vessel?")
    filler = " ".join(["the weather in Vienna was mild that day"] * 5)
    spread = f"Officers met in Vienna. {filler}. They later spoke of a search of the vessel."
    close = "Officers may search the vessel."
    assert words.meet(spread, 0) == words.meet(close, 0)  # both hold every word
    assert words.meet(spread, 20) < words.meet(close, 20) == words.meet(close, 0)


def test_a_follow_ups_context_counts_for_less_than_its_own_words(embedder):
    words = _question(embedder, "Who pays?", "Who pays? vessel search")
    assert words.share["pays"] > words.share["vessel"] > 0


def test_word_vectors_are_saved_per_model_and_only_new_words_are_embedded(embedder, tmp_path):
    path = tmp_path / "word-vectors.npz"
    calls: list[list[str]] = []

    def embed(words: list[str]) -> list[list[float]]:
        calls.append(words)
        return embedder.get_text_embedding_batch(words)

    first = up_to_date(path, "model-a", "v1", TREATY[:1], embed)
    assert "vessel" in first.index and "the" not in first.index  # stop words are left out
    again = up_to_date(path, "model-a", "v2", TREATY, embed)
    assert "endangered" in again.index
    assert not set(calls[1]) & set(calls[0])  # the second version embedded only its new words
    assert WordVectors.load(path, "model-b").words == []  # another model's vectors are not used
    path.write_bytes(b"not an npz file")
    assert WordVectors.load(path, "model-a").words == []


def test_a_questions_words_are_weighed_among_the_passages_nearest_it(assistant):
    """Beside thousands of speeches "smuggling" is rare store-wide; among the passages on the
    question's topic it is common, and the words that set the answer apart weigh more."""
    from assistant.retrieval import nearest_rows
    from ingest.terms import content_terms

    snapshot = assistant._snapshot
    question = "Can a navy board a boat suspected of smuggling migrants?"
    rows = nearest_rows(assistant.store, snapshot, assistant._embed(question), 20)
    assert len(set(rows)) == 20
    terms = [content_terms(snapshot.texts[row]) for row in rows]
    idf = snapshot.idf_among(rows)
    common = max({"smuggl", "migrant", "vessel"}, key=lambda t: sum(t in held for held in terms))
    held_by = sum(common in held for held in terms)
    assert held_by >= 10
    assert idf(common) == pytest.approx(math.log(1 + (20 - held_by + 0.5) / (held_by + 0.5)))
    assert idf("unheardofword") > idf(common)
    assert snapshot.idf_among([])("smuggl") == snapshot.idf("smuggl")  # no topic: store-wide

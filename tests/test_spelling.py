"""Typos are put right against the corpus's words; real words and names are left alone."""

from __future__ import annotations

from assistant.spelling import corrected

CORPUS = {"smuggling", "protocol", "understanding", "countries", "children", "trial", "trials"}
KNOWN = {"smuggling", "protocol", "trail", "fined", "the", "many"}


def test_a_word_one_edit_from_one_corpus_word_is_that_word():
    assert corrected("the smuglging protocol", CORPUS, KNOWN) == "the smuggling protocol"
    assert corrected("Understnading it", CORPUS, KNOWN) == "Understanding it"
    assert corrected("how many counrties and chilrden", CORPUS, KNOWN) == (
        "how many countries and children"
    )


def test_real_words_names_acronyms_and_ambiguous_typos_are_left_alone():
    for kept in ["a trail", "haulage", "Schengen", "UNODOC", "GLO.ACT", "trialz"]:
        assert corrected(kept, CORPUS, KNOWN) == kept  # "trialz": trial or trials


def test_without_the_models_words_nothing_is_corrected():
    assert corrected("the smuglging protocol", CORPUS, frozenset()) == "the smuglging protocol"

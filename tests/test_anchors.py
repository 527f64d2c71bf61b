"""Names a question pins down, and whether the corpus ever mentions them."""

from assistant.anchors import anchors, unknown
from ingest.acronyms import acronyms_of
from ingest.store import content_terms


def test_anchors_are_names_acronyms_and_years_not_grammar():
    question = (
        "Hey, can THEY be charged in Germany? What did the EU's envoy say in May 2021 at UNODC?"
    )
    assert anchors(question) == ["Germany", "EU", "UNODC", "2021"]


def test_the_corpus_knows_a_name_by_its_stem_or_an_acronym_by_its_words():
    corpus = "The European Union and Italy met at the United Nations Office in 2016."
    vocabulary = content_terms(corpus)
    acronyms = acronyms_of([corpus])
    names = ["Italy", "EU", "UN", "2016", "Italian", "UK", "2024", "Dhaka"]
    assert unknown(names, vocabulary, lambda: acronyms) == ["Italian", "UK", "2024", "Dhaka"]

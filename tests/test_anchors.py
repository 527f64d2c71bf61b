"""Names a question pins down, and whether the corpus ever mentions them."""

import re
from pathlib import Path

from assistant.anchors import anchors, asking_part, name_forms, unknown
from ingest.acronyms import acronyms_of, headings_spell, spelled_out
from ingest.terms import bm25_tokens, content_terms


def test_anchors_are_names_acronyms_and_years_not_grammar():
    question = (
        "Hey, can THEY be charged in Germany? What did the EU's envoy say in May 2021 at UNODC?"
    )
    assert anchors(question) == ["Germany", "EU", "UNODC", "2021"]


def test_a_placeholder_or_a_names_suffix_is_no_name():
    """ "Country X" in a prosecutor's hypothetical names no country the documents must mention,
    and "UNODC-led" names UNODC (an acronym, which passages may spell out)."""
    assert anchors("We seized passports issued by Country X. Can State B verify them?") == []
    assert anchors("Partners in UNODC-led work with Interpol-type bodies") == [
        "UNODC",
        "Interpol",
    ]
    assert anchors("the EU-UNODC plan and Italy") == ["EU-UNODC", "Italy"]


def test_an_office_is_no_name_but_the_name_after_it_is():
    """ "For the Minister:" and "My Director asks" say whom the asker writes for; the documents
    need not mention a minister for the question to be answered."""
    assert anchors("For the Minister: can migrants be punished for being smuggled?") == []
    assert anchors("My Director asks what the Ambassador of Italy said") == ["Italy"]
    assert anchors("What did Director Gazibo say in Vienna?") == ["Gazibo", "Vienna"]
    assert anchors("FYI for the Board, for Monday's meeting: what did Niger say?") == ["Niger"]


def test_a_name_starting_a_sentence_counts_when_a_capital_inside_marks_it():
    """ "EU-Turkey" opens the question, where a capital is grammar; its inner capital says it is
    a name all the same. "Khartoum" there cannot be told from "Explain"."""
    assert anchors("EU-Turkey deal 2016: how did its resettlement part work?") == [
        "EU-Turkey",
        "2016",
    ]
    assert anchors("IOM signed it. Khartoum agreed to what?") == ["IOM"]


def test_the_asking_part_leaves_out_the_sentences_that_set_the_scene():
    """Greece is where the asker works, not what they ask about; abbreviations ("No. 36",
    "U.S.") end no sentence, and a question with no question mark asks with all of it."""
    scene = "I work at a shelter in Greece. Is the state supposed to protect them?"
    assert asking_part(scene) == "Is the state supposed to protect them?"
    after = "Is Iraq one of the GLO.ACT Asia countries? I'm preparing a mission to Baghdad."
    assert asking_part(after) == "Is Iraq one of the GLO.ACT Asia countries?"
    lower = "our navy found a dinghy off Lesvos, full of people. what should we do?"
    assert asking_part(lower) == "what should we do?"
    numbered = "In General Comment No. 36, what did the U.S. delegation say? Tell me."
    assert asking_part(numbered) == "In General Comment No. 36, what did the U.S. delegation say?"
    request = "Book me a call with REDTRAM. Next Tuesday."
    assert asking_part(request) == request
    # a part cut before the next question ("..., and can they be charged?") has no "?" of its own
    cut = "Drivers talk over WhatsApp, no clear boss. Is that a 'structured group'"
    assert asking_part(cut) == "Is that a 'structured group'"
    assert anchors(asking_part(scene)) == []


def test_the_corpus_knows_a_name_by_its_stem_or_an_acronym_by_its_words():
    corpus = "The European Union and Italy met at the United Nations Office in 2016."
    vocabulary = content_terms(corpus)
    acronyms = acronyms_of([corpus])
    names = ["Italy", "EU", "UN", "2016", "Italian", "UK", "2024", "Dhaka", "Libyan", "NGOs"]
    unknowns = ["UK", "2024", "Dhaka", "Libyan", "NGOs"]
    assert unknown(names, vocabulary, lambda: acronyms) == unknowns


def test_an_acronym_skips_an_acronym_inside_the_name_and_spells_each_part_of_a_hyphenated_word():
    """The corpus writes "the Special Representative of the UN Secretary-General" and users
    write the SRSG; a name whose initials are not asked is still unknown."""
    corpus = "Remarks by the Special Representative of the UN Secretary-General on Violence."
    vocabulary, acronyms = content_terms(corpus), acronyms_of([corpus])
    assert unknown(["SRSG", "SRUSG", "SRG"], vocabulary, lambda: acronyms) == ["SRG"]


def test_an_acronym_the_question_spells_out_in_its_own_words_is_known_by_them():
    """The corpus writes "mutual legal assistance" and never "MLA"; a question that says both
    names nothing unknown, one that says only "MLA" still does."""
    corpus = (
        "States Parties shall afford one another the widest measure of mutual legal assistance."
    )
    vocabulary, acronyms = content_terms(corpus), acronyms_of([corpus])
    spelled = "We have a mutual legal assistance treaty: does the MLA article apply?"
    assert unknown(["MLA"], vocabulary, lambda: acronyms | spelled_out(spelled)) == []
    bare = "Does the MLA article apply?"
    assert unknown(["MLA"], vocabulary, lambda: acronyms | spelled_out(bare)) == ["MLA"]
    assert "MLA" in spelled_out("Mutual Legal Assistance") and "EU" not in spelled_out("every unit")


def test_an_adjective_of_nationality_names_its_country_and_a_plural_acronym_its_singular():
    """ "the Bangladeshi official" is about Bangladesh; "NGOs" are NGOs."""
    assert name_forms("Bangladeshi") == ["Bangladeshi", "Bangladesh"]
    vocabulary = content_terms("GLO.ACT works in Asia, Africa and Europe.")
    regions = ["Asian", "African", "European", "Latin"]
    assert unknown(regions, vocabulary, lambda: set()) == ["Latin"]
    assert name_forms("Libyan")[-1] == "Libya" and name_forms("Afghan")[-1] == "Afghanistan"
    assert name_forms("NGOs") == ["NGOs", "NGO"] and name_forms("NGO") == ["NGO", "NGOs"]
    assert name_forms("Latin") == ["Latin"] and name_forms("Schengen") == ["Schengen"]
    vocabulary = content_terms("A study on trafficking in Bangladesh, with NGO partners.")
    assert unknown(["Bangladeshi", "NGOs", "Nepali"], vocabulary, lambda: set()) == ["Nepali"]
    # "Our NGO ..." was refused as naming something a corpus writing only "NGOs" never mentions
    plural = content_terms("States shall cooperate with NGOs and civil society.")
    assert unknown(["NGO", "TIP"], plural, lambda: set()) == ["TIP"]


def test_short_month_names_and_the_word_id_are_not_names():
    question = "Did the Dec 2021 session say what counts as a fake ID? Which IDs count?"
    assert anchors(question) == ["2021"]


def test_a_texts_content_terms_are_its_bm25_tokens():
    """`content_terms` tokenizes on its own for speed; it must see what BM25 sees."""
    corpus = Path(__file__).resolve().parent.parent / "corpus"
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(corpus.rglob("*.txt")))
    pieces = [p for p in re.split(r"(?<=[.;:!?])\s+", text) if p.strip()]
    pieces += ["Côte d’Ivoire's €12 million", "A/70/PV.22 e-mail don't", "ÉTATS-UNIS 1,826"]
    assert len(pieces) > 1000
    assert [content_terms(p) for p in pieces] == [set(t) for t in bm25_tokens(pieces)]


def test_instrument_headings_spell_acronyms_in_any_case():
    """Article 18's heading "Mutual legal assistance" and the Trafficking Protocol's title
    spell MLA and TIP, which users write and the text never does."""
    spelled = headings_spell(
        [
            "Article 18 — Mutual legal assistance, paras. 1–3",
            "Protocol to Prevent, Suppress and Punish Trafficking in Persons",
        ]
    )
    assert {"MLA", "TIP"} <= spelled
    assert "MLA" not in acronyms_of(["Article 18 — Mutual legal assistance, paras. 1–3"])

"""What users type is read in the words and case the engine reads (assistant/typed.py)."""

from __future__ import annotations

from assistant.typed import as_read, sentence_cased, spelled_out, tidied


def test_chat_shorthand_becomes_the_words_the_documents_use():
    assert spelled_out("how r the protocols meant to be read w/ the convention?") == (
        "how are the protocols meant to be read with the convention?"
    )
    assert spelled_out("how many yrs? can govts help smuggled ppl b/c of it") == (
        "how many years? can governments help smuggled people because of it"
    )


def test_names_and_ordinary_words_are_left_as_written():
    for kept in ["R v Appulonappa (2015)", "U.S. law", "ppl's rights", "a wat-like word", "user"]:
        assert spelled_out(kept) == kept


def test_a_question_in_headline_case_or_capitals_is_read_in_lower_case():
    assert sentence_cased("What Does The Smuggling Protocol Say About Prosecuting Migrants?") == (
        "what does the smuggling protocol say about prosecuting migrants?"
    )
    assert sentence_cased("What Did UNODC Say At The GLO.ACT Launch In Vienna?") == (
        "what did UNODC say at the GLO.ACT launch in vienna?"
    )
    assert sentence_cased("CAN MIGRANTS BE PUNISHED FOR BEING SMUGGLED?") == (
        "can migrants be punished for being smuggled?"
    )
    assert as_read("HOW R THEY PUNISHED FOR IT?") == "how are they punished for it?"


def test_names_in_an_ordinary_question_keep_their_capitals():
    for kept in [
        "What's on page 45 of UNODC's Issue Paper on Smuggling of Migrants by Sea?",
        "Summary of the Protocol Against the Smuggling of Migrants by Land, Sea and Air",
        "What does Joint General Comment No. 4 (CMW) / No. 23 (CRC) say?",
        "URGENT: can migrants be punished? Is Country A bound?",
    ]:
        assert sentence_cased(kept) == kept


def test_what_chat_and_phones_add_around_a_question_is_taken_off():
    assert tidied("Hi! Who has ratified it?? Thanks!") == "Who has ratified it?"
    assert tidied("hey, what came out of it thx") == "what came out of it?"
    assert tidied("Q: is it binding?!") == "is it binding?"
    assert tidied('"Who has ratified the trafficking protocol?"') == (
        "Who has ratified the trafficking protocol?"
    )
    assert tidied("when’s the next session? 🙏") == "when's the next session?"


def test_a_question_typed_without_its_question_mark_gets_one():
    assert tidied("who has ratified the trafficking protocol") == (
        "who has ratified the trafficking protocol?"
    )
    assert tidied("ok but if they refuse, do we have to stick to it") == (
        "ok but if they refuse, do we have to stick to it?"
    )


def test_a_topic_a_request_and_quoted_terms_are_left_as_typed():
    for kept in [
        "smuggling by sea",
        "tell me about GLO.ACT",
        "Book me a call with the secretariat.",
        'What is "illegal entry"? And "smuggling"?',
        "Please list the parties",
        "which nine? list pls",
        "how many has it trained? rough number is fine",
        "how do they define it? whats the core difference",
    ]:
        assert tidied(kept) == kept

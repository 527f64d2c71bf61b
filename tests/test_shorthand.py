"""Chat shorthand is spelled out before a question is read (assistant/shorthand.py)."""

from __future__ import annotations

from assistant.shorthand import spelled_out


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

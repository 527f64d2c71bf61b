from ingest.cleaning import clean


def test_joins_pdf_hyphenation_and_wrapped_lines():
    text = (
        "The smuggling of mi-\ngrants is a crime that\naffects every country.\n\n1. Next paragraph."
    )
    assert clean(text, from_pdf=True) == (
        "The smuggling of migrants is a crime that affects every country.\n\n1. Next paragraph."
    )


def test_drops_repeated_title_and_reading_banner():
    title = "New tools to support the Protocol"
    text = f"You are reading: {title} {title}\n18 May 2021 | Event\n{title}\n\nBody text here."
    cleaned = clean(text)
    assert cleaned.count(title) == 1
    assert "You are reading" not in cleaned


def test_drops_trailing_advertisement_but_keeps_content():
    text = (
        "CCPCJ sessions are held annually.\n\n"
        "This story is reprinted from the United Nations Office on Drugs and Crime.\n\n"
        "PBJ Learning is a leading provider of human trafficking training.\n\n"
        "More stories like this can be found in your Knowledge Vault."
    )
    assert clean(text) == "CCPCJ sessions are held annually."


def test_normalises_whitespace_and_invisible_characters_but_keeps_quotes_and_footnotes():
    text = "Migrants\u00a0shall   not\u200b be “liable”¹\r\n\r\n\r\n\r\nNext"
    assert clean(text) == "Migrants shall not be “liable”¹\n\nNext"


def test_strips_markdown_emphasis_and_bullet_glyphs():
    assert clean("**SDG 10:** ■10.7: Facilitate *orderly* migration") == (
        "SDG 10: 10.7: Facilitate orderly migration"
    )

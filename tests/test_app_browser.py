"""The app end to end in a real browser: Debian's chromium driven by Playwright (no browser download).

Asks a question, sees `[1]` and the quote in the sources panel, follows a citation link, asks a
follow-up, rates an answer, applies a filter, exports a briefing note and reads its DOCX text, and
saves screenshots at laptop and phone widths to /tmp/palermo-shots/.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.test_app import launch

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(os.environ.get("PALERMO_SHOTS", "/tmp/palermo-shots"))
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 30_000


def _require_browser() -> None:
    """Skip on a developer machine without chromium; in CI (`make test` installs it) fail."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright (pip install -e '.[dev]')")
    if missing:
        message = "browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def app_url(assistant: Any, corpus_settings: Any) -> Iterator[str]:
    _require_browser()
    demo, url = launch(assistant, corpus_settings)
    yield url
    demo.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory(prefix="palermo-chromium-") as profile,
        sync_playwright() as playwright,
    ):
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport={"width": 1366, "height": 900},
            accept_downloads=True,
        )
        context.set_default_timeout(WAIT_MS)
        try:
            yield context
        finally:
            context.close()


def bot_texts(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        "#chat .message-row.bot-row", "els => els.map(e => e.innerText)"
    )


def ask(page: Any, question: str, answers_before: int, unfold: bool = True) -> str:
    """Type a question, press Enter and wait until its answer has finished streaming; its
    text, with the quotes folded under it opened first unless `unfold` is False (what the
    answer holds; what shows before a click is checked on its own)."""
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function(
        """([n]) => {
            const rows = document.querySelectorAll('#chat .message-row.bot-row');
            return rows.length > n && !rows[n].innerText.includes('Searching the documents');
        }""",
        arg=[answers_before],
        timeout=WAIT_MS,
    )
    deadline = time.monotonic() + WAIT_MS / 1000
    last = None
    while time.monotonic() < deadline:  # done when the text stops changing
        page.wait_for_timeout(350)
        text = bot_texts(page)[answers_before]
        if text == last:
            break
        last = text
    else:
        raise AssertionError(f"the answer to {question!r} never settled")
    if not unfold:
        return last
    reply = page.locator("#chat .message-row.bot-row").nth(answers_before)
    folds = reply.locator(".thought-group")
    for n in range(folds.count()):
        folds.nth(n).locator(".title").click()
    page.wait_for_timeout(300)
    return bot_texts(page)[answers_before]


def test_chat_sources_follow_up_filter_and_briefing_note_in_a_real_browser(app_url, browser):
    from docx import Document

    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    outside, errors = _watched(page)
    page.goto(app_url)
    page.wait_for_selector("#question textarea")
    page.wait_for_selector("#chat button.example")  # example questions on first open
    page.screenshot(path=str(SHOTS / "01-start-1366.png"))

    # a question: an answer with [1] and the quote highlighted in the sources panel
    first = ask(page, "What is GLO.ACT Asia and the Middle East?", 0)
    assert "[1]" in first
    page.wait_for_selector("#sources .source mark")
    quote = page.inner_text("#sources #src-0-1 mark")
    assert quote and " ".join(quote.split())[:40] in " ".join(first.split())
    meta = page.inner_text("#sources #src-0-1 .meta")
    assert "·" in meta  # publisher · date · section

    # the marker is a link to its source, which is brought into view and flagged
    page.click("#chat a.cite[href='#src-0-1']")
    page.wait_for_selector("#src-0-1.flash")

    # a follow-up resolved from this conversation
    second = ask(page, "Which countries does it cover?", 1)
    assert "Afghanistan" in second
    assert len(page.query_selector_all("#chat .message-row.user-row")) == 2

    # a thumbs-up on the first answer is stored; the rating panel opens for a comment
    page.locator("#chat .message-row.bot-row").first.hover()
    page.locator("#chat button[aria-label='Like']").first.click()
    page.wait_for_function(
        "() => document.querySelector('#feedback').innerText.includes('rating of answer 1 is saved')"
    )

    # a filter: only news items
    page.click("#filters >> text=Filters")
    page.click("#filter-kinds label:has-text('news')")
    third = ask(page, "What did the CCPCJ discuss in December 2021?", 2)
    assert "[1]" in third
    badges = page.eval_on_selector_all("#sources .badge", "els => els.map(e => e.innerText)")
    assert badges and set(badges) == {"news"}
    page.locator("#sources").scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / "02-answer-1366.png"))
    page.screenshot(path=str(SHOTS / "03-answer-1366-full.png"), full_page=True)

    # the briefing note: DOCX text holds each question, the quotes and their full citations
    page.click("#export-note")
    link = page.wait_for_selector("#note-files a[download$='.docx']")
    body = page.request.get(link.get_attribute("href")).body()
    text = "\n".join(p.text for p in Document(io.BytesIO(body)).paragraphs)
    assert "What is GLO.ACT Asia and the Middle East?" in text
    assert "Which countries does it cover?" in text and "Afghanistan" in text
    assert re.search(r"Notes\n1\. .+\. .+Characters \d+–\d+\.", text)
    assert "Sources" in text

    assert _narrow_overflow(page) <= 1  # a narrow screen: the columns stack
    assert outside == [], f"the page reached outside loopback: {outside}"
    assert errors == [], errors
    page.close()


def _watched(page) -> tuple[list[str], list[str]]:
    """The page's requests beyond loopback and its script errors, collected as they happen."""
    outside: list[str] = []
    errors: list[str] = []
    page.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if urlparse(r.url).hostname not in (None, "127.0.0.1", "localhost")
            and not r.url.startswith(("data:", "blob:"))
            else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    return outside, errors


def _narrow_overflow(page) -> int:
    """How far a 420-pixel-wide page overflows sideways (screenshots kept for review)."""
    page.set_viewport_size({"width": 420, "height": 900})
    page.wait_for_timeout(500)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / "04-narrow-420.png"))
    page.screenshot(path=str(SHOTS / "05-narrow-420-full.png"), full_page=True)
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_example_question_and_corpus_page(app_url, browser):
    page = browser.new_page()
    page.goto(app_url)
    page.click("#chat button.example >> nth=0")  # an example question answers at once
    page.wait_for_selector("#chat .message-row.bot-row a.cite")
    assert "Can smuggled migrants be prosecuted" in page.inner_text("#chat .message-row.user-row")
    page.click("button[role='tab']:has-text('Corpus')")
    page.wait_for_selector("#documents table")
    table = page.inner_text("#documents")
    assert "smuggling-protocol" in table and "untoc" in table
    assert page.is_visible("#upload-files") and page.is_visible("#remove")
    page.screenshot(path=str(SHOTS / "06-corpus-1366.png"), full_page=True)
    page.close()


def test_lay_questions_a_briefing_request_and_a_near_miss_in_a_real_browser(app_url, browser):
    """Questions as a policymaker types them: a briefing request in plain words is answered from
    the documents with citations; a near miss about a law the documents never cover is refused,
    saying why, with the nearest passages marked as not answering; how two terms differ is
    answered with the definition of each."""
    page = browser.new_page()
    page.goto(app_url)
    page.wait_for_selector("#question textarea")

    brief = ask(
        page, "need a quick summary of GLO.ACT for a briefing note - who runs it and where?", 0
    )
    assert "[1]" in brief and "do not answer" not in brief
    page.wait_for_selector("#sources .source mark")
    assert "European Union" in brief and "UNODC" in brief

    near_miss = ask(page, "What prison sentence do smugglers get under German law?", 1)
    assert "do not answer" in near_miss and "never mention German" in near_miss
    page.wait_for_function(
        "() => document.querySelector('#sources').innerText.includes('Related — does not answer')"
    )
    assert not page.query_selector_all("#sources .source:not(.related)")

    # the question people ask most in this field: answered with both definitions, which open
    # the answer; the context it was widened by is folded under one line, opened by a click,
    # and the markers inside the fold link to their sources like the others
    shown = " ".join(ask(page, "How does smuggling differ from trafficking?", 2, False).split())
    assert '"Smuggling of migrants" shall mean' in shown
    assert '"Trafficking in persons" shall mean' in shown
    reply = page.locator("#chat .message-row.bot-row").nth(2)
    fold = reply.locator(".thought-group")
    assert fold.count() == 1
    title = fold.locator(".title").inner_text()
    assert re.fullmatch(r"\d+ more quotes? from the sources \(\d+ words\)", title.strip())
    markers = reply.locator("a.cite").count()
    fold.locator(".title").click()
    page.wait_for_function(
        "([n]) => document.querySelectorAll('#chat .message-row.bot-row')[2]"
        ".querySelectorAll('a.cite').length > n",
        arg=[markers],
    )
    reply.locator("a.cite").last.click()
    page.wait_for_selector("#sources .source.flash")
    page.screenshot(path=str(SHOTS / "07-lay-questions-1366.png"), full_page=True)
    page.close()

"""The app through its API with `gradio_client`: answers with sources, follow-ups, separate
sessions, filters, refusals, feedback, briefing notes, uploads and clear error messages."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from common.settings import Settings
from evals.load import client, free_port, reply_of, text_of
from tests.fixtures import make_pdf

TIMEOUT = 90


class Recording:
    """An Assistant wrapper that records what the app asked (to check history and filters)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[tuple[str, list[dict[str, str]], Any]] = []
        self._lock = threading.Lock()

    def ask(self, question: str, history: Any = (), filters: Any = None) -> Any:
        with self._lock:
            self.calls.append((question, list(history), filters))
        return self.inner.ask(question, history, filters)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def launch(assistant: Any, settings: Settings) -> tuple[Any, str]:
    """Start the app on a free loopback port in this process; returns (app, url)."""
    import app as palermo_app

    demo = palermo_app.build_app(assistant, settings).queue(default_concurrency_limit=4)
    port = free_port()
    demo.launch(
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        quiet=True,
        **palermo_app.launch_options(settings),
    )
    return demo, f"http://127.0.0.1:{port}/"


def ask(session: Any, question: str, **filters: Any) -> tuple[list[dict[str, Any]], str]:
    """Ask through the API; returns the conversation's messages and the sources panel."""
    result = session.submit(
        question,
        filters.get("docs", []),
        filters.get("publishers", []),
        filters.get("kinds", []),
        filters.get("year_from"),
        filters.get("year_to"),
        api_name="/ask",
    ).result(timeout=TIMEOUT)
    return result[0], result[2]


@pytest.fixture(scope="module")
def recording(assistant: Any) -> Recording:
    return Recording(assistant)


@pytest.fixture(scope="module")
def app_url(recording: Recording, corpus_settings: Settings) -> Iterator[str]:
    demo, url = launch(recording, corpus_settings)
    yield url
    demo.close()


def test_answer_streams_with_markers_and_quotes_in_the_sources_panel(app_url, no_outside_network):
    session = client(app_url)
    job = session.submit(
        "Can smuggled migrants be prosecuted under the Protocol?",
        [],
        [],
        [],
        None,
        None,
        api_name="/ask",
    )
    messages, _, panel, *_ = job.result(timeout=TIMEOUT)
    assert len(job.outputs()) > 2  # a placeholder, then the answer as it forms
    answer = reply_of(messages)
    assert "[1]" in answer and "Traceback" not in answer
    assert 'id="src-0-1"' in panel or "id='src-0-1'" in panel
    assert "<mark>" in panel and "Article 5" in panel and "2000-11-15" in panel
    assert "shall not become liable to criminal prosecution" in panel
    assert no_outside_network == []


def test_follow_up_uses_this_conversation_and_sessions_stay_apart(app_url, recording):
    first, second = client(app_url), client(app_url)
    with ThreadPoolExecutor(2) as pool:
        a = pool.submit(ask, first, "What is GLO.ACT Asia and the Middle East?")
        b = pool.submit(ask, second, "What is the purpose of the Smuggling of Migrants Protocol?")
        a.result(), b.result()
        a = pool.submit(ask, first, "Which countries does it cover?")
        b = pool.submit(ask, second, "Which acts must States criminalize under it?")
        (first_messages, _), (second_messages, _) = a.result(), b.result()

    first_questions = [text_of(m) for m in first_messages if m["role"] == "user"]
    second_questions = [text_of(m) for m in second_messages if m["role"] == "user"]
    assert first_questions == [
        "What is GLO.ACT Asia and the Middle East?",
        "Which countries does it cover?",
    ]
    assert second_questions == [
        "What is the purpose of the Smuggling of Migrants Protocol?",
        "Which acts must States criminalize under it?",
    ]
    assert "Afghanistan" in reply_of(first_messages)
    histories = {q: h for q, h, _ in recording.calls}
    first_history = " ".join(t["content"] for t in histories["Which countries does it cover?"])
    second_history = " ".join(
        t["content"] for t in histories["Which acts must States criminalize under it?"]
    )
    assert "GLO.ACT" in first_history and "Smuggling of Migrants Protocol?" not in first_history
    assert "purpose of the Smuggling" in second_history and "GLO.ACT Asia" not in second_history


def test_filters_reach_retrieval_and_the_sources(app_url, recording):
    session = client(app_url)
    messages, panel = ask(session, "What is GLO.ACT?", kinds=["news"], year_from=2016)
    _, _, filters = recording.calls[-1]
    assert filters.kinds == ["news"] and filters.year_from == 2016
    assert "[1]" in reply_of(messages)
    badges = set(panel.split('<span class="badge">')[1:])
    assert badges and all(b.startswith("news<") for b in badges)
    messages, panel = ask(session, "What does article 6 require?", docs=["smuggling-protocol"])
    assert recording.calls[-1][2].doc_ids == ["smuggling-protocol"]
    assert "Protocol against the Smuggling of Migrants" in panel and "Convention against" not in (
        panel.replace("supplementing the United Nations Convention against", "")
    )
    asked = len(recording.calls)
    messages, _ = ask(session, "What is GLO.ACT?", year_from=2021, year_to=2012)
    assert "The years run backwards: from 2021 to 2012" in reply_of(messages)
    assert len(recording.calls) == asked  # not asked with filters that match nothing


def test_refusal_says_so_and_marks_related_passages(app_url):
    messages, panel = ask(client(app_url), "Who won the 2018 football World Cup?")
    assert "do not answer" in reply_of(messages)
    assert "do not answer this question" in panel
    assert 'class="source related"' in panel and "Related — does not answer" in panel


def test_feedback_is_stored_and_exported_as_eval_cases(app_url, corpus_settings, tmp_path):
    from cli import main
    from evals.sets import load_set

    session = client(app_url)
    question = "Who delivers GLO.ACT together with UNODC?"
    ask(session, question)
    refusal = "What will the weather be in Vienna tomorrow?"
    ask(session, refusal)
    status = session.submit(0, "Helpful", "", api_name="/feedback").result(timeout=TIMEOUT)
    assert "saved" in status[0] if isinstance(status, (list, tuple)) else "saved" in status
    session.submit(1, "Not helpful", "Sunny, 24 °C", api_name="/feedback").result(timeout=TIMEOUT)
    # changing one's mind updates the same rating instead of adding another
    session.submit(
        1, "Not helpful", "It should refuse: no forecasts here", api_name="/feedback"
    ).result(timeout=TIMEOUT)
    out = tmp_path / "feedback.jsonl"
    assert (
        main(["--store", str(corpus_settings.home), "feedback", "export", "--out", str(out)]) == 0
    )
    cases = {c.question: c for c in load_set(out)}
    up = cases[question]
    assert up.answerable and up.reference and "[1]" not in up.reference
    assert up.evidence and "feedback" in up.tags and "thumbs-up" in up.tags
    down = [json.loads(line) for line in out.read_text().splitlines()]
    down = [c for c in down if c["question"] == refusal]
    assert len(down) == 1 and down[0]["reference"] == "It should refuse: no forecasts here"
    assert down[0]["answerable"] is True and down[0]["evidence"] == []
    assert "needs-review" in down[0]["tags"] and down[0]["rated_refused"] is True


def test_briefing_note_export_from_the_conversation(app_url):
    from docx import Document

    session = client(app_url)
    ask(session, "Which countries does GLO.ACT Asia and the Middle East cover?")
    ask(session, "Who won the 2018 football World Cup?")
    files, status = session.submit("GLO.ACT note", [], api_name="/export_note").result(
        timeout=TIMEOUT
    )
    paths = files["value"] if isinstance(files, dict) else files
    paths = [p["path"] if isinstance(p, dict) else p for p in paths]
    docx_path = next(Path(p) for p in paths if str(p).endswith(".docx"))
    md_path = next(Path(p) for p in paths if str(p).endswith(".md"))
    text = "\n".join(p.text for p in Document(str(docx_path)).paragraphs)
    assert "GLO.ACT note" in text and "Which countries does GLO.ACT" in text
    assert "Afghanistan" in text and "Notes" in text and "Sources" in text
    assert "The documents in the corpus do not answer this." in text
    markdown = md_path.read_text(encoding="utf-8")
    assert "[^1]" in markdown and "[^1]: " in markdown and "2 questions" in status


def test_note_folders_are_removed_once_served_and_at_exit():
    """Gradio serves an exported note from its own cache, so the app's own copy is removed at a
    later export once old enough, and every one when the process exits."""
    from ui.briefing import NoteFolders

    folders = NoteFolders(keep=0.0)
    first = folders.new()
    (first / "note.md").write_text("x", encoding="utf-8")
    second = folders.new()
    assert not first.exists() and second.is_dir()
    kept = NoteFolders(keep=3600.0)
    recent = [kept.new(), kept.new()]
    assert all(folder.is_dir() for folder in recent)
    kept.clear()  # what the process's exit does
    folders.clear()
    assert not any(folder.exists() for folder in [*recent, second])


def test_new_conversation_clears_this_session_only(app_url):
    session = client(app_url)
    ask(session, "What is GLO.ACT?")
    session.submit(api_name="/new_conversation").result(timeout=TIMEOUT)
    messages, _ = ask(session, "What does the Protocol say about migrants' rights?")
    asked = [text_of(m) for m in messages if m["role"] == "user"]
    assert asked == ["What does the Protocol say about migrants' rights?"]
    assert messages[0]["role"] == "user" and reply_of(messages)


# ---- a fresh, empty index: the empty-store message, uploads and removal --------------------------

GOOD = "\n\n".join(
    [
        "Harbour Watch Initiative",
        "The Harbour Watch Initiative was launched in March 2024 by the Coastal Cooperation Office in Valletta to improve the rescue of migrants at sea and the investigation of smuggling networks that operate from small ports. The initiative brings together 42 partner agencies from Mediterranean countries, including coast guards, port authorities and prosecutors.",
        "Its main activity is a shared training course on the identification of vessels used for the smuggling of migrants by sea, combined with joint exercises that teach officers how to protect the rights of the people on board. The Coastal Cooperation Office reports that more than 600 officers completed the course in its first year, and that evaluations will be published in 2026.",
    ]
)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any, Settings]]:
    from assistant import Assistant

    settings = Settings(home=tmp_path_factory.mktemp("fresh-home"), max_file_mb=1)
    assistant = Assistant.open(settings)
    demo, url = launch(assistant, settings)
    yield url, assistant, settings
    demo.close()


def test_empty_index_upload_good_and_bad_files_then_remove(fresh, tmp_path):
    from gradio_client import handle_file

    url, assistant, settings = fresh
    session = client(url)
    messages, _ = ask(session, "What is the Harbour Watch Initiative?")
    reply = reply_of(messages)
    assert "index is empty" in reply and "Corpus tab" in reply and "Traceback" not in reply

    good = tmp_path / "Harbour Watch (draft) note.txt"
    good.write_text(GOOD, encoding="utf-8")
    broken = tmp_path / "broken.pdf"
    whole = make_pdf(tmp_path / "whole.pdf", [["The Harbour Watch Initiative"]]).read_bytes()
    broken.write_bytes(whole[:80])  # a truncated PDF
    result = session.submit(
        [handle_file(str(good)), handle_file(str(broken))], api_name="/upload"
    ).result(timeout=TIMEOUT)
    status, table = result[0], result[-1]
    assert "Indexed: harbour-watch-draft-note" in status
    assert "broken.pdf" in status and "Not indexed" in status
    rows = table["value"]["data"] if "value" in table else table["data"]
    assert [r[0] for r in rows] == ["harbour-watch-draft-note"]
    assert (settings.home / "uploads" / "Harbour_Watch_draft_note.txt").is_file()
    assert not (settings.home / "uploads" / "broken.pdf").exists()

    messages, panel = ask(session, "Which office launched the Harbour Watch Initiative?")
    assert "Coastal Cooperation Office" in reply_of(messages) and "[1]" in reply_of(messages)
    assert "Harbour Watch" in panel

    result = session.submit("harbour-watch-draft-note", api_name="/remove").result(timeout=TIMEOUT)
    assert "Removed 'harbour-watch-draft-note'" in result[0]
    assert assistant.documents() == []
    assert not (settings.home / "uploads" / "Harbour_Watch_draft_note.txt").exists()


def test_upload_refuses_disallowed_types_and_sizes_and_can_be_turned_off(fresh, tmp_path):
    from assistant.library import Library, UploadsDisabledError, safe_filename

    _, assistant, settings = fresh
    library = Library(assistant, settings)
    program = tmp_path / "setup.exe"
    program.write_bytes(b"MZ" + b"\0" * 100)
    big = tmp_path / "big.txt"
    big.write_text("word " * 300_000, encoding="utf-8")  # 1.5 MB, over the 1 MB limit
    report = library.add([program, big])
    assert not report.ok and not report.added
    assert any("setup.exe: unsupported file type '.exe'" in r for r in report.refused)
    assert any("big.txt" in r and "over the 1 MB limit" in r for r in report.refused)
    assert safe_filename("../../etc/pass wd.TXT") == "pass_wd.txt"
    assert safe_filename("..\\..\\.hidden.md") == "hidden.md"
    assert safe_filename("???.pdf") == "document.pdf"
    closed = Library(assistant, settings.model_copy(update={"allow_upload": False}))
    with pytest.raises(UploadsDisabledError):
        closed.add([big])
    with pytest.raises(UploadsDisabledError):
        closed.remove("anything")


def test_a_failing_backend_shows_a_clear_message(corpus_settings):
    class Broken:
        settings = corpus_settings
        store = None

        def documents(self) -> list:
            return []

        def refresh(self) -> None:
            pass

        def ask(self, *args: Any, **kwargs: Any) -> Any:
            raise ConnectionError("Chroma server at http://127.0.0.1:1 is unreachable")

    demo, url = launch(Broken(), corpus_settings)
    try:
        messages, _ = ask(client(url), "What is GLO.ACT?")
    finally:
        demo.close()
    reply = reply_of(messages)
    assert "could not answer just now" in reply and "unreachable" in reply
    assert "Traceback" not in reply and 'File "' not in reply


def test_a_question_without_words_is_told_to_use_words_not_answered(corpus_settings):
    class Unasked:
        settings = corpus_settings
        store = None
        asked: list[str] = []

        def documents(self) -> list:
            return []

        def refresh(self) -> None:
            pass

        def ask(self, question: str, *args: Any, **kwargs: Any) -> Any:
            self.asked.append(question)
            raise AssertionError("a question of punctuation alone reached the engine")

    assistant = Unasked()
    demo, url = launch(assistant, corpus_settings)
    try:
        messages, _ = ask(client(url), " ? ")
    finally:
        demo.close()
    assert "Type a question in words" in reply_of(messages)
    assert assistant.asked == []


def test_login_and_analytics_settings_reach_the_server(corpus_settings, no_outside_network):
    from gradio_client import Client

    from cli import main

    class Idle:
        settings = corpus_settings

        def documents(self) -> list:
            return []

    settings = corpus_settings.model_copy(update={"auth": "analyst:s3cret", "allow_upload": False})
    demo, url = launch(Idle(), settings)
    try:
        assert demo.analytics_enabled is False
        assert demo.local_url.startswith("http://127.0.0.1:")
        with pytest.raises(Exception):  # noqa: B017 - the client cannot even read the API
            Client(url, analytics_enabled=False, verbose=False)
        logged_in = Client(url, auth=("analyst", "s3cret"), analytics_enabled=False, verbose=False)
        assert (
            "/ask" in logged_in.view_api(print_info=False, return_format="dict")["named_endpoints"]
        )
    finally:
        demo.close()
    assert no_outside_network == []
    assert main(["--store", str(corpus_settings.home), "serve", "--auth", "nocolon"]) == 2

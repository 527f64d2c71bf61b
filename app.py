"""The Gradio app: a conversation beside the sources it cites, with filters, feedback, briefing
notes and a corpus page.

Per-user data lives only in Gradio session state (`gr.State`) and component values, so every
browser session has its own conversation. The objects all sessions share — the Assistant, the
corpus Library and the feedback store — keep no conversation state.

The views live in `ui/`, one module per thing shown; this module lays them out on one page and
wires their events (in a fixed order), and serves the app.
"""

from __future__ import annotations

import logging
import signal
from typing import Any

from common.settings import Settings, quiet_network_env

quiet_network_env()  # before gradio reads its analytics switch

import gradio as gr  # noqa: E402

from assistant.feedback import FeedbackStore, settings_snapshot  # noqa: E402
from assistant.library import Library  # noqa: E402
from ui import briefing, chat, corpus_page, feedback, sources  # noqa: E402
from ui.filters import catalog, filter_box  # noqa: E402
from ui.theme import CSS, HEAD  # noqa: E402

TITLE = "Palermo — migrant smuggling research assistant"
INTRO = (
    "## Palermo\nAsk about the Smuggling of Migrants Protocol, its sister instruments and "
    "UN/UNODC work such as GLO.ACT. Every answer quotes its sources, shown beside the "
    "chat; when the documents do not answer, Palermo says so."
)


def build_app(assistant: Any, settings: Settings | None = None) -> Any:
    """The Blocks app around one shared Assistant (per-user state only in session state)."""
    settings = settings or assistant.settings
    library = Library(assistant, settings)
    store = FeedbackStore.for_settings(settings)
    snapshot = settings_snapshot(settings)
    from assistant.llm import LLMSettings

    llm_settings = LLMSettings.from_settings(settings)
    conversation = chat.Conversation(assistant, store)
    ratings = feedback.Ratings(store, snapshot)
    corpus = corpus_page.CorpusPage(assistant, library)

    docs, publishers, kinds, years = catalog(assistant)
    with gr.Blocks(title=TITLE, analytics_enabled=False, fill_width=True) as app:
        turns = gr.State([])
        gr.Markdown(INTRO)
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                with gr.Row(equal_height=False):
                    column = chat.chat_column(settings, llm_settings)
                    panel = sources.sources_column()
                # below the chat and its sources, so that on a phone the sources come first
                with gr.Row(equal_height=False):
                    filters = filter_box(docs, publishers, kinds, years)
                    rate = feedback.feedback_box()
                    note_title, note_pick = briefing.note_options()
            with gr.Tab("Corpus", id="corpus"):
                tab = corpus_page.corpus_tab(library, settings, docs)

        answer_outputs = [column.chat, column.question, panel, turns, rate.pick, note_pick]
        chat.wire_answers(column, turns, filters.inputs(), answer_outputs, conversation.respond)
        sources.wire(column.chat, turns, panel)
        feedback.wire(rate, ratings, column.chat, turns)
        briefing.wire(
            column.export, note_title, note_pick, turns, column.note_files, column.note_status
        )
        reset_outputs = [column.chat, turns, panel, column.question, rate.pick, note_pick]
        chat.wire_reset(column, [*reset_outputs, column.note_files, column.note_status])
        corpus_page.wire(app, tab, corpus, filters)
    return app


def launch_options(settings: Settings, auth: str = "") -> dict[str, Any]:
    """`launch()` arguments shared by `serve` and the tests: theme, CSS, script, limits, login."""
    login = auth or settings.auth
    return {
        "auth": tuple(login.split(":", 1)) if login else None,
        "css": CSS,
        "head": HEAD,
        "theme": gr.themes.Soft(
            font=[gr.themes.LocalFont("IBM Plex Sans"), "system-ui", "sans-serif"]
        ),
        "show_error": False,
        "share": False,
        "ssr_mode": False,
        "max_file_size": int(settings.max_file_mb * 1_000_000),
        "footer_links": ["api", "settings"],
        "run_history": False,  # never keep conversations in the browser of a shared machine
    }


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, auth: str = "") -> None:
    """Open the assistant and serve the app until interrupted (loopback unless told otherwise)."""
    quiet_network_env()
    from assistant.service import Assistant

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # gradio's own health checks
    assistant = Assistant.open(settings)
    app = build_app(assistant, settings).queue(default_concurrency_limit=4)
    # a service manager stops the app with SIGTERM, on which no exit hook runs: closed as on
    # Ctrl-C instead, the app removes its briefing-note folders and stops a local model's server
    signal.signal(signal.SIGTERM, _interrupted)
    app.launch(server_name=host, server_port=port, **launch_options(settings, auth))


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    serve(Settings())

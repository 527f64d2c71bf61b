"""The Gradio chat app: a conversation beside the sources it cites, with filters.

Each browser session keeps its own conversation in Gradio state; the one shared object is the
`Assistant`, which holds no per-user state.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

from assistant.records import Answer, Filters
from assistant.settings import Settings, quiet_network_env

EXAMPLES = [
    "Can smuggled migrants be prosecuted under the Protocol?",
    "Which countries does GLO.ACT Asia and the Middle East cover?",
    "What did the CCPCJ discuss in December 2021?",
    "How does the Protocol define the smuggling of migrants?",
]

CSS = """
.source { border-left: 3px solid #2563eb; padding: 6px 10px; margin: 8px 0; background: #f8fafc; }
.source.related { border-left-color: #9ca3af; }
.source h4 { margin: 0 0 4px 0; font-size: 0.95rem; }
.source .meta { color: #475569; font-size: 0.85rem; }
.source .context { font-size: 0.9rem; line-height: 1.45; }
.source mark { background: #fde68a; padding: 0 1px; }
.notice { color: #92400e; font-weight: 600; }
"""


def _place(item: Any) -> str:
    place = item.section or ""
    if item.page:
        place = f"{place}, p. {item.page}" if place else f"p. {item.page}"
    return place


def sources_html(answer: Answer, context: dict[str, str]) -> str:
    """Cited passages with the quote highlighted in its surrounding passage text."""
    if answer.refused:
        blocks = [
            '<p class="notice">The documents in the corpus do not answer this. '
            "Nearest passages, which do not answer the question:</p>"
        ]
        for passage in answer.retrieved[:3]:
            blocks.append(
                f'<div class="source related"><h4>{html.escape(passage.title)}</h4>'
                f'<div class="meta">{html.escape(" · ".join(x for x in (passage.publisher, passage.date or "undated", _place(passage)) if x))}</div>'
                f'<div class="context">{html.escape(passage.text[:600])}{"…" if len(passage.text) > 600 else ""}</div></div>'
            )
        return "\n".join(blocks)
    blocks = []
    for citation in answer.citations:
        surrounding = context.get(citation.chunk_id, citation.quote)
        body = html.escape(surrounding)
        quote = html.escape(citation.quote)
        body = (
            body.replace(quote, f"<mark>{quote}</mark>", 1)
            if quote in body
            else f"<mark>{quote}</mark>"
        )
        meta = " · ".join(
            x for x in (citation.publisher, citation.date or "undated", _place(citation)) if x
        )
        blocks.append(
            f'<div class="source" id="source-{citation.n}"><h4>[{citation.n}] {html.escape(citation.title)}</h4>'
            f'<div class="meta">{html.escape(meta)}</div>'
            f'<div class="context">{body.replace(chr(10), "<br>")}</div></div>'
        )
    return "\n".join(blocks) or "<p>No sources.</p>"


def _linked(answer_text: str) -> str:
    """Citation markers as links to their source in the panel."""
    return re.sub(r"\[(\d+)\]", r"[\1](#source-\1)", answer_text)


def _history(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    out = []
    for message in messages or []:
        content = message.get("content", "")
        if isinstance(content, list):
            content = " ".join(
                b.get("text", "") if isinstance(b, dict) else str(b) for b in content
            )
        out.append({"role": message.get("role", ""), "content": str(content)})
    return out


def build_app(assistant: Any) -> Any:
    """The Blocks app around one shared Assistant."""
    import gradio as gr

    documents = assistant.documents()
    doc_choices = [(f"{d.title[:70]} ({d.doc_id})", d.doc_id) for d in documents]
    publishers = sorted({d.publisher for d in documents if d.publisher})
    kinds = sorted({d.kind for d in documents if d.kind})

    def respond(
        message: str,
        messages: list[dict[str, Any]],
        doc_ids: list[str],
        chosen_publishers: list[str],
        chosen_kinds: list[str],
        year_from: float | None,
        year_to: float | None,
    ) -> Iterator[tuple[list[dict[str, Any]], str, str]]:
        message = (message or "").strip()
        if not message:
            yield messages, "", gr.skip()
            return
        filters = Filters(
            doc_ids=doc_ids or [],
            publishers=chosen_publishers or [],
            kinds=chosen_kinds or [],
            year_from=int(year_from) if year_from else None,
            year_to=int(year_to) if year_to else None,
        )
        history = _history(messages)
        messages = [*messages, {"role": "user", "content": message}]
        try:
            answer = assistant.ask(message, history, None if filters.is_empty() else filters)
        except Exception as err:  # shown in the app, never as a stack trace
            yield [*messages, {"role": "assistant", "content": f"⚠️ {err}"}], "", ""
            return
        context = {p.chunk_id: p.text for p in answer.retrieved}
        panel = sources_html(answer, context)
        words = _linked(answer.answer).split(" ")
        for end in range(0, len(words), 6):
            partial = " ".join(words[: end + 6])
            yield [*messages, {"role": "assistant", "content": partial}], "", panel

    with gr.Blocks(title="Palermo — migrant smuggling research assistant") as app:
        gr.Markdown(
            "## Palermo\nAsk about the Smuggling of Migrants Protocol, its sister instruments and "
            "UN/UNODC work such as GLO.ACT. Every answer quotes its sources; when the documents "
            "do not answer, Palermo says so."
        )
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Conversation", height=480, buttons=["copy"])
                question = gr.Textbox(
                    placeholder="Ask a question…", show_label=False, submit_btn=True
                )
                with gr.Row():
                    new = gr.Button("New conversation", variant="secondary")
                gr.Examples(EXAMPLES, inputs=question)
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML(
                    "<p>Sources of the latest answer appear here.</p>", elem_id="sources"
                )
                with gr.Accordion("Filters", open=False):
                    doc_filter = gr.Dropdown(doc_choices, multiselect=True, label="Documents")
                    publisher_filter = gr.Dropdown(publishers, multiselect=True, label="Publishers")
                    kind_filter = gr.CheckboxGroup(kinds, label="Kinds")
                    with gr.Row():
                        year_from = gr.Number(label="From year", precision=0)
                        year_to = gr.Number(label="To year", precision=0)
        inputs = [question, chat, doc_filter, publisher_filter, kind_filter, year_from, year_to]
        question.submit(respond, inputs, [chat, question, sources])
        new.click(
            lambda: ([], "", "<p>Sources of the latest answer appear here.</p>"),
            None,
            [chat, question, sources],
        )
    return app


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, auth: str = "") -> None:
    """Open the assistant and serve the app until interrupted."""
    quiet_network_env()
    import gradio as gr

    from assistant.service import Assistant

    assistant = Assistant.open(settings)
    credentials = tuple(auth.split(":", 1)) if auth else None
    build_app(assistant).queue(default_concurrency_limit=4).launch(
        server_name=host,
        server_port=port,
        auth=credentials,
        css=CSS,
        theme=gr.themes.Soft(),
        show_error=False,
        share=False,
    )


if __name__ == "__main__":
    serve(Settings())

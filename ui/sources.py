"""The sources panel: each cited quote highlighted in its passage, or a refusal's near misses."""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from assistant.briefing import place
from ui.formatting import esc, trim

NO_SOURCES = (
    '<p class="hint">The sources of an answer appear here: each quote highlighted in its '
    "passage, with the document, publisher, date and section. Click a marker such as [1] to jump "
    "to its source, or click an earlier answer to see its sources again.</p>"
)


def quote_in_context(citation: dict[str, Any], passages: dict[str, dict[str, Any]]) -> str:
    """The cited quote highlighted inside the passage it came from (trimmed around it)."""
    quote = str(citation.get("quote", ""))
    passage = passages.get(str(citation.get("chunk_id", "")))
    if not passage:
        return f"<mark>{esc(quote)}</mark>"
    text = str(passage.get("quote", ""))  # a passage's JSON "quote" is its whole text
    at = int(citation.get("start", 0)) - int(passage.get("start", 0))
    if at < 0 or text[at : at + len(quote)] != quote:
        at = text.find(quote)
    if at < 0:
        return f"<mark>{esc(quote)}</mark>"
    before = trim(text[:at], 450, keep_end=True)
    after = trim(text[at + len(quote) :], 450, keep_end=False)
    return f"{esc(before)}<mark>{esc(quote)}</mark>{esc(after)}"


def _card(
    item: dict[str, Any], body: str, label: str, anchor: str = "", related: bool = False
) -> str:
    facts = (item.get("publisher"), item.get("date") or "undated", place(item))
    meta = " · ".join(str(x) for x in facts if x)
    badge = f'<span class="badge">{html.escape(item["kind"])}</span>' if item.get("kind") else ""
    return (
        f'<div class="source{" related" if related else ""}"{f" id={anchor!r}" if anchor else ""}>'
        f'<div class="head">{html.escape(label)} {html.escape(str(item.get("title", "")))}{badge}</div>'
        f'<div class="meta">{html.escape(meta)}</div><div class="context">{body}</div></div>'
    )


def sources_html(turn: dict[str, Any] | None, index: int) -> str:
    """The sources panel for one answer: cited quotes in context, or a refusal's near misses."""
    answer = (turn or {}).get("answer")
    if not answer:
        return NO_SOURCES
    header = f'<div class="sources-for">Sources for “{html.escape(answer["question"])}”</div>'
    passages = {p["chunk_id"]: p for p in answer.get("retrieved", [])}
    if answer.get("refused"):
        cards = [
            _card(
                p,
                esc(trim(p["quote"], 600, keep_end=False)),
                "Related — does not answer:",
                related=True,
            )
            for p in answer.get("retrieved", [])[:3]
        ]
        notice = (
            '<p class="notice">The documents in the corpus do not answer this question. '
            "The nearest passages are below; they do not answer it.</p>"
        )
        return header + notice + "".join(cards)
    cards = []
    for citation in answer.get("citations", []):
        cited = {**citation, "kind": passages.get(citation.get("chunk_id"), {}).get("kind", "")}
        body = quote_in_context(citation, passages)
        cards.append(
            _card(cited, body, f"[{citation['n']}]", anchor=f"src-{index}-{citation['n']}")
        )
    return header + ("".join(cards) or '<p class="hint">No sources.</p>')


def sources_column() -> gr.HTML:
    """The column beside the chat that shows the sources of one answer."""
    with gr.Column(scale=2, min_width=320):
        gr.Markdown("### Sources")
        return gr.HTML(NO_SOURCES, elem_id="sources")


def show_sources(turns: list[dict[str, Any]], event: gr.SelectData) -> Any:
    index = event.index if isinstance(event.index, int) else event.index[0]
    turn_index = index // 2
    if 0 <= turn_index < len(turns):
        return sources_html(turns[turn_index], turn_index)
    return gr.skip()


def wire(chat: gr.Chatbot, turns: gr.State, sources: gr.HTML) -> None:
    """Clicking an earlier answer shows its sources again."""
    chat.select(show_sources, [turns], [sources], api_visibility="private")

"""The Gradio app: a conversation beside the sources it cites, with filters, feedback, briefing
notes and a corpus page.

Per-user data lives only in Gradio session state (`gr.State`) and component values, so every
browser session has its own conversation. The objects all sessions share — the Assistant, the
corpus Library and the feedback store — keep no conversation state.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from common.settings import Settings, quiet_network_env

quiet_network_env()  # before gradio reads its analytics switch

import gradio as gr  # noqa: E402

from assistant.briefing import note_from_turns, place, to_docx, to_markdown  # noqa: E402
from assistant.feedback import FeedbackStore, settings_snapshot  # noqa: E402
from assistant.library import Library, UploadsDisabledError  # noqa: E402
from assistant.records import EmptyStoreError, Filters  # noqa: E402

log = logging.getLogger("palermo.app")

TITLE = "Palermo — migrant smuggling research assistant"
EXAMPLES = [
    "Can smuggled migrants be prosecuted under the Protocol?",
    "Which countries does GLO.ACT Asia and the Middle East cover?",
    "What did the CCPCJ discuss in December 2021?",
    "How does the Protocol define the smuggling of migrants?",
]
HELPFUL, UNHELPFUL = "Helpful", "Not helpful"
NO_SOURCES = (
    '<p class="hint">The sources of an answer appear here: each quote highlighted in its '
    "passage, with the document, publisher, date and section. Click a marker such as [1] to jump "
    "to its source, or click an earlier answer to see its sources again.</p>"
)

CSS = """
.gradio-container { max-width: 1480px !important; }
#sources { max-height: 78vh; overflow-y: auto; }
.source { border-left: 4px solid #2563eb; padding: 8px 12px; margin: 0 0 10px 0;
  background: #f8fafc; border-radius: 4px; scroll-margin-top: 12px; }
.source.related { border-left-color: #9ca3af; background: #f9fafb; }
.source.flash { outline: 3px solid #f59e0b; }
.source .head { font-weight: 600; font-size: 0.95rem; margin-bottom: 2px; }
.source .badge { display: inline-block; font-size: 0.75rem; font-weight: 600; color: #6b7280;
  border: 1px solid #d1d5db; border-radius: 3px; padding: 0 4px; margin-left: 4px; }
.source .meta { color: #475569; font-size: 0.82rem; margin-bottom: 4px; }
.source .context { font-size: 0.9rem; line-height: 1.5; color: #334155; }
.source mark { background: #fde68a; color: #111827; padding: 0 1px; }
.sources-for { font-size: 0.85rem; color: #475569; margin-bottom: 8px; }
.notice { color: #92400e; font-weight: 600; }
.hint { color: #64748b; font-size: 0.9rem; }
@media (max-width: 640px) {
  .gradio-container { padding-left: 6px !important; padding-right: 6px !important; }
  #chat .message { font-size: 0.95rem; }
  #sources { max-height: none; }
}
a.cite { color: #1d4ed8 !important; font-weight: 600; text-decoration: none; cursor: pointer; }
a.cite:hover { text-decoration: underline; }
#chat button.example { border: 1px solid var(--border-color-primary); border-radius: 8px;
  background: var(--background-fill-secondary); padding: 10px 12px; text-align: left; }
#chat button.example:hover { border-color: #2563eb; }
@media (prefers-color-scheme: dark) {
  .source, .source.related { background: transparent; }
  .source .context, .source .meta, .sources-for { color: inherit; }
}
"""

# Citation markers stay plain "[n]" in each message (so the copy button copies clean text); this
# script turns them into links to the sources panel once rendered, and scrolls to the source.
HEAD = """
<script>
(() => {
  const MARK = /\\[(\\d+)\\]/g;
  const bots = () => document.querySelectorAll('#chat .message-row.bot-row, #chat [data-testid="bot"]');
  function linkMarkers() {
    const seen = new Set();
    let turn = -1;
    bots().forEach((bot) => {
      if ([...seen].some((s) => s.contains(bot) || bot.contains(s))) return;
      seen.add(bot);
      turn += 1;
      const walker = document.createTreeWalker(bot, NodeFilter.SHOW_TEXT);
      const nodes = [];
      while (walker.nextNode()) {
        const node = walker.currentNode;
        MARK.lastIndex = 0;
        if (MARK.test(node.nodeValue) && !node.parentElement.closest('a, code, pre, button')) nodes.push(node);
      }
      for (const node of nodes) {
        const text = node.nodeValue;
        const out = document.createDocumentFragment();
        let last = 0;
        text.replace(MARK, (marker, n, at) => {
          out.append(text.slice(last, at));
          const a = document.createElement('a');
          a.className = 'cite';
          a.href = `#src-${turn}-${n}`;
          a.textContent = marker;
          a.title = `Show source ${n}`;
          out.append(a);
          last = at + marker.length;
        });
        out.append(text.slice(last));
        node.replaceWith(out);
      }
    });
  }
  function reveal(id, tries) {
    const el = document.getElementById(id);
    if (!el) { if (tries > 0) setTimeout(() => reveal(id, tries - 1), 100); return; }
    el.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
    el.classList.add('flash');
    setTimeout(() => el.classList.remove('flash'), 1800);
  }
  document.addEventListener('click', (event) => {
    const a = event.target.closest && event.target.closest('a.cite, a[href^="#src-"]');
    if (!a) return;
    event.preventDefault();
    reveal(a.getAttribute('href').slice(1), 30);
  }, true);
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; linkMarkers(); });
  }).observe(document.documentElement, { childList: true, subtree: true, characterData: true });
})();
</script>
"""


# ---- rendering ---------------------------------------------------------------------------------


def _esc(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def _trim(text: str, limit: int, keep_end: bool) -> str:
    """At most about `limit` characters, cut at a word, keeping the end or the start."""
    if len(text) <= limit:
        return text
    if keep_end:
        cut = text[-limit:]
        return "…" + cut[cut.find(" ") + 1 :]
    cut = text[:limit]
    return cut[: cut.rfind(" ")] + "…"


def quote_in_context(citation: dict[str, Any], passages: dict[str, dict[str, Any]]) -> str:
    """The cited quote highlighted inside the passage it came from (trimmed around it)."""
    quote = str(citation.get("quote", ""))
    passage = passages.get(str(citation.get("chunk_id", "")))
    if not passage:
        return f"<mark>{_esc(quote)}</mark>"
    text = str(passage.get("quote", ""))  # a passage's JSON "quote" is its whole text
    at = int(citation.get("start", 0)) - int(passage.get("start", 0))
    if at < 0 or text[at : at + len(quote)] != quote:
        at = text.find(quote)
    if at < 0:
        return f"<mark>{_esc(quote)}</mark>"
    before = _trim(text[:at], 450, keep_end=True)
    after = _trim(text[at + len(quote) :], 450, keep_end=False)
    return f"{_esc(before)}<mark>{_esc(quote)}</mark>{_esc(after)}"


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
                _esc(_trim(p["quote"], 600, keep_end=False)),
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


def message_text(turn: dict[str, Any]) -> str:
    """What the chat shows for a turn's answer: one paragraph per cited claim."""
    if turn.get("error"):
        return f"⚠ {turn['error']}"
    answer = turn["answer"]
    if answer.get("refused"):
        return (
            f"{answer['answer']}\n\n*The nearest passages are shown under Sources, marked as "
            "not answering the question.*" + llm_note(answer)
        )
    text = re.sub(r"((?:\[\d+\])(?:\s*\[\d+\])*)\s+(?=\S)", r"\1\n\n", answer["answer"])
    return text + llm_note(answer)


def llm_note(answer: dict[str, Any]) -> str:
    """Under an answer the LLM engine handled: how much of it was supported, or why not used."""
    if "engine" not in answer:
        return ""
    if answer.get("fallback_reason"):
        return (
            f"\n\n*LLM answer not used ({answer['fallback_reason']}): quotes from the documents.*"
        )
    support = answer.get("support") or []
    kept = sum(1 for s in support if s.get("supported"))
    if not support:
        return "\n\n*Written by the language model.*"
    return (
        f"\n\n*Written by the language model; {kept} of {len(support)} sentences checked "
        "against their sources and kept.*"
    )


def messages_of(turns: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The chat messages of a conversation: each turn is one question and one reply."""
    out = []
    for turn in turns:
        out.append({"role": "user", "content": turn["question"]})
        out.append({"role": "assistant", "content": message_text(turn)})
    return out


def history_of(turns: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The conversation as the Assistant takes it (answers without their error turns)."""
    out = []
    for turn in turns:
        if turn.get("answer"):
            out.append({"role": "user", "content": turn["question"]})
            out.append({"role": "assistant", "content": turn["answer"]["answer"]})
    return out


def turn_choices(turns: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """Answered turns as (label, index) choices for the feedback and briefing-note pickers."""
    return [
        (f"{i + 1}. {_trim(t['question'], 70, keep_end=False)}", i)
        for i, t in enumerate(turns)
        if t.get("answer")
    ]


def error_message(err: Exception, doing: str = "answer") -> str:
    """A clear, short message for a failure (the traceback goes to the server log only)."""
    if isinstance(err, EmptyStoreError):
        return (
            "The index is empty, so there is nothing to answer from yet. Add documents on the "
            "Corpus tab (or run `palermo ingest`), then ask again."
        )
    detail = " ".join(str(err).split())[:200]
    return (
        f"Palermo could not {doing} just now ({type(err).__name__}: {detail}). Please try again; "
        "if it keeps failing, tell whoever runs this app."
    )


# ---- the app -----------------------------------------------------------------------------------


def _filters(
    doc_ids: list[str] | None,
    publishers: list[str] | None,
    kinds: list[str] | None,
    year_from: Any,
    year_to: Any,
) -> Filters | None:
    filters = Filters(
        doc_ids=list(doc_ids or []),
        publishers=list(publishers or []),
        kinds=list(kinds or []),
        year_from=int(year_from) if year_from not in (None, "") else None,
        year_to=int(year_to) if year_to not in (None, "") else None,
    )
    return None if filters.is_empty() else filters


def build_app(assistant: Any, settings: Settings | None = None) -> Any:
    """The Blocks app around one shared Assistant (per-user state only in session state)."""
    settings = settings or assistant.settings
    library = Library(assistant, settings)
    feedback = FeedbackStore.for_settings(settings)
    snapshot = settings_snapshot(settings)
    from assistant.llm import LLMSettings

    llm_settings = LLMSettings.from_settings(settings)

    def catalog() -> tuple[list, list, list, list]:
        documents = assistant.documents()
        docs = [(f"{d.title[:80]} ({d.doc_id})", d.doc_id) for d in documents]
        publishers = sorted({d.publisher for d in documents if d.publisher})
        kinds = sorted({d.kind for d in documents if d.kind})
        years = sorted({int(d.date[:4]) for d in documents if d.date[:4].isdigit()})
        return docs, publishers, kinds, years

    def catalog_updates() -> tuple[Any, ...]:
        docs, publishers, kinds, years = catalog()
        return (
            gr.update(choices=docs),
            gr.update(choices=publishers),
            gr.update(choices=kinds),
            gr.update(choices=years),
            gr.update(choices=years),
            gr.update(choices=docs, value=None),
            library.rows(),
        )

    def pickers(turns: list[dict[str, Any]]) -> tuple[Any, Any]:
        choices = turn_choices(turns)
        last = choices[-1][1] if choices else None
        return gr.update(choices=choices, value=last), gr.update(choices=choices, value=[])

    def respond(
        message: str,
        turns: list[dict[str, Any]],
        doc_ids: list[str],
        publishers: list[str],
        kinds: list[str],
        year_from: Any,
        year_to: Any,
        engine_name: str = "extractive",
    ) -> Iterator[tuple[Any, ...]]:
        """Answer a question with the conversation so far; stream the answer as it forms."""
        message = " ".join((message or "").split())
        if not message:
            yield (gr.skip(),) * 6
            return
        turns = list(turns or [])
        index = len(turns)
        pending = {"question": message, "error": "", "answer": None}
        waiting = {"role": "assistant", "content": "Searching the documents…"}
        yield (
            messages_of(turns) + [{"role": "user", "content": message}, waiting],
            "",
            gr.skip(),
            gr.skip(),
            gr.skip(),
            gr.skip(),
        )
        filters = _filters(doc_ids, publishers, kinds, year_from, year_to)
        history = history_of(turns)
        try:
            generative = assistant.llm_engine() if engine_name == "llm" else None
            if generative is None:
                answer = assistant.ask(message, history, filters).to_json()
            else:
                draft, result = "", None
                for item in generative.stream(message, history, filters):
                    if isinstance(item, str):
                        draft += item
                        partial = {"role": "assistant", "content": f"{draft} ▍"}
                        yield (
                            messages_of(turns) + [{"role": "user", "content": message}, partial],
                            "",
                            *(gr.skip(),) * 4,
                        )
                    else:
                        result = item
                answer = result.to_json()
        except Exception as err:  # a clear message in the app, never a stack trace
            if isinstance(err, EmptyStoreError):
                log.warning("asked %r of an empty index", message)
            else:
                log.exception("answering %r failed", message)
            turns.append({**pending, "error": error_message(err), "history": history})
            yield (messages_of(turns), "", gr.skip(), turns, *pickers(turns))
            return
        turn = {
            **pending,
            "answer": answer,
            "history": history,
            "filters": filters.__dict__ if filters else {},
            "feedback_id": None,
        }
        panel = sources_html(turn, index)
        words = message_text(turn).split(" ")
        for end in range(6, len(words) if generative is None else 0, 6):
            partial = {"role": "assistant", "content": " ".join(words[:end])}
            yield (
                messages_of(turns) + [{"role": "user", "content": message}, partial],
                "",
                panel,
                gr.skip(),
                gr.skip(),
                gr.skip(),
            )
            time.sleep(0.015)
        turns.append(turn)
        yield (messages_of(turns), "", panel, turns, *pickers(turns))
        try:  # after the reader has the answer: the audit write never delays or fails it
            feedback.log_answer(
                question=message, history=history, answer=answer, engine=engine_name
            )
        except Exception:
            log.exception("could not log the answer to %r", message)

    def pick_example(event: gr.SelectData) -> str:
        return event.value["text"] if isinstance(event.value, dict) else str(event.value)

    def show_sources(turns: list[dict[str, Any]], event: gr.SelectData) -> Any:
        index = event.index if isinstance(event.index, int) else event.index[0]
        turn_index = index // 2
        if 0 <= turn_index < len(turns):
            return sources_html(turns[turn_index], turn_index)
        return gr.skip()

    def save_feedback(
        turn_index: Any, rating: str, comment: str, turns: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], str]:
        """Store (or update) the rating of one answer of this conversation."""
        if turn_index in (None, "") or not rating:
            return turns, "Choose an answer and a rating first."
        index = int(turn_index)
        if not 0 <= index < len(turns) or not turns[index].get("answer"):
            return turns, "There is no answer to rate there."
        value = 1 if rating == HELPFUL else -1
        turns = [dict(t) for t in turns]
        turn = turns[index]
        if turn.get("feedback_id"):
            feedback.update(turn["feedback_id"], rating=value, comment=comment or "")
        else:
            turn["feedback_id"] = feedback.record(
                rating=value,
                question=turn["question"],
                history=turn.get("history", []),
                answer=turn["answer"],
                comment=comment or "",
                settings=snapshot,
            )
        return turns, f"Thank you: your rating of answer {index + 1} is saved."

    def on_like(turns: list[dict[str, Any]], event: gr.LikeData) -> tuple[Any, Any, Any, Any]:
        index = event.index if isinstance(event.index, int) else event.index[0]
        if event.liked not in (True, False):
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        rating = HELPFUL if event.liked else UNHELPFUL
        turns, status = save_feedback(index // 2, rating, "", turns)
        status += " Add a comment if you like, then press Send feedback."
        return (
            turns,
            gr.update(value=index // 2),
            gr.update(value=rating),
            status,
            gr.update(open=True),
        )

    def export_note(
        title: str, selected: list[int], turns: list[dict[str, Any]]
    ) -> tuple[Any, str]:
        """Write the conversation (or the selected answers) as a DOCX and a Markdown note."""
        if not turn_choices(turns):
            return gr.update(
                value=None, visible=False
            ), "Ask a question first: the note is made from the answers."
        note = note_from_turns(turns, title, [int(i) for i in selected] if selected else None)
        folder = Path(tempfile.mkdtemp(prefix="palermo-note-"))
        stem = f"briefing-note-{dt.date.today().isoformat()}"
        docx_path = to_docx(note, folder / f"{stem}.docx")
        md_path = folder / f"{stem}.md"
        md_path.write_text(to_markdown(note), encoding="utf-8")
        count = len(note.sections)
        status = f"Briefing note ready: {count} question{'s' if count != 1 else ''}, {len(note.footnotes)} footnotes."
        return gr.update(value=[str(docx_path), str(md_path)], visible=True), status

    def new_conversation() -> tuple[Any, ...]:
        return [], [], NO_SOURCES, "", *pickers([]), gr.update(value=None, visible=False), ""

    def upload(
        files: list[Any] | None,
        progress: Any = gr.Progress(track_tqdm=True),  # noqa: B008
    ) -> Iterator[tuple[Any, ...]]:
        """Check and index uploaded files, showing progress and every refusal's reason."""
        paths = [Path(f if isinstance(f, str) else getattr(f, "name", f)) for f in files or []]
        if not paths:
            yield ("Choose one or more files first.", *(gr.skip(),) * 7)
            return
        yield (f"Checking and indexing {len(paths)} file(s)…", *(gr.skip(),) * 7)
        try:
            report = library.add(paths, progress=True)
        except UploadsDisabledError as err:
            yield (f"⚠ {str(err).capitalize()}.", *(gr.skip(),) * 7)
            return
        except Exception as err:
            log.exception("upload failed")
            yield (f"⚠ {error_message(err, 'index the files')}", *(gr.skip(),) * 7)
            return
        yield (report.message(), *catalog_updates())

    def remove(doc_id: str | None) -> tuple[Any, ...]:
        if not doc_id:
            return ("Choose a document to remove.", *(gr.skip(),) * 7)
        try:
            message = library.remove(doc_id)
        except UploadsDisabledError as err:
            return (f"⚠ {str(err).capitalize()}.", *(gr.skip(),) * 7)
        return (message, *catalog_updates())

    docs, publishers, kinds, years = catalog()
    with gr.Blocks(title=TITLE, analytics_enabled=False, fill_width=True) as app:
        turns = gr.State([])
        gr.Markdown(
            "## Palermo\nAsk about the Smuggling of Migrants Protocol, its sister instruments and "
            "UN/UNODC work such as GLO.ACT. Every answer quotes its sources, shown beside the "
            "chat; when the documents do not answer, Palermo says so."
        )
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=360):
                        chat = gr.Chatbot(
                            show_label=False,
                            elem_id="chat",
                            height="56vh",
                            min_height=320,
                            buttons=["copy", "copy_all"],
                            feedback_options=("Like", "Dislike"),
                            examples=[{"text": q} for q in EXAMPLES],
                            placeholder=(
                                "**Ask a question** about migrant smuggling policy, "
                                "or start from an example:"
                            ),
                            layout="bubble",
                        )
                        question = gr.Textbox(
                            placeholder="Ask a question…",
                            show_label=False,
                            submit_btn="Ask",
                            elem_id="question",
                            lines=1,
                            max_lines=4,
                        )
                        engine_pick = gr.Radio(
                            [
                                ("Quotes from the documents", "extractive"),
                                (f"Written by an LLM, checked ({llm_settings.describe()})", "llm"),
                            ],
                            value=settings.engine if llm_settings.configured else "extractive",
                            label="Answer engine",
                            visible=llm_settings.configured,  # shown only when an LLM is configured
                            elem_id="engine",
                        )
                        with gr.Row():
                            new = gr.Button(
                                "New conversation", variant="secondary", elem_id="new-conversation"
                            )
                            export = gr.Button(
                                "Export briefing note", variant="secondary", elem_id="export-note"
                            )
                        note_files = gr.File(
                            label="Briefing note (DOCX and Markdown)",
                            visible=False,
                            elem_id="note-files",
                            file_count="multiple",
                            interactive=False,
                        )
                        note_status = gr.Markdown(elem_id="note-status")
                    with gr.Column(scale=2, min_width=320):
                        gr.Markdown("### Sources")
                        sources = gr.HTML(NO_SOURCES, elem_id="sources")
                # below the chat and its sources, so that on a phone the sources come first
                with gr.Row(equal_height=False):
                    with (
                        gr.Column(min_width=320),
                        gr.Accordion("Filters", open=False, elem_id="filters"),
                    ):
                        doc_filter = gr.Dropdown(
                            docs, multiselect=True, label="Documents", elem_id="filter-docs"
                        )
                        publisher_filter = gr.Dropdown(
                            publishers,
                            multiselect=True,
                            label="Publishers",
                            elem_id="filter-publishers",
                        )
                        kind_filter = gr.CheckboxGroup(kinds, label="Kinds", elem_id="filter-kinds")
                        with gr.Row():
                            year_from = gr.Dropdown(
                                years, value=None, label="From year", elem_id="filter-year-from"
                            )
                            year_to = gr.Dropdown(
                                years, value=None, label="To year", elem_id="filter-year-to"
                            )
                    with (
                        gr.Column(min_width=320),
                        gr.Accordion(
                            "Rate an answer", open=False, elem_id="feedback"
                        ) as feedback_box,
                    ):
                        feedback_pick = gr.Dropdown([], label="Answer", elem_id="feedback-answer")
                        rating = gr.Radio(
                            [HELPFUL, UNHELPFUL], label="Rating", elem_id="feedback-rating"
                        )
                        comment = gr.Textbox(
                            label="Comment (optional): what was wrong, or what it should say",
                            lines=2,
                        )
                        send = gr.Button("Send feedback", elem_id="send-feedback")
                        feedback_status = gr.Markdown()
                    with (
                        gr.Column(min_width=320),
                        gr.Accordion("Briefing note options", open=False),
                    ):
                        note_title = gr.Textbox(label="Title", value="Briefing note")
                        note_pick = gr.CheckboxGroup(
                            [], label="Answers to include (none ticked: all)"
                        )
            with gr.Tab("Corpus", id="corpus"):
                gr.Markdown(
                    "The documents Palermo answers from, with their metadata and the number of "
                    "passages indexed."
                )
                table = gr.Dataframe(
                    library.rows(),
                    headers=["ID", "Title", "Publisher", "Date", "Kind", "Passages", "State"],
                    interactive=False,
                    wrap=True,
                    column_widths=[
                        190,
                        350,
                        230,
                        100,
                        110,
                        85,
                        75,
                    ],  # px: scrolls sideways on a phone
                    elem_id="documents",
                )
                corpus_status = gr.Markdown(elem_id="corpus-status")
                with gr.Row(visible=library.enabled):
                    with gr.Column():
                        files = gr.File(
                            label=f"Add documents ({', '.join(s.lstrip('.') for s in _supported())}; at most {settings.max_file_mb:g} MB each)",
                            file_count="multiple",
                            file_types=list(_supported()),
                            elem_id="upload-files",
                        )
                        add = gr.Button("Add to the index", variant="primary", elem_id="upload")
                    with gr.Column():
                        remove_pick = gr.Dropdown(
                            docs, label="Document to remove", elem_id="remove-doc"
                        )
                        remove_button = gr.Button(
                            "Remove document", variant="stop", elem_id="remove"
                        )
                if not library.enabled:
                    gr.Markdown("*Adding and removing documents is turned off on this server.*")

        filter_inputs = [doc_filter, publisher_filter, kind_filter, year_from, year_to]
        answer_outputs = [chat, question, sources, turns, feedback_pick, note_pick]
        question.submit(
            respond,
            [question, turns, *filter_inputs, engine_pick],
            answer_outputs,
            api_name="ask",
            concurrency_limit=4,
        )
        chat.example_select(
            pick_example,
            None,
            question,
            api_visibility="private",
        ).then(
            respond,
            [question, turns, *filter_inputs, engine_pick],
            answer_outputs,
            api_visibility="private",
        )
        chat.select(show_sources, [turns], [sources], api_visibility="private")
        chat.like(
            on_like,
            [turns],
            [turns, feedback_pick, rating, feedback_status, feedback_box],
            api_visibility="private",
        )
        send.click(
            save_feedback,
            [feedback_pick, rating, comment, turns],
            [turns, feedback_status],
            api_name="feedback",
        )
        export.click(
            export_note,
            [note_title, note_pick, turns],
            [note_files, note_status],
            api_name="export_note",
        )
        new.click(
            new_conversation,
            None,
            [chat, turns, sources, question, feedback_pick, note_pick, note_files, note_status],
            api_name="new_conversation",
        )
        chat.clear(
            new_conversation,
            None,
            [chat, turns, sources, question, feedback_pick, note_pick, note_files, note_status],
            api_visibility="private",
        )
        catalog_outputs = [
            doc_filter,
            publisher_filter,
            kind_filter,
            year_from,
            year_to,
            remove_pick,
            table,
        ]
        add.click(
            upload,
            [files],
            [corpus_status, *catalog_outputs],
            api_name="upload",
            concurrency_limit=1,
        )
        remove_button.click(
            remove,
            [remove_pick],
            [corpus_status, *catalog_outputs],
            api_name="remove",
            concurrency_limit=1,
        )
        app.load(catalog_updates, None, catalog_outputs, api_visibility="private")
    return app


def _supported() -> tuple[str, ...]:
    from ingest.loaders import SUPPORTED

    return SUPPORTED


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
    app.launch(server_name=host, server_port=port, **launch_options(settings, auth))


if __name__ == "__main__":
    serve(Settings())

"""The conversation: the chat, the question box and the answer engine, with answers streamed."""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.feedback import FeedbackStore
from assistant.question_kinds import has_words
from assistant.records import EmptyStoreError, Filters
from common.settings import Settings
from ui.briefing import export_button, note_outputs
from ui.filters import filters_of
from ui.formatting import answer_messages, error_message, history_of, messages_of, turn_choices
from ui.sources import NO_SOURCES, sources_html

log = logging.getLogger("palermo.app")

NO_WORDS = "Type a question in words: a mark alone asks nothing."

EXAMPLES = [
    "Can smuggled migrants be prosecuted under the Protocol?",
    "Which countries does GLO.ACT Asia and the Middle East cover?",
    "What did the CCPCJ discuss in December 2021?",
    "How does the Protocol define the smuggling of migrants?",
]


@dataclass
class ChatColumn:
    chat: gr.Chatbot
    question: gr.Textbox
    engine: gr.Radio
    new: gr.Button
    export: gr.Button
    note_files: gr.File
    note_status: gr.Markdown


def chat_column(settings: Settings, llm_settings: Any) -> ChatColumn:
    """The chat column: the conversation, the question box, the engine and the note's buttons."""
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
                "**Ask a question** about migrant smuggling policy, or start from an example:"
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
            new = gr.Button("New conversation", variant="secondary", elem_id="new-conversation")
            export = export_button()
        note_files, note_status = note_outputs()
    return ChatColumn(chat, question, engine_pick, new, export, note_files, note_status)


def pickers(turns: list[dict[str, Any]]) -> tuple[Any, Any]:
    """The feedback and briefing-note pickers' answers (the feedback one on the latest)."""
    choices = turn_choices(turns)
    last = choices[-1][1] if choices else None
    return gr.update(choices=choices, value=last), gr.update(choices=choices, value=[])


def _asked(turns: list[dict[str, Any]], message: str, reply: dict[str, str]) -> list[Any]:
    return messages_of(turns) + [{"role": "user", "content": message}, reply]


def _drafted(
    generative: Any,
    message: str,
    history: list[dict[str, str]],
    filters: Filters | None,
    turns: list[dict[str, Any]],
) -> Generator[tuple[Any, ...], None, dict[str, Any]]:
    """Stream an LLM's draft into the chat as it is written; returns the checked answer."""
    draft, result = "", None
    for item in generative.stream(message, history, filters):
        if isinstance(item, str):
            draft += item
            partial = {"role": "assistant", "content": f"{draft} ▍"}
            yield (_asked(turns, message, partial), "", *(gr.skip(),) * 4)
        else:
            result = item
    return result.to_json()


def _typed(
    turns: list[dict[str, Any]], message: str, panel: str, words: list[str], stop: int
) -> Iterator[tuple[Any, ...]]:
    """Show a finished answer's lead a few words at a time, with its sources beside it."""
    for end in range(6, stop, 6):
        partial = {"role": "assistant", "content": " ".join(words[:end])}
        yield (_asked(turns, message, partial), "", panel, gr.skip(), gr.skip(), gr.skip())
        time.sleep(0.015)


def _backwards(filters: Filters | None) -> str:
    if filters and filters.runs_backwards():
        return (
            f"The years run backwards: from {filters.year_from} to {filters.year_to}. "
            "Swap them in the filters to ask about those years."
        )
    return ""


class Conversation:
    """The answering callback around the one Assistant and feedback store all sessions share."""

    def __init__(self, assistant: Any, feedback: FeedbackStore) -> None:
        self.assistant = assistant
        self.feedback = feedback

    def respond(
        self,
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
        yield (_asked(turns, message, waiting), "", gr.skip(), gr.skip(), gr.skip(), gr.skip())
        filters = filters_of(doc_ids, publishers, kinds, year_from, year_to)
        history = history_of(turns)
        problem = NO_WORDS if not has_words(message) else _backwards(filters)
        if problem:  # "?" asks nothing, 2021 to 2012 admits nothing: say so, not a refusal
            turns.append({**pending, "error": problem, "history": history})
            yield (messages_of(turns), "", gr.skip(), turns, *pickers(turns))
            return
        try:
            generative = self.assistant.llm_engine() if engine_name == "llm" else None
            if generative is None:
                answer = self.assistant.ask(message, history, filters).to_json()
            else:
                answer = yield from _drafted(generative, message, history, filters, turns)
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
        words = answer_messages(turn)[0]["content"].split(" ")
        yield from _typed(turns, message, panel, words, len(words) if generative is None else 0)
        turns.append(turn)
        yield (messages_of(turns), "", panel, turns, *pickers(turns))
        try:  # after the reader has the answer: the audit write never delays or fails it
            self.feedback.log_answer(
                question=message, history=history, answer=answer, engine=engine_name
            )
        except Exception:
            log.exception("could not log the answer to %r", message)


def pick_example(event: gr.SelectData) -> str:
    return event.value["text"] if isinstance(event.value, dict) else str(event.value)


def new_conversation() -> tuple[Any, ...]:
    return [], [], NO_SOURCES, "", *pickers([]), gr.update(value=None, visible=False), ""


def wire_answers(
    column: ChatColumn,
    turns: gr.State,
    filter_inputs: list[Any],
    answer_outputs: list[Any],
    respond: Any,
) -> None:
    """Ask on submit, or on an example question picked in the empty chat."""
    column.question.submit(
        respond,
        [column.question, turns, *filter_inputs, column.engine],
        answer_outputs,
        api_name="ask",
        concurrency_limit=4,
    )
    column.chat.example_select(
        pick_example,
        None,
        column.question,
        api_visibility="private",
    ).then(
        respond,
        [column.question, turns, *filter_inputs, column.engine],
        answer_outputs,
        api_visibility="private",
    )


def wire_reset(column: ChatColumn, reset_outputs: list[Any]) -> None:
    """New conversation, or the chat's own clear button: start again with empty pickers."""
    column.new.click(
        new_conversation,
        None,
        reset_outputs,
        api_name="new_conversation",
    )
    column.chat.clear(
        new_conversation,
        None,
        reset_outputs,
        api_visibility="private",
    )

"""Rating an answer: the Rate-an-answer box and the chat's like buttons, saved to the store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.feedback import FeedbackStore
from ui.formatting import turn_of_message

HELPFUL, UNHELPFUL = "Helpful", "Not helpful"


@dataclass
class FeedbackBox:
    box: gr.Accordion
    pick: gr.Dropdown
    rating: gr.Radio
    comment: gr.Textbox
    send: gr.Button
    status: gr.Markdown


def feedback_box() -> FeedbackBox:
    """The Rate-an-answer accordion below the chat."""
    with (
        gr.Column(min_width=320),
        gr.Accordion("Rate an answer", open=False, elem_id="feedback") as box,
    ):
        pick = gr.Dropdown([], label="Answer", elem_id="feedback-answer")
        rating = gr.Radio([HELPFUL, UNHELPFUL], label="Rating", elem_id="feedback-rating")
        comment = gr.Textbox(
            label="Comment (optional): what was wrong, or what it should say",
            lines=2,
        )
        send = gr.Button("Send feedback", elem_id="send-feedback")
        status = gr.Markdown()
    return FeedbackBox(box, pick, rating, comment, send, status)


class Ratings:
    """The rating callbacks around the one feedback store all sessions share."""

    def __init__(self, store: FeedbackStore, snapshot: dict[str, Any]) -> None:
        self.store = store
        self.snapshot = snapshot

    def save_feedback(
        self, turn_index: Any, rating: str, comment: str, turns: list[dict[str, Any]]
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
            self.store.update(turn["feedback_id"], rating=value, comment=comment or "")
        else:
            turn["feedback_id"] = self.store.record(
                rating=value,
                question=turn["question"],
                history=turn.get("history", []),
                answer=turn["answer"],
                comment=comment or "",
                settings=self.snapshot,
            )
        return turns, f"Thank you: your rating of answer {index + 1} is saved."

    def on_like(self, turns: list[dict[str, Any]], event: gr.LikeData) -> tuple[Any, Any, Any, Any]:
        index = event.index if isinstance(event.index, int) else event.index[0]
        if event.liked not in (True, False):
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        rating = HELPFUL if event.liked else UNHELPFUL
        turn = turn_of_message(turns, index)
        turns, status = self.save_feedback(turn, rating, "", turns)
        status += " Add a comment if you like, then press Send feedback."
        return (
            turns,
            gr.update(value=turn),
            gr.update(value=rating),
            status,
            gr.update(open=True),
        )


def wire(box: FeedbackBox, ratings: Ratings, chat: gr.Chatbot, turns: gr.State) -> None:
    """A like or dislike in the chat fills in and opens the box; Send feedback saves it."""
    chat.like(
        ratings.on_like,
        [turns],
        [turns, box.pick, box.rating, box.status, box.box],
        api_visibility="private",
    )
    box.send.click(
        ratings.save_feedback,
        [box.pick, box.rating, box.comment, turns],
        [turns, box.status],
        api_name="feedback",
    )

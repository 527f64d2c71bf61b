"""Text the views share: answers as chat messages, answer pickers' labels and short error messages."""

from __future__ import annotations

import html
import re
from typing import Any

from assistant.records import EmptyStoreError


def esc(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def trim(text: str, limit: int, keep_end: bool) -> str:
    """At most about `limit` characters, cut at a word, keeping the end or the start."""
    if len(text) <= limit:
        return text
    if keep_end:
        cut = text[-limit:]
        return "…" + cut[cut.find(" ") + 1 :]
    cut = text[:limit]
    return cut[: cut.rfind(" ")] + "…"


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
        (f"{i + 1}. {trim(t['question'], 70, keep_end=False)}", i)
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

"""Text the views share: answers as chat messages, answer pickers' labels and short error messages."""

from __future__ import annotations

import html
from typing import Any

from assistant.compose import answer_and_context, context_label
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


def answer_messages(turn: dict[str, Any]) -> list[dict[str, Any]]:
    """The chat messages of a turn's answer: the answer itself, one paragraph per cited claim,
    and, when it was widened by other passages (often several hundred words), those quotes in a
    second message that the chat shows folded under a line saying what it holds (Gradio shows a
    message with a `metadata` title collapsed, in the same bubble)."""
    if turn.get("error"):
        return [{"role": "assistant", "content": f"⚠ {turn['error']}"}]
    answer = turn["answer"]
    if answer.get("refused"):
        text = (
            f"{answer['answer']}\n\n*The nearest passages are shown under Sources, marked as "
            "not answering the question.*"
        )
        return [{"role": "assistant", "content": text + llm_note(answer)}]
    shown, rest = answer_and_context(answer)
    messages = [{"role": "assistant", "content": "\n\n".join(shown) + llm_note(answer)}]
    if rest:
        folded = {"title": context_label(rest), "status": "done"}
        messages.append({"role": "assistant", "content": "\n\n".join(rest), "metadata": folded})
    return messages


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


def messages_of(turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chat messages of a conversation: each turn is one question and its reply."""
    out: list[dict[str, Any]] = []
    for turn in turns:
        out.append({"role": "user", "content": turn["question"]})
        out += answer_messages(turn)
    return out


def turn_of_message(turns: list[dict[str, Any]], index: int) -> int:
    """The turn that the chat's message number `index` belongs to (a reply may be two)."""
    asked = [m["role"] == "user" for m in messages_of(turns)[: index + 1]]
    return max(sum(asked) - 1, 0)


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

"""`palermo ask` and `palermo search`: one question, a conversation from a file, or a batch."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.compose import answer_and_context, context_label
from assistant.question_kinds import has_words
from assistant.records import Answer, Filters, Passage
from cli.parser import filter_problems, filters_of
from common.settings import Settings


def _print_place(number: str, passage: Passage | Any) -> None:
    """A passage's document and where in it the passage stands."""
    place = passage.section or ""
    if passage.page:
        place = f"{place}, p. {passage.page}" if place else f"p. {passage.page}"
    facts = " · ".join(x for x in (passage.publisher, passage.date or "undated", place) if x)
    print(f"{number} {passage.title}\n    {facts}")


def _print_passage(number: str, passage: Passage | Any, quote: str) -> None:
    _print_place(number, passage)
    for line in textwrap.wrap(f"“{' '.join(quote.split())}”", width=96):
        print(f"    {line}")


def _fill(paragraph: str) -> str:
    """A paragraph wrapped at 100 characters, each of its lines (a list's items) on its own."""
    return "\n".join(textwrap.fill(line, width=100) for line in paragraph.split("\n"))


def render_answer(answer: Answer) -> None:
    """The answer as the chat shows it: a paragraph per quote, the answer's own quotes first
    and the context it was widened by under "N more quotes from the sources"; then where each
    stands. A refusal comes with the nearest passages, marked as not answering."""
    if answer.refused:
        print(_fill(answer.answer))
        if answer.retrieved:
            print("\nRelated passages (these do not answer the question):")
        for passage in answer.retrieved[:3]:
            more = "…" if len(passage.text) > 300 else ""
            _print_passage("-", passage, passage.text[:300] + more)
        return
    shown, rest = answer_and_context(answer.to_json())
    print("\n\n".join(_fill(p) for p in shown))
    if rest:
        print(f"\n{context_label(rest)}:\n")
        print("\n\n".join(_fill(p) for p in rest))
    print("\nSources:")
    for citation in answer.citations:
        _print_place(f"[{citation.n}]", citation)


def _read_history(path: Path | None) -> list[dict[str, str]]:
    if path is None:
        return []
    try:
        history = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise SystemExit(f"error: --history {path}: {err}") from None
    if not isinstance(history, list) or not all(
        isinstance(t, dict) and "content" in t for t in history
    ):
        raise SystemExit(
            f"error: --history {path}: expected a JSON list of {{role, content}} objects"
        )
    return history


def _batch(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, record) per line, or (line number, error message) for a bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise SystemExit(f"error: --batch {path}: {err.strerror}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            yield number, f"invalid JSON ({err.msg})"
            continue
        if not isinstance(record, dict) or not isinstance(record.get("question"), str):
            yield number, 'each line needs a "question" string'
            continue
        if not has_words(record["question"]):
            yield number, '"question" holds no words'
            continue
        yield number, record


def open_assistant(settings: Settings) -> Any:
    from assistant.records import EmptyStoreError
    from assistant.service import Assistant

    assistant = Assistant.open(settings)
    if not assistant.corpus_version or not assistant.documents():
        raise EmptyStoreError(f"the index at {settings.home} is empty: run `palermo ingest` first")
    return assistant


def matches_nothing(filters: Filters | None, assistant: Any) -> bool:
    """Whether the filters can match nothing in the index; if so, each problem is printed."""
    problems = filter_problems(filters, assistant.documents())
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return bool(problems)


def run_query(args: argparse.Namespace, settings: Settings) -> int:
    if not has_words(args.text) and not args.batch:
        print(
            f"error: give a {'question' if args.command == 'ask' else 'query'} or --batch FILE",
            file=sys.stderr,
        )
        return 2
    assistant = open_assistant(settings)
    filters = filters_of(args)
    if matches_nothing(filters, assistant):
        return 2
    generative = _llm_engine(assistant, args, settings) if args.command == "ask" else None
    if args.batch:
        failed = 0
        for number, record in _batch(args.batch):
            if isinstance(record, str):
                print(f"error: {args.batch} line {number}: {record}", file=sys.stderr)
                failed += 1
                continue
            if args.command == "ask":
                asker = generative.answer if generative else assistant.ask
                result = asker(record["question"], record.get("history") or [], filters).to_json()
            else:
                passages = assistant.search(record["question"], args.k, filters)
                result = {
                    "question": record["question"],
                    "retrieved": [p.to_json() for p in passages],
                }
            print(
                json.dumps({"id": record.get("id", number), **result}, ensure_ascii=False),
                flush=True,
            )
        return 1 if failed else 0
    if args.command == "ask" and generative:
        _ask_llm(generative, args.text, _read_history(args.history), filters, args.json)
        return 0
    if args.command == "ask":
        answer = assistant.ask(args.text, _read_history(args.history), filters)
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
        else:
            render_answer(answer)
        return 0
    passages = assistant.search(args.text, args.k, filters)
    if args.json:
        print(
            json.dumps(
                {"query": args.text, "retrieved": [p.to_json() for p in passages]},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for rank, passage in enumerate(passages, start=1):
            _print_passage(f"{rank}.", passage, passage.text)
    return 0


def _llm_engine(assistant: Any, args: argparse.Namespace, settings: Settings) -> Any:
    """The LLM engine when asked for (--engine llm or PALERMO_ENGINE=llm), else None."""
    if (args.engine or settings.engine) != "llm":
        return None
    from assistant.llm import LLMConfigError

    try:
        engine = assistant.llm_engine()
    except LLMConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    if engine is None:
        print(
            "error: --engine llm needs an LLM: set PALERMO_LLM_BACKEND (README: LLM answers)",
            file=sys.stderr,
        )
        raise SystemExit(2)
    return engine


def _ask_llm(
    engine: Any, question: str, history: list, filters: Filters | None, as_json: bool
) -> None:
    """Stream the model's draft to a terminal, then print the verified answer and its sources."""
    live = sys.stdout.isatty() and not as_json
    result = None
    for item in engine.stream(question, history, filters):
        if isinstance(item, str):
            if live:
                print(item, end="", flush=True)
        else:
            result = item
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    if live:
        print("\n\n— checked against the sources —\n")
    if result.fallback_reason:
        print(f"(LLM answer not used: {result.fallback_reason}; quoting the documents instead)\n")
    render_answer(result.answer)
    if result.support:
        kept = sum(s.supported for s in result.support)
        print(f"\n{kept} of {len(result.support)} generated sentences supported by their citations")

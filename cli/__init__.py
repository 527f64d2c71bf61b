"""`palermo`: ingest, ask, search, list the corpus, run evals and serve the app from one command.

The command line is a top-level front end, like the app: it may import every layer below it
(common, ingest, assistant) and the evals.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from cli.parser import build_parser, filters_of
from cli.query import matches_nothing, open_assistant, render_answer, run_query
from common.settings import Settings, quiet_network_env, settings_problem

__all__ = ["build_parser", "main", "render_answer"]


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


def _write_fitted(out: Path, make: Callable[[Path], str]) -> int:
    """Write a fitted file with `make` (the adapter, the scope classifier, the question bank):
    its note on success, a one-line error naming the file or line at fault otherwise."""
    from evals.sets import EvalSetError

    try:
        note = make(out)
    except (OSError, EvalSetError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"wrote {out}: {note}")
    return 0


def _run_adapt(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.query_adapter import ADAPTER_FILE
    from evals.adapter import TRAINING_SETS, make_adapter

    sets = args.sets or list(TRAINING_SETS)
    return _write_fitted(
        args.out or settings.corpus_dir / ADAPTER_FILE,
        lambda out: make_adapter(settings, sets, out, args.strength),
    )


def _run_bank(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.question_bank import BANK_FILE
    from evals.bank import BANK_SOURCES, make_bank

    sources = args.sources or list(BANK_SOURCES)
    return _write_fitted(
        args.out or settings.corpus_dir / BANK_FILE,
        lambda out: make_bank(settings, sources, out),
    )


def _run_scope(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.scope import SCOPE_FILE
    from evals.scope import ANSWERABLE_SETS, SCOPE_TRAINING, make_scope

    examples = args.scope or SCOPE_TRAINING
    return _write_fitted(
        args.out or settings.corpus_dir / SCOPE_FILE,
        lambda out: make_scope(settings, examples, list(ANSWERABLE_SETS), out),
    )


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
    assistant, filters = open_assistant(settings), filters_of(args)
    if matches_nothing(filters, assistant):
        return 2
    note = draft_brief(assistant, args.topic, filters)
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
    print(
        "note: on 2 CPU cores this model answered the blind test set worse than the default "
        "quotes (all facts 0.36 against 0.56, a minute an answer); the app keeps quotes as its "
        "default (README: LLM answers)"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    quiet_network_env()
    args = build_parser().parse_args(argv)
    try:
        settings = Settings(home=args.store) if args.store else Settings()
    except ValidationError as err:
        print(f"error: settings: {settings_problem(err)}", file=sys.stderr)
        return 2
    except Exception as err:  # a missing or unreadable config file
        print(f"error: settings: {err}", file=sys.stderr)
        return 2
    handlers = {
        "ingest": _run_ingest,
        "ask": run_query,
        "search": run_query,
        "corpus": _run_corpus,
        "eval": _run_eval,
        "serve": _run_serve,
        "brief": _run_brief,
        "feedback": _run_feedback,
        "model": _run_model,
        "adapt": _run_adapt,
        "scope": _run_scope,
        "bank": _run_bank,
    }
    from assistant.records import EmptyStoreError

    try:
        return handlers[args.command](args, settings)
    except EmptyStoreError as err:
        print(f"error: {err}", file=sys.stderr)
        return 3
    except BrokenPipeError:  # the reader stopped reading (`palermo ask ... | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130

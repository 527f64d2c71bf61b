"""`palermo eval`: run eval sets through the engines, write results and reports, gate on quality."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from assistant.llm import LLMConfigError
from common.settings import Settings
from evals.answering import evaluate
from evals.engines import Engine, LlamaIndexDefaultEngine, PalermoEngine
from evals.judge import Judge
from evals.metrics import GATED, aggregate, breakdown, tolerance
from evals.report import SHOWN, html_report, markdown
from evals.sets import EvalCase, EvalSetError, load_set

FLOORS = {"hit@5": 0.95, "citation_support": 0.90, "all_facts": 0.85, "refusal_recall": 0.95}
CEILINGS = {"false_refusal": 0.03}
ENGINES = ("extractive", "llamaindex-default", "llm")
# found from this file, not the working folder: run elsewhere, `palermo eval --check` once
# compared with no baseline at all and passed
SETS_DIR = Path(__file__).resolve().parent / "sets"
BASELINE = Path(__file__).resolve().parent / "baseline.json"
DEFAULT_SETS = ("core", "dev", "coverage", "test", "holdout")


def _failure(
    case: EvalCase, metrics: dict[str, float], answer: dict[str, Any]
) -> dict[str, Any] | None:
    if case.answerable:
        problems = []
        if metrics["refused"]:
            problems.append("refused an answerable question")
        elif metrics["all_facts"] < 1:
            problems.append("missing key facts")
        if not metrics["citation_support"] and not metrics["refused"]:
            problems.append("no cited passage holds the evidence")
        if not metrics["hit@5"]:
            problems.append("evidence not in the top 5 passages")
        expected = f"{case.reference} (facts: {' / '.join('|'.join(g) for g in case.key_facts)})"
    else:
        problems = [] if metrics["refused"] else ["answered an unanswerable question"]
        expected = "a refusal"
    if not problems:
        return None
    return {
        "id": case.id,
        "type": case.type,
        "problem": "; ".join(problems),
        "question": case.question + (f" (after {len(case.history)} turns)" if case.history else ""),
        "expected": expected,
        "answer": answer.get("answer", ""),
        "citations": [
            {
                "n": c.get("n"),
                "title": c.get("title", ""),
                "section": c.get("section", ""),
                "quote": c.get("quote", ""),
            }
            for c in answer.get("citations", [])
        ],
    }


def check(overall: dict[str, Any], baseline: dict[str, Any] | None) -> tuple[list[str], list[str]]:
    """(problems, pending) of a run against the floors and the committed baseline.

    A problem fails the gate: a metric fell from the baseline by more than its tolerance, or
    fell below a floor the baseline had reached. A floor the baseline has not reached yet is
    pending: reported on every run until the engine reaches it, from when on it must hold.
    """
    problems, pending = [], []
    base = (baseline or {}).get("metrics", {})
    for metric, floor in {**FLOORS, **CEILINGS}.items():
        value = overall.get(metric, float("nan"))
        upper = metric in CEILINGS
        missed = math.isnan(value) or (value > floor if upper else value < floor)
        if not missed:
            continue
        reached = metric in base and (base[metric] <= floor if upper else base[metric] >= floor)
        words = "above its ceiling" if upper else "below its floor"
        (problems if reached or not baseline else pending).append(
            f"{metric} = {value:.3f} is {words} {floor}"
        )
    for metric in GATED:
        if metric not in base:
            continue
        allowed = baseline.get("tolerances", {}).get(metric, 0.02)
        value = overall.get(metric, float("nan"))
        worse = (
            value > base[metric] + allowed if metric in CEILINGS else value < base[metric] - allowed
        )
        if math.isnan(value) or worse:
            problems.append(
                f"{metric} = {value:.3f} moved from the baseline {base[metric]:.3f} by more than {allowed}"
            )
    return problems, pending


def baseline_of(overall: dict[str, Any]) -> dict[str, Any]:
    """The metrics to hold, with tolerances sized to the set's statistical noise."""
    counts = {"refusal_recall": overall.get("unanswerable", 0)}
    return {
        "metrics": {m: round(overall[m], 4) for m in GATED if m in overall},
        "tolerances": {
            m: tolerance(overall[m], counts.get(m, overall.get("answerable", 0)))
            for m in GATED
            if m in overall
        },
        "cases": overall.get("cases"),
    }


def set_name(set_paths: list[Path]) -> str:
    """The key of a run's baseline: the set's file name without .jsonl (joined with '+')."""
    return "+".join(path.stem for path in set_paths)


BLIND_SETS = ("test", "holdout")


def is_blind(path: Path) -> bool:
    """The test sets are blind: nobody reads their cases while changing the engine."""
    return path.stem in BLIND_SETS


def load_baselines(path: Path) -> dict[str, Any]:
    """The baseline file: one entry per eval set, by set name."""
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def run(
    set_paths: list[Path],
    out: Path,
    engines: list[str],
    settings: Settings,
    baseline_path: Path | None = None,
    progress: bool = True,
    assistant: Any = None,
    judge: Judge | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Run the sets through the engines; write results.jsonl, report.json/.md/.html to `out`.

    The baseline is the entry named after the sets (`set_name`) in the baseline file. A blind
    set's outputs hold aggregates and the ids that fail, never a question or an answer.
    """
    cases = [case for path in set_paths for case in load_set(path)]
    key = set_name(set_paths)
    hidden = any(is_blind(path) for path in set_paths)
    if assistant is None:
        from assistant.service import Assistant

        assistant = Assistant.open(settings)
    embedder = assistant.embedder
    out.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "sets": [str(p) for p in set_paths],
        "cases": len(cases),
        "blind": hidden,
        "engines": {},
    }
    all_rows = []
    for name in engines:
        engine: Engine
        if name == "extractive":
            engine = PalermoEngine(assistant)
        elif name == "llm":
            from assistant.generative import LLMEvalEngine

            engine = LLMEvalEngine(assistant)
        else:
            engine = LlamaIndexDefaultEngine(settings, embedder, settings.corpus_dir)
        rows = evaluate(cases, engine, embedder, progress, judge)
        pairs = [(r["case"], r["metrics"]) for r in rows]
        report["engines"][name] = {"overall": aggregate(pairs), "groups": breakdown(pairs)}
        all_rows.extend(rows)
    first_rows = [r for r in all_rows if r["engine"] == engines[0]]
    overall = report["engines"][engines[0]]["overall"]
    baseline = load_baselines(baseline_path).get(key) if baseline_path else None
    problems, pending = check(overall, baseline)
    report["check"] = {
        "engine": engines[0],
        "problems": problems,
        "pending": pending,
        "baseline": f"{baseline_path or ''} [{key}]",
    }
    failures = [f for r in first_rows if (f := _failure(r["case"], r["metrics"], r["answer"]))]
    if hidden:
        failures = [{key: f[key] for key in ("id", "type", "problem")} for f in failures]
    report["check"]["failing"] = [f["id"] for f in failures]
    with (out / "results.jsonl").open("w", encoding="utf-8") as handle:
        for row in all_rows:
            answer = {"refused": row["answer"].get("refused")} if hidden else row["answer"]
            record = {"id": row["id"], "engine": row["engine"], **answer, "metrics": row["metrics"]}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    (out / "report.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    (out / "report.md").write_text(markdown(report, failures), encoding="utf-8")
    latencies = [r["metrics"]["latency_ms"] for r in first_rows]
    (out / "report.html").write_text(html_report(report, failures, latencies), encoding="utf-8")
    return report, problems


def summary(report: dict[str, Any], problems: list[str]) -> str:
    keys = [k for k in SHOWN if k not in ("hit@1", "hit@3", "hit@10")]
    engines = list(report["engines"])
    lines = [f"{'metric':<20}" + "".join(f"{e:>20}" for e in engines)]
    for key in keys:
        cells = []
        for engine in engines:
            value = report["engines"][engine]["overall"].get(key, float("nan"))
            cells.append(f"{value:>20.1f}" if key.startswith("latency") else f"{value:>20.3f}")
        lines.append(f"{key:<20}" + "".join(cells))
    lines.append("Gate: " + ("PASS" if not problems else "FAIL\n  " + "\n  ".join(problems)))
    if report.get("blind"):
        failing = report.get("check", {}).get("failing", [])
        lines.append(f"Failing ids ({len(failing)}): {' '.join(failing) or 'none'}")
    pending = report.get("check", {}).get("pending", [])
    if pending:
        lines.append("Floors not reached yet (held once reached):\n  " + "\n  ".join(pending))
    return "\n".join(lines)


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    """Evaluate each set on its own (reports in `out/<set>/`), each against its own baseline."""
    sets = args.sets or [SETS_DIR / f"{name}.jsonl" for name in DEFAULT_SETS]
    engines = [e.strip() for e in args.engine.split(",") if e.strip()]
    unknown = [e for e in engines if e not in ENGINES]
    if unknown:
        print(f"error: unknown engine(s) {', '.join(unknown)}; choose from {', '.join(ENGINES)}")
        return 2
    failed = False
    try:
        for path in sets:
            load_set(path)  # a malformed set stops the run before any case is answered
        ablated = getattr(args, "ablate", None)
        if ablated is not None:
            from evals.ablation import ablate, markdown, rows_asked

            ablated = rows_asked(ablated)  # an unknown component stops it too
        judge = Judge.from_settings(settings) if args.judge else None
        from assistant.service import Assistant

        assistant = Assistant.open(settings)
        for path in sets:
            out = args.out / path.stem
            report, problems = run(
                [path], out, engines, settings, args.baseline, assistant=assistant, judge=judge
            )
            print(f"\n== {path} ({report['cases']} cases{', blind' if report['blind'] else ''})")
            print(summary(report, problems))
            print(f"Reports: {out}/report.md, report.html, report.json, results.jsonl")
            failed = failed or bool(problems)
            if args.write_baseline:
                baselines = load_baselines(args.baseline)
                baselines[set_name([path])] = baseline_of(report["engines"][engines[0]]["overall"])
                args.baseline.write_text(json.dumps(baselines, indent=2) + "\n", encoding="utf-8")
                print(f"Baseline for {set_name([path])} written to {args.baseline}")
        if ablated is not None:
            table = markdown(ablate(assistant, sets, ablated))
            (args.out / "ablation.md").write_text(table, encoding="utf-8")
            print(f"\n{table}\nAblation table: {args.out}/ablation.md")
    except (EvalSetError, LLMConfigError) as err:
        print(f"error: {err}")
        return 2
    return 1 if args.check and failed else 0

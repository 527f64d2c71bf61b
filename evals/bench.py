"""Benchmarks that print numbers (not tests): ingest, start-up and answer latency, and scale.

python -m evals.bench                       # the corpus: cold and unchanged ingest, start-up, ask p50/p95
python -m evals.bench --distractors ../shared/bench/un-general-debates --limit 200
                                            # plus N unrelated UN speeches: throughput, size, latency, quality
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common.settings import Settings, quiet_network_env

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "evals" / "sets" / "core.jsonl"


def _size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _ask_latencies(settings: Settings, rounds: int) -> tuple[list[float], dict[str, float]]:
    from assistant.service import Assistant
    from evals.runner import run
    from evals.sets import load_set

    assistant = Assistant.open(settings)
    cases = load_set(CORE)
    latencies = []
    for _ in range(rounds):
        for case in cases:
            began = time.perf_counter()
            assistant.ask(case.question, case.history)
            latencies.append((time.perf_counter() - began) * 1000)
    with tempfile.TemporaryDirectory() as out:
        report, _ = run(
            [CORE], Path(out), ["extractive"], settings, None, progress=False, assistant=assistant
        )
    return latencies, report["engines"]["extractive"]["overall"]


def _first_answer_seconds(home: Path) -> float:
    env = {**os.environ, "PALERMO_HOME": str(home)}
    began = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "cli",
            "ask",
            "Can smuggled migrants be prosecuted?",
            "--json",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - began


def _distractors(source: Path, limit: int, folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    files = sorted(source.glob("*.txt"))[:limit]
    for path in files:
        shutil.copy(path, folder / path.name)
    return len(files)


def main(argv: list[str] | None = None) -> int:
    quiet_network_env()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="passes over the core set for latency"
    )
    parser.add_argument("--distractors", type=Path, help="a folder of unrelated .txt documents")
    parser.add_argument("--limit", type=int, default=200, help="how many distractor files")
    parser.add_argument("--keep", type=Path, help="keep the benchmark store here")
    args = parser.parse_args(argv)

    from ingest.pipeline import ingest

    home = args.keep or Path(tempfile.mkdtemp(prefix="palermo-bench-"))
    settings = Settings(home=home, corpus_dir=ROOT / "corpus")
    results: dict[str, object] = {}

    cold = ingest(None, settings, progress=False)
    results["cold_ingest_s"] = round(cold.seconds, 1)
    results["chunks"] = cold.chunks_total
    results["cold_ingest_chunks_per_s"] = round(cold.chunks_written / cold.seconds, 1)
    results["unchanged_reingest_s"] = round(ingest(None, settings, progress=False).seconds, 2)
    results["store_mb"] = round(_size_mb(home), 1)
    results["start_to_first_answer_s"] = round(_first_answer_seconds(home), 1)
    latencies, quality = _ask_latencies(settings, args.rounds)
    results["ask_p50_ms"] = round(statistics.median(latencies), 1)
    results["ask_p95_ms"] = round(percentile(latencies, 0.95), 1)
    results["asks"] = len(latencies)
    results["core_quality"] = {
        k: round(quality[k], 3) for k in ("hit@5", "all_facts", "refusal_recall")
    }

    if args.distractors:
        folder = home / "distractors"
        count = _distractors(args.distractors, args.limit, folder)
        report = ingest([folder], settings, progress=True)
        results["distractor_files"] = count
        results["distractor_ingest_s"] = round(report.seconds, 1)
        results["distractor_chunks_per_s"] = round(
            report.chunks_written / max(report.seconds, 1e-9), 1
        )
        results["chunks_with_distractors"] = report.chunks_total
        results["store_mb_with_distractors"] = round(_size_mb(home), 1)
        latencies, quality = _ask_latencies(settings, 1)
        results["ask_p50_ms_with_distractors"] = round(statistics.median(latencies), 1)
        results["ask_p95_ms_with_distractors"] = round(percentile(latencies, 0.95), 1)
        results["core_quality_with_distractors"] = {
            k: round(quality[k], 3) for k in ("hit@5", "all_facts", "refusal_recall")
        }

    print(json.dumps(results, indent=2))
    if not args.keep:
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

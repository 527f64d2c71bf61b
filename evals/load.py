"""The load test: app replicas over one Chroma server, readers chatting at a reader's pace.

python -m evals.load                      # 20 readers, 5 questions each, 10-20 s apart, 2 replicas
python -m evals.load --users 4 --questions 3 --pace 1 2

Everything runs on loopback and stops by itself: a `chroma run`, one `palermo ingest` of the
corpus, then N `palermo serve` processes with separate empty home folders. Each simulated reader
is one chat session (one Gradio client) on one replica, asking a conversation with follow-ups
and waiting between questions as a reader would. It prints one JSON object: requests, errors,
ask latency p50/p95 as the reader sees it (whole answer), answers per second, and whether any
session's conversation held a question another session asked (cross-talk).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.bench import percentile

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CONVERSATIONS = [
    [
        "What is GLO.ACT?",
        "Which countries does it cover?",
        "Who funds it?",
        "How long does it run?",
        "Who carries it out with UNODC?",
    ],
    [
        "Can migrants be prosecuted for having been smuggled?",
        "And what about the smugglers themselves?",
        "Are there harsher penalties when lives are put at risk?",
        "What must States do to protect smuggled migrants?",
        "And when they are sent home?",
    ],
    [
        "How does the Protocol define smuggling of migrants?",
        "What is meant by illegal entry?",
        "What about fraudulent travel documents?",
        "Can a warship board a ship suspected of smuggling?",
        "What if the ship has no nationality?",
    ],
    [
        "What did the CCPCJ discuss in December 2021?",
        "What did the panellists say about closed borders?",
        "Who spoke for the European Union?",
        "What is UNODC's Observatory on smuggling?",
        "What data does it collect?",
    ],
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until `url` answers HTTP; fail early when the process serving it has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the process for {url} exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def start_chroma(path: Path, log: Any = subprocess.DEVNULL) -> tuple[subprocess.Popen[bytes], str]:
    """A `chroma run` on a free loopback port, answering its heartbeat; (process, url)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [str(BIN / "chroma"), "run", "--path", str(path), "--host", "127.0.0.1"]
        + ["--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    try:
        wait_for(f"{url}/api/v2/heartbeat", 60, process)
    except (RuntimeError, TimeoutError):
        process.kill()
        raise
    return process, url


@dataclass
class Cluster:
    """The processes of one multi-replica deployment on loopback, and where they answer."""

    chroma_url: str
    replica_urls: list[str]
    homes: list[Path]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)


def _env(home: Path, chroma_url: str, extra: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "PALERMO_HOME": str(home),
        "PALERMO_CHROMA_URL": chroma_url,
        "ANONYMIZED_TELEMETRY": "False",
        "GRADIO_ANALYTICS_ENABLED": "False",
        **extra,
    }


@contextmanager
def cluster(
    folder: Path, corpus: Path, replicas: int = 2, env: dict[str, str] | None = None
) -> Iterator[Cluster]:
    """A `chroma run`, the corpus ingested once through the first replica's settings, and
    `replicas` app processes with separate empty homes; all stopped on exit."""
    env = env or {}
    processes: list[subprocess.Popen[bytes]] = []
    logs = folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)

    def start(name: str, args: list[str], process_env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (logs / f"{name}.log").open("wb")
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=process_env)
        processes.append(process)
        return process

    try:
        chroma, chroma_url = start_chroma(folder / "chroma", (logs / "chroma.log").open("wb"))
        processes.append(chroma)
        homes = [folder / f"replica-{n}" for n in range(replicas)]
        subprocess.run(
            [str(BIN / "palermo"), "ingest", str(corpus)],
            env=_env(homes[0], chroma_url, env),
            check=True,
            capture_output=True,
            timeout=1800,
        )
        urls = []
        for n, home in enumerate(homes):
            port = free_port()
            urls.append(f"http://127.0.0.1:{port}/")
            start(
                f"replica-{n}",
                [str(BIN / "palermo"), "serve", "--port", str(port)],
                _env(home, chroma_url, env),
            )
        for url, process in zip(urls, processes[1:], strict=True):
            wait_for(url, 180, process)
        yield Cluster(chroma_url, urls, homes, processes)
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def client(url: str) -> Any:
    """One chat session on a replica."""
    from gradio_client import Client

    return Client(url, analytics_enabled=False, verbose=False, download_files=False)


def ask(session: Any, question: str, timeout: float = 120) -> list[dict[str, Any]]:
    """Ask through the app's API; returns the session's conversation after the answer."""
    result = session.submit(question, [], [], [], None, None, api_name="/ask").result(
        timeout=timeout
    )
    return list(result[0])


def text_of(message: dict[str, Any]) -> str:
    content = message.get("content", "")
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


def reply_of(messages: list[dict[str, Any]]) -> str:
    """The text of the last reply: the chat messages after the last question (an answer widened
    by other passages is two, the second shown folded)."""
    asked = max((n for n, m in enumerate(messages) if m.get("role") == "user"), default=-1)
    return "\n\n".join(text_of(m) for m in messages[asked + 1 :])


@dataclass
class ReaderLog:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cross_talk: int = 0


def reader(url: str, questions: list[str], pace: tuple[float, float], seed: int) -> ReaderLog:
    """One reader: a session asking `questions` in turn, pausing `pace` seconds between them.

    Cross-talk: the session's conversation must hold exactly this reader's questions so far.
    """
    log = ReaderLog()
    rng = random.Random(seed)
    time.sleep(rng.uniform(0, pace[1]))  # readers arrive over a while, not all at once
    try:
        session = client(url)
    except Exception as err:  # noqa: BLE001 -- a failed connection is a counted error
        log.errors.append(f"connect: {err}")
        return log
    for n, question in enumerate(questions):
        began = time.perf_counter()
        try:
            messages = ask(session, question)
        except Exception as err:  # noqa: BLE001
            log.errors.append(f"{question!r}: {err}")
            continue
        log.latencies.append(time.perf_counter() - began)
        asked = [text_of(m) for m in messages if m.get("role") == "user"]
        if asked != questions[: n + 1]:
            log.cross_talk += 1
        if n < len(questions) - 1:
            time.sleep(rng.uniform(*pace))
    return log


def run_readers(
    urls: list[str], users: int, questions: int, pace: tuple[float, float]
) -> dict[str, Any]:
    """Readers spread over the replicas in turn; the figures of the whole run."""
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=users) as pool:
        logs = list(
            pool.map(
                lambda n: reader(
                    urls[n % len(urls)],
                    CONVERSATIONS[n % len(CONVERSATIONS)][:questions],
                    pace,
                    seed=n,
                ),
                range(users),
            )
        )
    seconds = time.perf_counter() - began
    latencies = sorted(x for log in logs for x in log.latencies)
    errors = [e for log in logs for e in log.errors]
    return {
        "replicas": len(urls),
        "users": users,
        "questions_per_user": questions,
        "pace_s": list(pace),
        "requests": users * questions,
        "answers": len(latencies),
        "errors": len(errors),
        "error_samples": errors[:3],
        "sessions_with_cross_talk": sum(1 for log in logs if log.cross_talk),
        "latency_p50_s": round(statistics.median(latencies), 2) if latencies else None,
        "latency_p95_s": round(percentile(latencies, 0.95), 2) if latencies else None,
        "wall_s": round(seconds, 1),
        "answers_per_s": round(len(latencies) / seconds, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--questions", type=int, default=5, choices=range(1, 6))
    parser.add_argument("--pace", type=float, nargs=2, default=(10.0, 20.0), metavar=("MIN", "MAX"))
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="palermo-load-"))
    try:
        print(f"Starting Chroma and {args.replicas} replicas in {folder} ...", file=sys.stderr)
        with cluster(folder, args.corpus, args.replicas) as running:
            print(f"Replicas at {', '.join(running.replica_urls)}; readers start.", file=sys.stderr)
            figures = run_readers(running.replica_urls, args.users, args.questions, args.pace)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(figures, indent=2))
    return 0 if figures["errors"] == 0 and figures["sessions_with_cross_talk"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())

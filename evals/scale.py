"""The scale benchmark: ingest throughput against the plain encoder, re-ingest, latency, quality.

python -m evals.scale records ../shared/bench/un-general-debates /tmp/records.jsonl --count 12000
    # a JSONL of short records: the speeches' paragraphs, one per record
python -m evals.scale run /tmp/records.jsonl
python -m evals.scale run ../shared/bench/un-general-debates --with-corpus
    # the speeches beside the corpus: also core and test quality before and after (distractors)

`run` prints one JSON object: plain `SentenceTransformer.encode` on the passage texts ingest
embeds (and, as "same work", on those and the sentence texts ingest also embeds, at the
precision ingest runs the model at on this CPU: bfloat16 where it is native), the full
`palermo ingest` (a child process, so its peak memory is its own), their throughput ratios, an
unchanged re-ingest, and ask latency p50/p95 over the core set's questions.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common.settings import Settings, quiet_network_env
from evals.bench import percentile
from ingest.embedding import ingest_precision

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT / "evals" / "sets"
SUMMARY = re.compile(r"(\d+) chunks written, (\d+) in the store; ([\d.]+) s")


def make_records(source: Path, out: Path, count: int, min_words: int = 40) -> int:
    """Write up to `count` JSONL records, one per paragraph (line) of the .txt files in `source`."""
    written = 0
    with out.open("w", encoding="utf-8") as handle:
        for path in sorted(source.glob("*.txt")):
            paragraphs = path.read_text(encoding="utf-8").splitlines()
            for number, paragraph in enumerate(paragraphs, start=1):
                text = " ".join(paragraph.split())
                if len(text.split()) < min_words:
                    continue
                record = {"id": f"{path.stem}-p{number:03d}", "text": text}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                written += 1
                if written >= count:
                    return written
    return written


def texts_ingest_embeds(path: Path, settings: Settings) -> tuple[list[str], list[str]]:
    """The passage texts (title and heading in front of each chunk) and the sentence texts
    (heading in front of each sentence) that ingest embeds for `path`."""
    from ingest.chunking import chunk_document, split_sentences
    from ingest.embedding import passage_text_for_embedding, sentence_text_for_embedding
    from ingest.loaders import discover, load_file
    from ingest.sources import derive_title, sentence_title

    passages, sentences = [], []
    for file in discover([path]):
        for doc in load_file(file, 10**9):
            if hasattr(doc, "reason"):
                continue
            title = doc.title or derive_title(doc.text)
            heading = sentence_title(title, doc.text)  # once a document, as ingest does
            for chunk in chunk_document(doc, settings.chunk_min_words, settings.chunk_max_words):
                passages.append(passage_text_for_embedding(title, chunk.section, chunk.text))
                sentences += [
                    sentence_text_for_embedding(heading, chunk.section, sentence.text)
                    for sentence in split_sentences(chunk.text, chunk.start)
                ]
    return passages, sentences


def plain_encode_seconds(texts: list[str], settings: Settings, precision: str = "float32") -> float:
    """Seconds sentence-transformers takes to encode the texts, with its defaults (float32), or
    in bfloat16 the way ingest runs it (`ingest.embedding.embed`)."""
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(settings.model_path(), device="cpu")
    if precision == "bfloat16":
        model = model.to(torch.bfloat16)
    model.encode(texts[:64])  # warm up
    began = time.perf_counter()
    model.encode(texts, batch_size=32, normalize_embeddings=True)
    return time.perf_counter() - began


def palermo_ingest(path: Path, home: Path) -> dict[str, float]:
    """Run `palermo ingest` in a child process; its wall time and the run's own summary."""
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "cli", "--store", str(home), "ingest", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - began
    match = SUMMARY.search(done.stdout)
    if match is None:
        raise RuntimeError(f"ingest printed no summary:\n{done.stdout}\n{done.stderr[-2000:]}")
    return {
        "wall_s": round(wall, 1),
        "run_s": float(match.group(3)),
        "chunks_written": int(match.group(1)),
        "chunks_in_store": int(match.group(2)),
        "exit": done.returncode,
        "summary": done.stdout.strip().splitlines()[0],
        "time_split": next(
            (line for line in done.stdout.splitlines() if line.startswith("Time: ")), ""
        ),
    }


def peak_child_mb() -> float:
    """The largest resident size any child process reached (Linux reports kB)."""
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


def quality_in_child(home: Path, sets: list[str]) -> dict[str, Any]:
    """`quality_and_latency` in a child process: an embedded Chroma store is for one process at a
    time, and a client that read it before a child ingested into it reads stale segments
    ("Error finding id")."""
    done = subprocess.run(
        [sys.executable, "-m", "evals.scale", "quality", str(home), *sets],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"the quality run failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def quality_and_latency(settings: Settings, sets: list[str]) -> dict[str, Any]:
    """All-facts, cited, refused per set, and ask latency over every case asked."""
    from assistant.service import Assistant
    from evals.answering import evaluate
    from evals.engines import PalermoEngine
    from evals.metrics import aggregate
    from evals.sets import load_set

    assistant = Assistant.open(settings)
    out: dict[str, Any] = {}
    latencies: list[float] = []
    for name in sets:
        rows = evaluate(
            load_set(SETS / f"{name}.jsonl"), PalermoEngine(assistant), assistant.embedder, False
        )
        latencies += [r["answer"]["timings_ms"]["total"] for r in rows]
        overall = aggregate([(r["case"], r["metrics"]) for r in rows])
        out[name] = {
            k: round(overall[k], 3)
            for k in ("hit@5", "all_facts", "citation_support", "refusal_recall")
        }
    out["ask_p50_ms"] = round(statistics.median(latencies), 1)
    out["ask_p95_ms"] = round(percentile(latencies, 0.95), 1)
    out["asks"] = len(latencies)
    return out


def run(path: Path, with_corpus: bool, keep: Path | None) -> dict[str, Any]:
    home = keep or Path(tempfile.mkdtemp(prefix="palermo-scale-"))
    settings = Settings(home=home, corpus_dir=ROOT / "corpus")
    results: dict[str, Any] = {"input": str(path), "home": str(home)}
    quality_sets = ["core", "test"] if with_corpus else ["core"]
    if with_corpus:
        results["corpus_ingest"] = palermo_ingest(ROOT / "corpus", home)
        results["before"] = quality_in_child(home, quality_sets)

    texts, sentences = texts_ingest_embeds(path, settings)
    plain = plain_encode_seconds(texts, settings)
    results["plain_encoder"] = {
        "passages": len(texts),
        "seconds": round(plain, 1),
        "passages_per_s": round(len(texts) / plain, 1),
    }
    # ingest also embeds every sentence on its own (the answer engine scores sentences), at
    # the precision this CPU computes fastest; the same work done by the plain encoder at that
    # precision shows what the pipeline itself costs beyond encoding
    precision = ingest_precision(settings)
    both = sum(plain_encode_seconds(part, settings, precision) for part in (texts, sentences))
    results["plain_encoder_same_work"] = {
        "precision": precision,
        "sentences": len(sentences),
        "seconds": round(both, 1),
        "passages_per_s": round(len(texts) / both, 1),
    }
    full = palermo_ingest(path, home)
    results["ingest"] = full
    results["ingest"]["passages_per_s"] = round(full["chunks_written"] / full["wall_s"], 1)
    results["ratio_to_plain_encoder"] = round(
        results["ingest"]["passages_per_s"] / results["plain_encoder"]["passages_per_s"], 2
    )
    results["ratio_to_plain_encoder_same_work"] = round(
        results["ingest"]["passages_per_s"] / results["plain_encoder_same_work"]["passages_per_s"],
        2,
    )
    results["peak_ingest_rss_mb"] = peak_child_mb()
    results["unchanged_reingest"] = palermo_ingest(path, home)
    results["after"] = quality_in_child(home, quality_sets)
    if with_corpus:
        results["all_facts_drop_points"] = {
            name: round(
                100 * (results["before"][name]["all_facts"] - results["after"][name]["all_facts"]),
                1,
            )
            for name in quality_sets
        }
    return results


def main(argv: list[str] | None = None) -> int:
    quiet_network_env()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    records = commands.add_parser("records", help="make a JSONL of paragraph records")
    records.add_argument("source", type=Path, help="a folder of .txt files")
    records.add_argument("out", type=Path)
    records.add_argument("--count", type=int, default=12_000)
    bench = commands.add_parser("run", help="benchmark ingest and answers on a file or folder")
    bench.add_argument("path", type=Path)
    bench.add_argument(
        "--with-corpus", action="store_true", help="ingest the corpus first; measure quality drop"
    )
    bench.add_argument("--keep", type=Path, help="keep the benchmark store in this folder")
    quality = commands.add_parser("quality", help="quality and ask latency of a store (JSON)")
    quality.add_argument("home", type=Path, help="the store's home folder")
    quality.add_argument("sets", nargs="+", help="eval set names, e.g. core test")
    args = parser.parse_args(argv)
    if args.command == "quality":
        settings = Settings(home=args.home, corpus_dir=ROOT / "corpus")
        print(json.dumps(quality_and_latency(settings, args.sets)))
        return 0
    if args.command == "records":
        print(f"{make_records(args.source, args.out, args.count)} records written to {args.out}")
        return 0
    print(json.dumps(run(args.path, args.with_corpus, args.keep), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

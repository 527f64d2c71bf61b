"""`palermo bank`: the question bank (assistant/question_bank.py) from the training files.

Every answerable stand-alone question of `evals/training/` (lay, kinds and scope: written for
fitting only, by writers who saw no eval set) with the openings of its evidence. Dev, coverage
and test are never in it, so they measure what it does for questions it has not seen.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from pathlib import Path

import numpy as np

from assistant.encoder import encode_queries
from assistant.fitted_files import PROBE
from assistant.question_bank import QuestionBank
from assistant.snapshot import folded
from common.settings import Settings, quiet_network_env
from evals.sets import EvalSetError

_TRAINING = Path(__file__).resolve().parent / "training"
BANK_SOURCES = (
    _TRAINING / "lay.jsonl",
    _TRAINING / "kinds.jsonl",
    _TRAINING / "scope.jsonl",
)
OPENING = 120  # characters of evidence kept: enough to tell passages apart, and an evidence
# string that runs past a passage's end still finds the passage it starts in


def bank_questions(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    """(question, evidence openings) for each answerable stand-alone question of a training file
    (the eval-set format, whose evidence is a list, or scope.jsonl's, a string). Its key facts
    count as evidence too: a briefing's evidence often names one passage of the three that
    answer it, and its key facts stand in the others."""
    out = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            question, evidence = str(record["question"]), record.get("evidence") or []
            facts = [str(phrase) for group in record.get("key_facts") or [] for phrase in group]
        except (ValueError, KeyError, TypeError) as error:
            raise EvalSetError(f"{path}:{number}: {error}") from error
        if not record.get("answerable", True) or record.get("history"):
            continue
        texts = ([evidence] if isinstance(evidence, str) else list(evidence)) + facts
        openings = tuple(dict.fromkeys(folded(t)[:OPENING] for t in texts if folded(t)))
        if openings:
            out.append((question, openings))
    return out


def make_bank(settings: Settings, sources: list[Path], out: Path) -> str:
    """Embed the questions of `sources` and write the bank to `out`; returns its note."""
    quiet_network_env()
    from ingest.embedding import load_embedder

    rows = [row for path in sources for row in bank_questions(path)]
    if not rows:
        raise ValueError("no answerable question with evidence in " + ", ".join(map(str, sources)))
    embedder = load_embedder(settings)
    vectors = np.asarray(encode_queries(embedder, [q for q, _ in rows]), dtype=np.float32)
    probe = np.asarray(embedder.get_text_embedding_batch([PROBE])[0], dtype=np.float32)
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in sources)).hexdigest()[:12]
    names = ", ".join(f"{p.parent.name}/{p.name}" for p in sources)
    note = f"made {datetime.date.today()} from {names} (sha256 {digest}): {len(rows)} questions"
    QuestionBank(vectors, tuple(e for _, e in rows), probe, note).save(out)
    return note

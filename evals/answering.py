"""Answer a set's cases through an engine and score each: what the runner and the ablation share."""

from __future__ import annotations

from typing import Any

import numpy as np

from evals.engines import Engine
from evals.judge import Judge
from evals.metrics import case_metrics
from evals.sets import EvalCase


def _similarity(embedder: Any, answer: str, reference: str) -> float | None:
    if not reference or not answer:
        return None
    a, b = (np.asarray(v) for v in embedder.get_text_embedding_batch([answer, reference]))
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def evaluate(
    cases: list[EvalCase],
    engine: Engine,
    embedder: Any,
    progress: bool = True,
    judge: Judge | None = None,
) -> list[dict[str, Any]]:
    """Answer every case and compute its metrics (and the judge's, when there is one)."""
    from tqdm import tqdm

    rows = []
    for case in tqdm(cases, desc=f"Evaluating {engine.name}", unit="case", disable=not progress):
        answer = engine.answer(case)
        text = "" if answer.get("refused") else answer.get("answer", "")
        metrics = case_metrics(case, answer, _similarity(embedder, text, case.reference))
        if judge is not None:
            metrics.update(judge.metrics(case, answer))
        rows.append(
            {
                "id": case.id,
                "engine": engine.name,
                "case": case,
                "answer": answer,
                "metrics": metrics,
            }
        )
    return rows

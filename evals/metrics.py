"""Offline metrics: retrieval, citations, answer facts, similarity, refusal and latency."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from assistant.compose import answer_and_context
from evals.sets import EvalCase

HITS = (1, 3, 5, 10)
# Metrics where larger is better; false_refusal and latency are better small.
GATED = ("hit@5", "citation_support", "all_facts", "refusal_recall", "false_refusal")


def normal(text: str) -> str:
    """Case- and whitespace-insensitive form for matching."""
    return " ".join(text.lower().split())


def _contains_any(text: str, phrases: list[str]) -> bool:
    body = normal(text)
    return any(normal(p) in body for p in phrases if p.strip())


def all_facts_in(text: str, key_facts: list[list[str]]) -> bool:
    """Whether a text holds every key fact (one phrase of each group), as `all_facts` counts."""
    return all(_contains_any(text, group) for group in key_facts)


def case_metrics(
    case: EvalCase, answer: dict[str, Any], similarity: float | None
) -> dict[str, float]:
    """The metrics of one answered case (answer in the core JSON contract)."""
    refused = bool(answer.get("refused"))
    latency = float(answer.get("timings_ms", {}).get("total", 0.0))
    generated = _generated(answer)
    if not case.answerable:
        return {"refused": float(refused), "latency_ms": latency, **generated}
    retrieved = answer.get("retrieved") or []
    rank = next(
        (
            i + 1
            for i, p in enumerate(retrieved)
            if _contains_any(p.get("quote", ""), case.evidence)
        ),
        None,
    )
    passages = {p.get("chunk_id"): p.get("quote", "") for p in retrieved}
    citations = answer.get("citations") or []
    facts = [phrase for group in case.key_facts for phrase in group]

    def cited_text(citation: dict[str, Any]) -> str:
        return passages.get(citation.get("chunk_id"), "") or citation.get("quote", "")

    supported = [_contains_any(cited_text(c), case.evidence) for c in citations]
    precise = [
        _contains_any(cited_text(c), case.evidence) or _contains_any(cited_text(c), facts)
        for c in citations
    ]
    text = "" if refused else answer.get("answer", "")
    met = [_contains_any(text, group) for group in case.key_facts]
    # what a reader sees before opening the fold (the app folds the passages it was widened by)
    unfolded = "" if refused else " ".join(answer_and_context(answer)[0])
    # the ceiling of all_facts for an answer quoting the passages shown: the gap below it is
    # lost in choosing sentences, the gap above it in retrieval
    shown = " ".join(p.get("quote", "") for p in retrieved)
    held = [_contains_any(shown, group) for group in case.key_facts]
    out = {f"hit@{k}": float(rank is not None and rank <= k) for k in HITS}
    out.update(
        {
            "mrr": 1.0 / rank if rank else 0.0,
            "citation_support": float(any(supported)),
            "citation_precision": sum(precise) / len(precise) if precise else 0.0,
            "key_fact_recall": sum(met) / len(met) if met else 1.0,
            "all_facts": float(all(met)),
            "all_facts_shown": float(all(held)),
            "all_facts_unfolded": float(all(_contains_any(unfolded, g) for g in case.key_facts)),
            "refused": float(refused),
            "latency_ms": latency,
        }
    )
    if similarity is not None:
        out["similarity"] = similarity
    out.update(generated)
    return out


POOLED = ("sentences", "sentences_supported", "llm_fallback")


def _generated(answer: dict[str, Any]) -> dict[str, float]:
    """For LLM answers: sentences written, how many their citations support, and fallbacks."""
    support = answer.get("support")
    if not isinstance(support, list):  # only the LLM engine checks sentence by sentence
        return {}
    return {
        "sentences": float(len(support)),
        "sentences_supported": float(sum(bool(s.get("supported")) for s in support)),
        "llm_fallback": float(answer.get("engine") != "llm"),
    }


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
    return ordered[index]


def aggregate(rows: list[tuple[EvalCase, dict[str, float]]]) -> dict[str, Any]:
    """Overall metrics with counts: answerable metrics over answerable cases, refusal over the rest."""
    answerable = [m for c, m in rows if c.answerable]
    unanswerable = [m for c, m in rows if not c.answerable]
    out: dict[str, Any] = {
        "cases": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
    }
    if answerable:
        skipped = ("refused", "latency_ms", "judge_failures", *POOLED)
        keys = [k for k in dict.fromkeys(k for m in answerable for k in m) if k not in skipped]
        for key in keys:
            out[key] = _mean([m[key] for m in answerable if key in m])
        if any("judge_failures" in m for m in answerable):
            out["judge_failures"] = sum(m.get("judge_failures", 0.0) for m in answerable)
        out["false_refusal"] = _mean([m["refused"] for m in answerable])
    if unanswerable:
        out["refusal_recall"] = _mean([m["refused"] for m in unanswerable])
    written = [m for _, m in rows if "sentences" in m]
    if written:  # per-sentence support over every case, answerable or not
        total = sum(m["sentences"] for m in written)
        supported = sum(m["sentences_supported"] for m in written)
        out["sentence_support"] = supported / total if total else float("nan")
        out["llm_fallback"] = _mean([m["llm_fallback"] for m in written])
    latencies = [m["latency_ms"] for _, m in rows]
    out["latency_p50_ms"] = _percentile(latencies, 0.5)
    out["latency_p95_ms"] = _percentile(latencies, 0.95)
    return out


def breakdown(rows: list[tuple[EvalCase, dict[str, float]]]) -> dict[str, dict[str, Any]]:
    """Metrics by case type and by tag."""
    groups: dict[str, list[tuple[EvalCase, dict[str, float]]]] = defaultdict(list)
    for case, metrics in rows:
        groups[f"type:{case.type}"].append((case, metrics))
        for tag in case.tags:
            groups[f"tag:{tag}"].append((case, metrics))
    return {name: aggregate(members) for name, members in sorted(groups.items())}


def tolerance(value: float, count: int) -> float:
    """Allowed drop from the baseline: one standard error of a proportion, at least 0.01."""
    if count <= 0 or math.isnan(value):
        return 0.05
    p = min(max(value, 0.02), 0.98)
    return round(max(0.01, math.sqrt(p * (1 - p) / count)), 3)

"""The eval harness: set format, metrics, reports, the peer engine and the quality gate on CI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.metrics import case_metrics
from evals.runner import baseline_of, check, run
from evals.sets import EvalSetError, load_set

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "evals" / "sets" / "core.jsonl"


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_eval_set_errors_name_the_line_and_unknown_fields_are_kept(tmp_path):
    good = json.dumps({"id": "a", "question": "Q?", "answerable": False, "owner": "team-b"})
    assert load_set(_write(tmp_path, [good]))[0].extra == {"owner": "team-b"}
    with pytest.raises(EvalSetError, match="line 2: invalid JSON"):
        load_set(_write(tmp_path, [good, "{oops"]))
    with pytest.raises(EvalSetError, match="line 1: missing required field 'answerable'"):
        load_set(_write(tmp_path, [json.dumps({"id": "b", "question": "Q?"})]))
    with pytest.raises(EvalSetError, match="key_facts"):
        bad = {"id": "c", "question": "Q?", "answerable": True, "key_facts": ["not a group"]}
        load_set(_write(tmp_path, [json.dumps(bad)]))
    with pytest.raises(EvalSetError, match="duplicate id"):
        load_set(_write(tmp_path, [good, good]))


def test_core_set_is_large_and_varied():
    cases = load_set(CORE)
    types = {c.type for c in cases}
    assert len(cases) >= 100
    assert sum(c.type == "followup" and bool(c.history) for c in cases) >= 15
    assert sum(not c.answerable for c in cases) >= 15
    assert {
        "factoid",
        "list",
        "definition",
        "obligation",
        "multi_doc",
        "comparison",
        "paraphrase",
    } <= types


def test_case_metrics_follow_their_definitions():
    case = load_set(CORE)[0]
    case.evidence, case.key_facts = ["over 85 participants"], [["over 85"], ["European Union"]]
    passage = {"chunk_id": "x", "quote": "It had over 85 participants online."}
    answer = {
        "answer": "It had over 85 participants online. [1]",
        "refused": False,
        "citations": [{"n": 1, "chunk_id": "x", "quote": "It had over 85 participants online."}],
        "retrieved": [{"chunk_id": "y", "quote": "Unrelated."}, passage],
        "timings_ms": {"total": 12.0},
    }
    metrics = case_metrics(case, answer, 0.8)
    assert metrics["hit@1"] == 0.0 and metrics["hit@3"] == 1.0 and metrics["mrr"] == 0.5
    assert metrics["citation_support"] == 1.0 and metrics["citation_precision"] == 1.0
    assert metrics["key_fact_recall"] == 0.5 and metrics["all_facts"] == 0.0
    refused = case_metrics(case, {**answer, "refused": True, "answer": "x"}, None)
    assert refused["refused"] == 1.0 and refused["key_fact_recall"] == 0.0


def test_gate_fails_on_regression_and_on_a_reached_floor_but_only_reports_pending_floors():
    base = {
        "hit@5": 0.96,
        "citation_support": 0.8,
        "all_facts": 0.6,
        "refusal_recall": 0.9,
        "false_refusal": 0.03,
        "answerable": 120,
        "unanswerable": 18,
    }
    baseline = baseline_of(base)
    problems, pending = check(dict(base), baseline)
    assert problems == [] and any("citation_support" in p for p in pending)
    problems, _ = check({**base, "hit@5": 0.94}, baseline)
    assert any("hit@5" in p and "floor" in p for p in problems)
    problems, _ = check({**base, "all_facts": 0.5}, baseline)
    assert any("all_facts" in p and "baseline" in p for p in problems)


def test_core_set_passes_the_gate_and_writes_reports(assistant, corpus_settings, tmp_path):
    """The CI quality gate: the committed baseline must hold on the core set."""
    report, problems = run(
        [CORE],
        tmp_path,
        ["extractive"],
        corpus_settings,
        ROOT / "evals" / "baseline.json",
        progress=False,
        assistant=assistant,
    )
    overall = report["engines"]["extractive"]["overall"]
    print(
        json.dumps({k: round(v, 3) for k, v in overall.items() if isinstance(v, float)}, indent=1)
    )
    assert problems == [], problems
    assert len((tmp_path / "results.jsonl").read_text().splitlines()) == overall["cases"]
    markdown = (tmp_path / "report.md").read_text()
    assert "## Overall" in markdown and "## Failures" in markdown and "type:followup" in markdown
    assert "<svg" in (tmp_path / "report.html").read_text()


def test_llamaindex_default_engine_answers_in_the_contract(
    assistant, corpus_settings, small_corpus, tmp_path
):
    from evals.engines import LlamaIndexDefaultEngine
    from evals.sets import EvalCase

    engine = LlamaIndexDefaultEngine(corpus_settings, assistant.embedder, small_corpus)
    answer = engine.answer(
        EvalCase(id="g", question="Which countries does GLO.ACT cover?", answerable=True)
    )
    assert not answer["refused"] and len(answer["citations"]) == 2
    assert "Belarus" in " ".join(p["quote"] for p in answer["retrieved"])


def _judge_llm(reply: str):
    """A stand-in judge model that always gives the same verdict (the judge's plumbing is under
    test here, not a model's opinion; tests/test_llm.py runs a real model as judge)."""
    from llama_index.core.llms import CompletionResponse, CustomLLM, LLMMetadata

    class Verdict(CustomLLM):
        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata()

        def complete(self, prompt: str, formatted: bool = False, **kwargs) -> CompletionResponse:
            return CompletionResponse(text=reply)

        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs):
            yield CompletionResponse(text=reply, delta=reply)

    return Verdict()


def test_the_optional_judge_adds_faithfulness_and_correctness(assistant, tmp_path):
    from evals.engines import PalermoEngine
    from evals.judge import Judge
    from evals.metrics import aggregate
    from evals.runner import evaluate

    cases = [c for c in load_set(CORE) if c.id in ("c001", "c072", "c123")]
    rows = evaluate(
        cases,
        PalermoEngine(assistant),
        assistant.embedder,
        False,
        Judge(_judge_llm("4.5\nYes: supported and correct.")),
    )
    judged = {r["id"]: r["metrics"] for r in rows}
    assert "faithfulness" not in judged["c123"]  # unanswerable: refused, nothing to judge
    overall = aggregate([(r["case"], r["metrics"]) for r in rows])
    assert overall["faithfulness"] == 1.0 and overall["judge_failures"] == 0
    assert overall["correctness"] == 0.9  # 4.5 of 5

    unparsable = evaluate(
        cases[:1], PalermoEngine(assistant), assistant.embedder, False, Judge(_judge_llm(""))
    )
    assert unparsable[0]["metrics"]["judge_failures"] == 2.0
    assert "correctness" not in unparsable[0]["metrics"]


def test_judge_without_an_llm_is_a_clear_usage_error(corpus_settings, monkeypatch, capsys):
    import argparse

    from evals.runner import run_cli

    monkeypatch.delenv("PALERMO_LLM_BACKEND", raising=False)
    args = argparse.Namespace(
        sets=[CORE],
        out=Path("unused"),
        engine="extractive",
        baseline=None,
        write_baseline=False,
        check=False,
        judge=True,
    )
    assert run_cli(args, corpus_settings) == 2
    assert "--judge needs an LLM" in capsys.readouterr().out

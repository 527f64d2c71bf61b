"""The eval harness: set format, metrics, reports, the peer engine and the quality gate on CI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.parser import build_parser
from evals.metrics import case_metrics
from evals.runner import BLIND_SETS, DEFAULT_SETS, SETS_DIR, baseline_of, check, load_baselines, run
from evals.sets import EvalSetError, load_set
from tests.fixtures import folded_corpus_text

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT / "evals" / "sets"
CORE = SETS / "core.jsonl"


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
    assert metrics["all_facts_shown"] == 0.0  # no passage shown says "European Union"
    eu = {"chunk_id": "z", "quote": "The European Union moderated."}
    shown = case_metrics(case, {**answer, "retrieved": [*answer["retrieved"], eu]}, None)
    assert shown["all_facts_shown"] == 1.0 and shown["all_facts"] == 0.0
    refused = case_metrics(case, {**answer, "refused": True, "answer": "x"}, None)
    assert refused["refused"] == 1.0 and refused["key_fact_recall"] == 0.0
    # a fact quoted only from a passage the answer was widened by is folded in the app
    widened = {
        **answer,
        "answer": "It had over 85 participants online. [1] The European Union moderated. [2]",
        "citations": [
            {**answer["citations"][0], "main": True},
            {"n": 2, "chunk_id": "z", "quote": "The European Union moderated.", "main": False},
        ],
    }
    folded = case_metrics(case, widened, None)
    assert folded["all_facts"] == 1.0 and folded["all_facts_unfolded"] == 0.0
    widened["citations"][1]["main"] = True
    assert case_metrics(case, widened, None)["all_facts_unfolded"] == 1.0


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


def test_dev_and_test_sets_are_new_user_phrased_cases_of_every_kind():
    """Issue 13's blind sets: at least 150 new cases, written from users' side."""
    cases = load_set(SETS / "dev.jsonl") + load_set(SETS / "test.jsonl")
    core_questions = {c.question for c in load_set(CORE)}
    assert len(cases) >= 150 and not core_questions & {c.question for c in cases}
    assert sum(not c.answerable for c in cases) >= 50
    assert sum(c.type == "followup" and bool(c.history) for c in cases) >= 20
    assert sum(c.type in ("comparison", "multi_doc") for c in cases) >= 20
    assert sum(c.type == "briefing" for c in cases) >= 15
    assert all(c.evidence and c.key_facts for c in cases if c.answerable)


def test_coverage_cases_quote_the_corpus_and_repeat_no_other_set():
    """Coverage's key facts and evidence are verbatim corpus text (else a case could never
    pass), and its ids and questions are its own."""
    corpus = folded_corpus_text()
    coverage = load_set(SETS / "coverage.jsonl")
    others = [c for name in ("core", "dev", "test") for c in load_set(SETS / f"{name}.jsonl")]
    assert len(coverage) >= 200 and all(c.answerable for c in coverage)
    assert not {c.id for c in coverage} & {c.id for c in others}
    assert not {c.question for c in coverage} & {c.question for c in others}
    quoted = [p for c in coverage for p in [*c.evidence, *(f for g in c.key_facts for f in g)]]
    assert [p for p in quoted if " ".join(p.lower().split()) not in corpus] == []


@pytest.mark.parametrize("name", DEFAULT_SETS)
def test_each_set_passes_its_gate_and_writes_reports(name, assistant, corpus_settings, tmp_path):
    """The CI quality gate: each set's committed baseline (evals/baseline.json) must hold."""
    path = SETS / f"{name}.jsonl"
    report, problems = run(
        [path],
        tmp_path,
        ["extractive"],
        corpus_settings,
        ROOT / "evals" / "baseline.json",
        progress=False,
        assistant=assistant,
    )
    overall = report["engines"]["extractive"]["overall"]
    print(name, json.dumps({k: round(v, 3) for k, v in overall.items() if isinstance(v, float)}))
    print("pending:", report["check"]["pending"])
    assert problems == [], problems
    assert len((tmp_path / "results.jsonl").read_text().splitlines()) == overall["cases"]
    markdown = (tmp_path / "report.md").read_text()
    kinds = {f"type:{c.type}" for c in load_set(path)}
    assert "## Overall" in markdown and "## Failures" in markdown
    assert all(kind in markdown for kind in kinds)
    assert "<svg" in (tmp_path / "report.html").read_text()
    written = "".join(p.read_text() for p in tmp_path.iterdir())
    leaked = [
        c.id
        for c in load_set(path)
        if c.question in written or (c.reference and c.reference in written)
    ]
    if name in BLIND_SETS:  # blind: aggregates and failing ids only
        assert report["blind"] and leaked == []
        assert all(i in markdown for i in report["check"]["failing"])
    else:
        assert not report["blind"] and leaked


def test_a_set_is_held_to_its_own_baseline_entry(assistant, corpus_settings, tmp_path):
    """A set named dev is checked against the "dev" entry, not another set's."""
    lines = (SETS / "dev.jsonl").read_text(encoding="utf-8").splitlines()[:6]
    small = tmp_path / "dev.jsonl"
    small.write_text("\n".join(lines) + "\n", encoding="utf-8")
    unreachable = {"metrics": {"all_facts": 1.01}, "tolerances": {"all_facts": 0.0}}
    baselines = tmp_path / "baseline.json"
    baselines.write_text(
        json.dumps({"core": {"metrics": {}}, "dev": unreachable}), encoding="utf-8"
    )
    report, problems = run(
        [small], tmp_path / "out", ["extractive"], corpus_settings, baselines, False, assistant
    )
    assert any("all_facts" in p and "baseline 1.010" in p for p in problems), problems
    assert report["check"]["baseline"].endswith("[dev]")


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
    from evals.answering import evaluate
    from evals.engines import PalermoEngine
    from evals.judge import Judge
    from evals.metrics import aggregate

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


def test_ablation_switches_one_component_off_at_a_time(assistant, tmp_path):
    from evals.ablation import ablate, markdown

    cases = [
        {"id": "n1", "question": "What prison sentence do smugglers face under German law?"},
        {"id": "n2", "question": "What is the population of Freedonia?"},
    ]
    path = tmp_path / "near.jsonl"
    path.write_text(
        "".join(json.dumps({**c, "answerable": False}) + "\n" for c in cases), encoding="utf-8"
    )
    before = assistant.settings
    table = ablate(assistant, [path], ["strangers", "threshold", "strangers+threshold"])
    assert assistant.settings is before  # the shared assistant is left as it was
    assert table["near"]["all"]["refusal_recall"] == 1.0
    assert set(table["near"]) == {"all", "strangers", "threshold", "strangers+threshold"}
    text = markdown(table)
    assert "| strangers |" in text and "never mentions" in text
    assert "| strangers+threshold |" in text
    assert "nan" not in text  # no answerable case: no facts, shown as "–"


def test_ablate_takes_every_component_or_those_named():
    from evals.ablation import COMPONENTS, rows_asked
    from evals.sets import EvalSetError

    assert build_parser().parse_args(["eval", "--ablate"]).ablate == []
    assert build_parser().parse_args(["eval"]).ablate is None
    named = build_parser().parse_args(["eval", "--ablate", "bm25", "seats+dense"]).ablate
    assert rows_asked(named) == ["bm25", "seats+dense"]
    assert rows_asked([]) == list(COMPONENTS)
    with pytest.raises(EvalSetError, match="unknown component.*bm52.*choose from strangers"):
        rows_asked(["bm25+bm52"])


def test_eval_finds_its_sets_and_baseline_from_any_working_folder(tmp_path, monkeypatch):
    """Run from another folder, `palermo eval --check` once compared with no baseline and
    passed."""
    monkeypatch.chdir(tmp_path)
    baseline = build_parser().parse_args(["eval", "--check"]).baseline
    assert set(load_baselines(baseline)) >= set(DEFAULT_SETS)
    assert all((SETS_DIR / f"{name}.jsonl").is_file() for name in DEFAULT_SETS)

"""LLM-judged metrics, optional: llama-index's faithfulness and correctness evaluators.

They run only with `palermo eval --judge` and an LLM configured (PALERMO_LLM_BACKEND), never in
CI: a judge model is slow, and its verdicts vary with the model. The offline metrics stay the
gate; these add a second opinion on answered cases:

- `faithfulness`: 1 when the judge finds the answer supported by the passages it cites, else 0;
- `correctness`: the judge's 1-5 score of the answer against the reference, divided by 5.

A verdict the judge fails to give (an error, an unparsable reply) is left out of the means and
counted in `judge_failures`.
"""

from __future__ import annotations

from typing import Any

from evals.sets import EvalCase

NO_REPLY = ("", "Empty Response")


class Judge:
    """Scores answered cases with llama-index's evaluators and one LLM."""

    def __init__(self, llm: Any) -> None:
        from llama_index.core.evaluation import CorrectnessEvaluator, FaithfulnessEvaluator

        self.faithfulness = FaithfulnessEvaluator(llm=llm)
        self.correctness = CorrectnessEvaluator(llm=llm)

    @classmethod
    def from_settings(cls, settings: Any) -> Judge:
        """The judge for the configured LLM; LLMConfigError when none is configured."""
        from assistant.llm import LLMConfigError, LLMSettings, build_llm

        llm_settings = LLMSettings.from_settings(settings)
        if not llm_settings.configured:
            raise LLMConfigError("--judge needs an LLM: set PALERMO_LLM_BACKEND (see README)")
        return cls(build_llm(llm_settings))

    def metrics(self, case: EvalCase, answer: dict[str, Any]) -> dict[str, float]:
        """The judged metrics of one case: none for refusals and unanswerable cases."""
        if not case.answerable or answer.get("refused"):
            return {}
        text = answer.get("answer", "")
        passages = {p.get("chunk_id"): p.get("quote", "") for p in answer.get("retrieved", [])}
        contexts = [
            passages.get(c.get("chunk_id")) or c.get("quote", "")
            for c in answer.get("citations", [])
        ]
        verdicts = {
            "faithfulness": lambda: self._faithful(case.question, text, contexts or [""]),
            "correctness": lambda: self._correct(case.question, text, case.reference),
        }
        out: dict[str, float] = {"judge_failures": 0.0}
        for name, verdict in verdicts.items():
            try:
                out[name] = verdict()
            except Exception:  # a judge model's failure is a missing verdict, not a failed run
                out["judge_failures"] += 1
        return out

    def _faithful(self, question: str, answer: str, contexts: list[str]) -> float:
        verdict = self.faithfulness.evaluate(query=question, response=answer, contexts=contexts)
        # llama-index reports a judge that said nothing as "Empty Response", and not passing
        if verdict.passing is None or (verdict.feedback or "").strip() in NO_REPLY:
            raise ValueError(verdict.invalid_reason or "no verdict")
        return float(verdict.passing)

    def _correct(self, question: str, answer: str, reference: str) -> float:
        graded = self.correctness.evaluate(query=question, response=answer, reference=reference)
        if graded.score is None:
            raise ValueError(graded.invalid_reason or "no score")
        return min(max(float(graded.score) / 5.0, 0.0), 1.0)

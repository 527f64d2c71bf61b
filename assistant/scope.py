"""Whether a question is of a kind the documents do not answer, from its vector alone.

Similarity to the evidence cannot refuse a near miss: "we took in a family with no papers at
our church - are we breaking the law?" or "has the smuggling protocol been amended yet?" sit as
close to the Protocol's articles as questions they do answer. What marks them is their kind:
one person's case, what happened after the documents were written, lists and figures they never
give. A logistic model on the question's vector, fitted on questions written for fitting only
(`palermo fit-scope`, evals/scope_fit.py: answerable ones and near misses of each kind, none
from an eval set), gives the chance that a stand-alone question is of such a kind; the engine
refuses above `Tuning.scope_refusal`. A follow-up's own words ("what did bangladesh bring to
it?") say too little of its kind, so it is not scored.

Like the query adapter, the model is data beside the corpus (`scope-model.npz`) and belongs
to one embedding model (`fitted.read_fitted`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.fitted import read_fitted

log = logging.getLogger(__name__)

SCOPE_FILE = "scope-model.npz"  # in the corpus folder


@dataclass(frozen=True)
class ScopeModel:
    """`weights` and `bias` of the logistic model; `probe` is the fitting model's vector of
    `fitted.PROBE`."""

    weights: np.ndarray
    bias: float
    probe: np.ndarray
    note: str = ""  # how it was made: the sets, the strength, the date

    def out_of_scope(self, vector: np.ndarray) -> float:
        """The chance that the question with this (plain, unadapted) vector is one the
        documents do not answer."""
        return float(1.0 / (1.0 + np.exp(-(self.weights @ vector + self.bias))))

    def save(self, path: Path) -> None:
        np.savez(
            path,
            weights=self.weights.astype(np.float32),
            bias=np.array(self.bias, dtype=np.float32),
            probe=self.probe.astype(np.float32),
            note=np.array(self.note),
        )

    @classmethod
    def load(cls, path: Path, probe: np.ndarray) -> ScopeModel | None:
        """The model in `path` if it was fitted for the model whose vector of `PROBE` is
        `probe` (`fitted.read_fitted`), else None."""
        arrays = read_fitted(path, probe, ("weights", "bias"), "scope model", "palermo fit-scope")
        if arrays is None:
            return None
        if arrays["weights"].shape != probe.shape:
            log.warning(
                "scope model %s does not fit %d-dimensional vectors: not used", path, len(probe)
            )
            return None
        return cls(arrays["weights"], float(arrays["bias"]), arrays["probe"], str(arrays["note"]))


def fit(
    vectors: np.ndarray, out_of_scope: np.ndarray, strength: float = 0.03
) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2-regularised logistic model (`strength` times the squared
    weights), fitted by Newton's method: deterministic, a second for a thousand questions. The
    two classes weigh alike whatever their counts, so the bias does not just learn the mix of
    the training questions."""
    labels = out_of_scope.astype(np.float64)
    if labels.min() == labels.max():
        raise ValueError("fitting needs both answerable and out-of-scope questions")
    rows = np.hstack([vectors.astype(np.float64), np.ones((len(vectors), 1))])
    weight = np.where(labels == 1, (labels == 0).sum() / labels.sum(), 1.0)
    penalty = strength * np.eye(rows.shape[1])
    penalty[-1, -1] = 0.0  # the bias is not held to zero
    theta = np.zeros(rows.shape[1])
    for _ in range(50):
        chance = 1.0 / (1.0 + np.exp(-rows @ theta))
        gradient = rows.T @ (weight * (chance - labels)) + penalty @ theta
        hessian = (rows * (weight * chance * (1 - chance))[:, None]).T @ rows + penalty
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-8:
            break
    return theta[:-1].astype(np.float32), float(theta[-1])

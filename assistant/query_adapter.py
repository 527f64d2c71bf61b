"""A linear map of a question's vector towards the wording of the sentences that answer it.

Plain-word questions and treaty sentences sit apart in MiniLM's space: "can they be charged for
it?" is nearer a sentence about smugglers' offences than Article 5's "Migrants shall not become
liable to criminal prosecution". A matrix fitted on eval questions whose answering sentences are
known (`palermo adapt`, evals/adapter.py) moves a question's vector towards how the documents
say such things. Only the question's meaning for ranking sentences moves: retrieval, passages,
sentences and the refusal threshold keep the model's own vectors (measured: the map applied to
retrieval too lost on dev).

The adapter is data beside the corpus (`query-adapter.npz` in the corpus folder, like the
glossary) and belongs to one embedding model: it records the model's vector of `PROBE`, and a
different model's adapter is not used.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.fitted_files import load_fitted

log = logging.getLogger(__name__)

ADAPTER_FILE = "query-adapter.npz"  # in the corpus folder


@dataclass(frozen=True)
class QueryAdapter:
    """`matrix` maps a question vector; `probe` is the fitting model's vector of `PROBE`."""

    matrix: np.ndarray
    probe: np.ndarray
    note: str = ""  # how it was made: the sets, the strength, the date

    def apply(self, vector: np.ndarray) -> np.ndarray:
        mapped = self.matrix @ vector
        return (mapped / (np.linalg.norm(mapped) or 1.0)).astype(np.float32)

    def save(self, path: Path) -> None:
        """Kept as the shift from the identity in float16 (300 KB for MiniLM's 384 dimensions)."""
        shift = (self.matrix - np.eye(len(self.matrix))).astype(np.float16)
        np.savez(path, shift=shift, probe=self.probe.astype(np.float32), note=np.array(self.note))

    @classmethod
    def load(cls, path: Path, probe: np.ndarray) -> QueryAdapter | None:
        """The adapter in `path` if it was fitted for the model whose probe vector is `probe`
        (`load_fitted`); None, with a warning naming the file, when its map is malformed."""
        data = load_fitted(path, probe, "questions not adapted", "palermo adapt")
        if data is None:
            return None
        size, shift = len(probe), data.get("shift", np.empty(0))
        if shift.shape != (size, size):
            log.warning("query adapter %s has a %s map: not used", path, shift.shape)
            return None
        identity = np.eye(size, dtype=np.float32)
        return cls(identity + shift.astype(np.float32), data["probe"], str(data.get("note", "")))


@dataclass
class Example:
    """One question with the candidate sentences the engine weighed, and which answer it."""

    question: np.ndarray
    context: np.ndarray | None  # a follow-up's vector with its conversation
    sentences: np.ndarray  # one row per candidate sentence
    answers: np.ndarray  # True where the sentence holds a key fact


def fit(
    examples: list[Example],
    strength: float = 0.3,
    steps: int = 100,
    temperature: float = 0.075,
    rate: float = 0.01,
) -> np.ndarray:
    """The matrix that best ranks each example's answering sentences first among its candidates
    (softmax over cosines), kept near the identity by `strength` times its squared distance
    from it: weaker (0.03) learns the training questions by heart and lost on dev."""
    import torch

    usable = [e for e in examples if e.answers.any() and not e.answers.all()]
    if not usable:
        raise ValueError("no example has both an answering and a non-answering sentence")
    size = usable[0].question.shape[0]
    shift = torch.zeros(size, size, requires_grad=True)
    optimiser = torch.optim.Adam([shift], lr=rate)
    identity = torch.eye(size)
    data = [
        (
            torch.tensor(e.question, dtype=torch.float32),
            None if e.context is None else torch.tensor(e.context, dtype=torch.float32),
            torch.tensor(e.sentences, dtype=torch.float32),
            torch.tensor(e.answers, dtype=torch.bool),
        )
        for e in usable
    ]
    for _ in range(steps):
        optimiser.zero_grad()
        matrix = identity + shift
        ranking = 0.0
        for question, context, sentences, answers in data:
            meaning = sentences @ _unit(matrix @ question)
            if context is not None:  # as `Question.meaning` weighs a follow-up's two vectors
                meaning = 0.5 * meaning + 0.5 * (sentences @ _unit(matrix @ context))
            logits = meaning / temperature
            ranking = ranking + torch.logsumexp(logits, 0) - torch.logsumexp(logits[answers], 0)
        loss = ranking / len(data) + strength * (shift**2).sum()
        loss.backward()
        optimiser.step()
    return (identity + shift).detach().numpy()


def _unit(vector):  # type: ignore[no-untyped-def]
    return vector / vector.norm()

"""Whether a question is of a kind the documents cannot answer, read from its meaning.

`asked_for` refuses near misses by their words ("my cousin", "the latest", "which countries");
users say the same things in words no list foresees ("will the police come after us?", "is
GLO.ACT going to get a third phase?"), and lists written for one set of questions did not carry
over to another. A small neural network over the question's vector (one hidden layer, then a
softmax over "answerable" and the kinds the corpus cannot answer), fitted on questions written
for the purpose (`palermo scope`, evals/scope.py), reads the kind from what the question means.
Like the query adapter it is data beside the corpus (`scope-classifier.npz`) and belongs to one
embedding model.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.fitted_files import load_fitted

log = logging.getLogger(__name__)

SCOPE_FILE = "scope-classifier.npz"  # in the corpus folder
ANSWERABLE = "answerable"
# why the documents cannot answer each kind, as the refusal says it
REASONS = {
    "after-date": "It reads as a question about events or a state of affairs after they were "
    "written.",
    "personal-advice": "It reads as a question about one person's own case: a lawyer or a legal "
    "aid service can advise on that.",
    "parties": "It reads as a question about which States have joined a treaty or a body, "
    "which they do not record.",
    "list": "It reads as a request for a list they do not hold.",
    "national-law": "It reads as a question about one country's own law or practice, which they "
    "do not set out.",
    "other-treaty": "It reads as a question about an instrument whose text they do not hold.",
    "figure": "It reads as a request for a figure they do not give.",
    "near-topic": "It reads as a question they do not address.",
}

# the kinds no passage of these documents can answer, refused on the verdict alone: they were
# written years ago, treaties and reports do not advise on one person's case, and none of them
# records which States have signed, ratified or joined a treaty or sit on a body. The other
# kinds (a list, a figure, one country's law) the documents may well hold: their verdict
# refuses only on weak support (`refusal.doubted`), else the checks of `asked_for` and
# `refusal` look for them in the evidence and the verdict only names the kind. Refusing every
# kind's verdict outright refused bare topics the network reads as beyond them ("smuggling of
# migrants by sea" 0.93-0.99, as one country's law or a topic they do not address).
OUTRIGHT = frozenset({"after-date", "personal-advice", "parties"})


# a question of fewer words is a bare topic ("smuggling by sea", "witness protection") that asks
# for nothing the network can read a kind from: fitted on sentences, it gave "smuggling by sea"
# .95 of being about events after the documents' dates. No out-of-scope question of core, dev
# or test is that short.
LEAST_WORDS = 4


def judgeable(question: str) -> bool:
    """Whether a question says enough for the classifier to read what it asks for."""
    return len(question.split()) >= LEAST_WORDS


@dataclass(frozen=True)
class Verdict:
    """How likely a question is beyond the documents, and the likeliest kind it is."""

    beyond: float  # 1 - the probability that it is answerable
    kind: str  # the likeliest of `REASONS`' kinds

    @property
    def outright(self) -> bool:
        return self.kind in OUTRIGHT

    @property
    def reason(self) -> str:
        return REASONS.get(self.kind, REASONS["near-topic"])


@dataclass(frozen=True)
class ScopeClassifier:
    """A small neural network over a question vector: `layers`, each (weights, bias), every
    layer but the last followed by a ReLU, the last giving one score per kind; `probe` is the
    fitting model's vector of `fitted_files.PROBE`."""

    layers: tuple[tuple[np.ndarray, np.ndarray], ...]
    kinds: tuple[str, ...]
    probe: np.ndarray
    note: str = ""  # how it was made: the sets, the date

    def judge(self, vector: np.ndarray) -> Verdict:
        signal = vector
        for number, (weights, bias) in enumerate(self.layers):
            signal = weights @ signal + bias
            if number < len(self.layers) - 1:
                signal = np.maximum(signal, 0.0)
        chances = np.exp(signal - signal.max())
        chances /= chances.sum()
        answerable = self.kinds.index(ANSWERABLE)
        others = [i for i in range(len(self.kinds)) if i != answerable]
        likeliest = max(others, key=lambda i: chances[i])
        return Verdict(float(1.0 - chances[answerable]), self.kinds[likeliest])

    def save(self, path: Path) -> None:
        arrays = {}
        for number, (weights, bias) in enumerate(self.layers):
            arrays[f"weights{number}"] = weights.astype(np.float32)
            arrays[f"bias{number}"] = bias.astype(np.float32)
        kinds, probe = np.array(self.kinds), self.probe.astype(np.float32)
        np.savez(path, kinds=kinds, probe=probe, note=np.array(self.note), **arrays)

    @classmethod
    def load(cls, path: Path, probe: np.ndarray) -> ScopeClassifier | None:
        """The classifier in `path` if it was fitted for the model whose probe vector is
        `probe` (`load_fitted`); None, with a warning naming the file, when it is malformed."""
        data = load_fitted(path, probe, "scope not judged", "palermo scope")
        if data is None:
            return None
        kinds = tuple(str(k) for k in data.get("kinds", ()))
        layers = []
        while f"weights{len(layers)}" in data and f"bias{len(layers)}" in data:
            layers.append((data[f"weights{len(layers)}"], data[f"bias{len(layers)}"]))
        if ANSWERABLE not in kinds or not _chained(layers, len(probe), len(kinds)):
            log.warning("scope classifier %s is malformed: not used; refit it", path)
            return None
        note = str(data.get("note", ""))
        kept = tuple((w.astype(np.float32), b.astype(np.float32)) for w, b in layers)
        return cls(kept, kinds, data["probe"], note)


def _chained(layers: list[tuple[np.ndarray, np.ndarray]], inputs: int, outputs: int) -> bool:
    """Whether the layers take a question vector in and give one score per kind out."""
    size = inputs
    for weights, bias in layers:
        if weights.ndim != 2 or weights.shape[1] != size or bias.shape != (weights.shape[0],):
            return False
        size = weights.shape[0]
    return bool(layers) and size == outputs

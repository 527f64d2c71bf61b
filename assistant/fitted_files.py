"""Files fitted for one embedding model: query adapter, scope classifier, question bank.

Each records the model's vector of `PROBE`; a file whose probe differs was fitted for another
model, whose vectors it would misread, and is not used.
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

PROBE = "Migrants shall not become liable to criminal prosecution for having been smuggled."
SAME_MODEL = 0.99  # the probe's cosine between float32 and bfloat16 runs of one model is ~0.9999


def load_fitted(
    path: Path, probe: np.ndarray, what: str, refit: str
) -> dict[str, np.ndarray] | None:
    """The arrays of the fitted file at `path` if it was fitted for the model whose vector of
    `PROBE` is `probe`; None when there is none, and a logged warning naming the file when it
    is unreadable or another model's (saying `what` is not done, and the command, `refit`,
    that makes a new one), so a bad file never stops answers."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        fitted = arrays["probe"]
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        log.warning("%s is not readable (%s): %s", path, error, what)
        return None
    return arrays if fitted_for(path, fitted, probe, what, refit) else None


def fitted_for(path: Path, fitted: np.ndarray, probe: np.ndarray, what: str, refit: str) -> bool:
    """Whether the file at `path`, whose recorded probe vector is `fitted`, was fitted for the
    model whose vector of `PROBE` is `probe`; if not, a warning names the file, says `what` is
    not done, and the command (`refit`) that makes a new one."""
    if fitted.shape != probe.shape:
        log.warning(
            "%s is for %d-dimensional vectors, the model makes %d: %s; refit it with `%s`",
            path,
            fitted.shape[0] if fitted.ndim == 1 else -1,
            len(probe),
            what,
            refit,
        )
        return False
    if float(fitted @ probe) < SAME_MODEL:
        log.warning(
            "%s was fitted for another embedding model: %s; refit it with `%s`", path, what, refit
        )
        return False
    return True

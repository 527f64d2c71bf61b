"""Reading the fitted files beside the corpus (the query adapter, the scope model).

Each is fitted for one embedding model and records that model's vector of `PROBE`; a file
fitted for another model, or unreadable, is not used, and a warning names it, so a bad file
never stops answers.
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

PROBE = "Migrants shall not become liable to criminal prosecution for having been smuggled."
SAME_MODEL = 0.99  # the probe's cosine between float32 and bfloat16 runs of one model is ~0.9999


def read_fitted(
    path: Path, probe: np.ndarray, keys: tuple[str, ...], what: str, refit: str
) -> dict[str, np.ndarray] | None:
    """The arrays `keys` (with "probe" and "note") of the file at `path` when it was fitted for
    the model whose vector of `PROBE` is `probe`; None when there is none, or, with a warning
    naming the file and `refit`, the command that refits it, when it is unreadable or another model's."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in (*keys, "probe", "note")}
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        log.warning("%s %s is not readable (%s): not used", what, path, error)
        return None
    fitted = arrays["probe"]
    if fitted.shape != probe.shape:
        log.warning(
            "%s %s is for %d-dimensional vectors, the model makes %d: not used; refit it with `%s`",
            what,
            path,
            fitted.shape[0] if fitted.ndim == 1 else -1,
            len(probe),
            refit,
        )
        return None
    if float(fitted @ probe) < SAME_MODEL:
        log.warning(
            "%s %s was fitted for another embedding model: not used; refit it with `%s`",
            what,
            path,
            refit,
        )
        return None
    return arrays

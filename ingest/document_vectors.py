"""Each document's vector: the normalised mean of its passages' embeddings.

It says what a document is about as a whole. Beside a corpus on migrant smuggling, a speech that
touches on asylum once is about many other things; the answer engine ranks its sentences lower
than those of a document about the question's topic (`assistant.ranking`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

PAGE = 5000  # rows per read: bounded memory at any store size


def document_vectors(passages: Any, doc_of: dict[str, str]) -> dict[str, np.ndarray]:
    """Doc id -> unit vector of its passages' mean embedding, read from a Chroma collection;
    `doc_of` (chunk id -> doc id) comes from the metadata the caller has already read."""
    sums: dict[str, np.ndarray] = {}
    for offset in range(0, passages.count(), PAGE):
        page = passages.get(include=["embeddings"], limit=PAGE, offset=offset)
        embeddings = page["embeddings"] if page["embeddings"] is not None else []
        for chunk_id, embedding in zip(page["ids"], embeddings, strict=True):
            doc_id = doc_of.get(chunk_id, "")
            vector = np.asarray(embedding, dtype=np.float32)
            sums[doc_id] = sums[doc_id] + vector if doc_id in sums else vector.copy()
    return {
        doc_id: (total / norm).astype(np.float32)
        for doc_id, total in sums.items()
        if (norm := float(np.linalg.norm(total))) > 0
    }

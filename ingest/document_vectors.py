"""Each document's vector: the normalised mean of its passages' embeddings.

It says what a document is about as a whole. Beside a corpus on migrant smuggling, a speech that
touches on asylum once is about many other things; the answer engine ranks its sentences lower
than those of a document about the question's topic (`assistant.ranking`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

PAGE = 5000  # rows per read: bounded memory at any store size


def document_vectors(passages: Any) -> dict[str, np.ndarray]:
    """Doc id -> unit vector of its passages' mean embedding, read from a Chroma collection."""
    sums: dict[str, np.ndarray] = {}
    total = passages.count()
    for offset in range(0, total, PAGE):
        page = passages.get(include=["embeddings", "metadatas"], limit=PAGE, offset=offset)
        embeddings = page["embeddings"]
        if embeddings is None or len(embeddings) == 0:
            continue
        for embedding, metadata in zip(embeddings, page["metadatas"] or [], strict=True):
            doc_id = str((metadata or {}).get("doc_id", ""))
            vector = np.asarray(embedding, dtype=np.float32)
            sums[doc_id] = sums[doc_id] + vector if doc_id in sums else vector.copy()
    return {
        doc_id: (total_vector / norm).astype(np.float32)
        for doc_id, total_vector in sums.items()
        if (norm := float(np.linalg.norm(total_vector))) > 0
    }

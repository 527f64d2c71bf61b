"""The embedding model, loaded once from a local folder through llama-index's HuggingFace wrapper."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from common.settings import Settings, quiet_network_env


def load_embedder(settings: Settings) -> Any:
    """A llama-index embedding model that never reaches a model hub (HF_HUB_OFFLINE=1)."""
    quiet_network_env()
    return _load(settings.model_path())


@lru_cache(maxsize=2)
def _load(model_path: str) -> Any:
    """One loaded model per folder and process: ingest runs and the app share it."""
    import torch
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    torch.set_num_threads(max(1, min(4, torch.get_num_threads())))
    return HuggingFaceEmbedding(
        model_name=model_path, device="cpu", normalize=True, embed_batch_size=32
    )


def passage_text_for_embedding(title: str, section: str, text: str) -> str:
    """What the model sees for a passage: its place in the document helps short passages match."""
    return f"{title}\n{section}\n\n{text}" if section else f"{title}\n\n{text}"


def sentence_text_for_embedding(title: str, section: str, sentence: str) -> str:
    """What the model sees for a sentence: its heading, which says what a bare sentence is about.

    "On the basis of this commitment, the Office is looking forward to its Chairing the Group"
    is about the Global Migration Group only under its heading; a dateline-style section label
    ("paras. 3–5") says nothing, so such sentences get the document title instead, and a
    document with neither (`title` empty: see `sources.sentence_title`) gets the bare sentence.
    """
    heading = section if section and not section.startswith("para") else title
    return f"{heading}: {sentence}" if heading else sentence


def embed(embedder: Any, texts: list[str]) -> list[list[float]]:
    """Embeddings of many texts in one encoder call.

    llama-index's `get_text_embedding_batch` hands the model 32 texts at a time in the given
    order, so each short sentence is padded to its group's longest; one call lets
    sentence-transformers sort all the texts by length first (1.8x faster on sentences here).
    """
    return embedder._get_text_embeddings(list(texts)) if texts else []

"""The embedding model, loaded once from a local folder through llama-index's HuggingFace wrapper."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import numpy as np

from common.settings import Settings, quiet_network_env


def load_embedder(settings: Settings) -> Any:
    """A llama-index embedding model that never reaches a model hub (HF_HUB_OFFLINE=1)."""
    quiet_network_env()
    return _load(settings.model_path())


@lru_cache(maxsize=2)
def _load(model_path: str) -> Any:
    """One loaded model per folder and process: ingest runs and the app share it.

    oneDNN keeps a compiled kernel per input shape, and ingest's batches, sorted by length,
    nearly all differ: in bfloat16 that cache grew ingest's memory by gigabytes over 20,000
    passages. Sixteen kernels are as fast (2,560 speech paragraphs: 1.6 -> 1.3 GB, same time).
    """
    os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "16")
    import torch
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    torch.set_num_threads(max(1, min(4, torch.get_num_threads())))
    return HuggingFaceEmbedding(
        model_name=model_path, device="cpu", normalize=True, embed_batch_size=PASSAGE_BATCH
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


# texts per model call by kind: fewer, longer calls pay off as texts get shorter (2 cores, bf16:
# passages fastest at 32, sentences 8 % faster at 64 than 32, single words twice as fast at 256)
PASSAGE_BATCH, SENTENCE_BATCH, WORD_BATCH = 32, 64, 256


def embed(
    embedder: Any, texts: list[str], precision: str = "float32", batch: int = PASSAGE_BATCH
) -> list[list[float]]:
    """Embeddings of many texts in one encoder call, at `precision` (see `ingest_precision`),
    `batch` texts to a model call.

    llama-index's `get_text_embedding_batch` hands the model 32 texts at a time in the given
    order, so each short sentence is padded to its group's longest; one call lets
    sentence-transformers sort all the texts by length first (1.8x faster on sentences here).
    """
    if not texts:
        return []
    bfloat16 = precision == "bfloat16"
    if bfloat16:
        embedder = _in_bfloat16(embedder.model_name)
    if batch != embedder.embed_batch_size:
        embedder = embedder.model_copy(update={"embed_batch_size": batch})  # the same model
    vectors = embedder._get_text_embeddings(list(texts))
    if not bfloat16:
        return vectors
    unit = np.asarray(vectors, dtype=np.float32)  # normalised again: bfloat16 norms are off 0.3 %
    return (unit / np.linalg.norm(unit, axis=1, keepdims=True)).tolist()


@lru_cache(maxsize=2)
def _in_bfloat16(model_path: str) -> Any:
    """A copy of the model with its weights in bfloat16, for ingest (questions keep float32).

    Faster than torch's autocast, which keeps layer norms, softmax and the activations between
    layers in float32: 8,000 speech sentences took 9.3-10.4 s against 11.4-11.8 s (passages 7.1
    against 7.3 s; bfloat16 weights under autocast gained only 6 %), and the vectors keep a mean
    cosine of 0.99995 (least 0.9997) to float32's.
    """
    import copy

    import torch

    embedder = _load(model_path).model_copy()  # its own private attributes, the same settings
    embedder._model = copy.deepcopy(embedder._model).to(torch.bfloat16)
    return embedder


def embed_words(settings: Settings, words: list[str]) -> list[list[float]]:
    """Embeddings of single words (`word_vectors`)."""
    return embed(load_embedder(settings), words, ingest_precision(settings), WORD_BATCH)


def ingest_precision(settings: Settings) -> str:
    """The precision ingest embeds at: `Settings.embed_precision`, with "auto" resolved.

    Where the CPU has bfloat16 arithmetic (AVX512-BF16, AMX), the model runs in it
    (`_in_bfloat16`): about 2.7 times as fast on 2 cores here, the vectors within 0.0003 cosine
    of float32's. Elsewhere bfloat16 is emulated and slower, so "auto" keeps float32. Chosen
    when the program runs, never compiled in.
    """
    if settings.embed_precision != "auto":
        return settings.embed_precision
    return "bfloat16" if native_bfloat16() else "float32"


def native_bfloat16() -> bool:
    """Whether this CPU computes bfloat16 in hardware (torch's own CPU feature checks)."""
    import torch

    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in checks)

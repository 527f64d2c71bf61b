"""Engines the runner can evaluate; each turns a case into an answer in the core JSON contract."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Protocol

from common.settings import Settings
from evals.sets import EvalCase


class Engine(Protocol):
    name: str

    def answer(self, case: EvalCase) -> dict[str, Any]: ...


class PalermoEngine:
    """Palermo's own path: exactly what `palermo ask` runs."""

    name = "extractive"

    def __init__(self, assistant: Any) -> None:
        self.assistant = assistant

    def answer(self, case: EvalCase) -> dict[str, Any]:
        return self.assistant.ask(case.question, case.history).to_json()


class LlamaIndexDefaultEngine:
    """The pipeline most people start from: default SentenceSplitter, VectorStoreIndex, top-2.

    Same files and embedding model; the response is the retrieved text (no LLM), never a refusal.
    """

    name = "llamaindex-default"

    def __init__(self, settings: Settings, embedder: Any, corpus_dir: Path) -> None:
        from llama_index.core import Settings as LlamaSettings
        from llama_index.core import SimpleDirectoryReader, VectorStoreIndex

        LlamaSettings.llm = None
        LlamaSettings.embed_model = embedder
        reader = SimpleDirectoryReader(
            str(corpus_dir), recursive=True, required_exts=[".txt", ".md"]
        )
        self.index = VectorStoreIndex.from_documents(reader.load_data(), embed_model=embedder)
        self.retriever = self.index.as_retriever(similarity_top_k=10)

    def answer(self, case: EvalCase) -> dict[str, Any]:
        began = time.perf_counter()
        nodes = self.retriever.retrieve(case.question)
        elapsed = (time.perf_counter() - began) * 1000

        def passage(n: int, hit: Any) -> dict[str, Any]:
            node = hit.node
            return {
                "n": n,
                "chunk_id": node.node_id,
                "doc_id": Path(node.metadata.get("file_path", "")).stem,
                "title": node.metadata.get("file_name", ""),
                "quote": node.get_content(),
                "start": node.start_char_idx,
                "end": node.end_char_idx,
                "score": float(hit.score or 0.0),
            }

        top = [passage(i + 1, hit) for i, hit in enumerate(nodes[:2])]
        return {
            "question": case.question,
            "answer": "\n\n".join(p["quote"] for p in top),
            "refused": False,
            "citations": top,
            "retrieved": [passage(i + 1, hit) for i, hit in enumerate(nodes)],
            "timings_ms": {"total": elapsed},
            "corpus_version": "",
        }

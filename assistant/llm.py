"""Language-model backends for LLM-written answers, through llama-index's LLM interfaces.

Two backends: `openai-compatible` (any server speaking the OpenAI chat API: llama.cpp's server,
vLLM, Ollama, LM Studio, a hosted API) and `llama-cpp` (a local GGUF file run in-process by
llama-cpp-python, installed with the `llm` extra). Nothing here is used unless a backend is
configured; the extractive engine stays the default and the fallback.

Settings are PALERMO_LLM_* environment variables (or `llm_*` fields of the main Settings once
they are added there), read by `LLMSettings.from_settings`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

Backend = Literal["", "openai-compatible", "llama-cpp"]
NO_KEY = "sk-no-key-needed"  # local servers ignore the key; never send the user's OpenAI key


class LLMConfigError(ValueError):
    """The configured backend cannot be built (missing model file, package or URL)."""


class LLMSettings(BaseSettings):
    """Which language model writes answers and how it is reached (PALERMO_LLM_*)."""

    model_config = SettingsConfigDict(env_prefix="PALERMO_LLM_", extra="ignore")

    backend: Backend = Field(
        "", description="openai-compatible, llama-cpp, or empty for none (extractive only)."
    )
    base_url: str = Field(
        "http://127.0.0.1:8080/v1", description="OpenAI-compatible API base URL (ends in /v1)."
    )
    model: str = Field("local", description="Model name sent to the server.")
    api_key: SecretStr = Field(SecretStr(""), description="API key, if the server needs one.")
    model_path: str = Field("", description="GGUF file for the llama-cpp backend.")
    timeout: float = Field(60.0, gt=0, description="Seconds allowed for one whole generation.")
    retries: int = Field(0, ge=0, description="Retries of a failed request (hosted APIs: 2).")
    context_window: int = Field(
        4096, gt=256, description="The model's context in tokens; prompts are cut to fit it."
    )
    max_tokens: int = Field(400, gt=0, description="Most tokens an answer may have.")
    temperature: float = Field(0.1, ge=0.0, le=2.0)
    threads: int = Field(0, ge=0, description="CPU threads for llama-cpp; 0 = its default.")
    chat_format: str = Field(
        "",
        description="llama-cpp: chat format when the GGUF has no template (empty = guess from "
        "its architecture, e.g. gemma).",
    )
    system_role: bool = Field(
        True,
        description="Send the rules as a system message; false puts them in the user turn "
        "(for templates without a system role, such as Gemma's).",
    )
    unsupported: Literal["drop", "flag"] = Field(
        "drop", description="What to do with a sentence its citation does not support."
    )
    condense: bool = Field(True, description="Rewrite follow-up questions with the LLM.")

    @classmethod
    def from_settings(cls, settings: Any = None, **overrides: Any) -> LLMSettings:
        """The LLM settings: `llm_*` fields set on the main Settings win over the environment."""
        values: dict[str, Any] = {}
        if settings is not None:
            declared = getattr(type(settings), "model_fields", {})
            explicit = getattr(settings, "model_fields_set", set())
            for name in cls.model_fields:
                key = f"llm_{name}"
                if key in declared and key in explicit:
                    values[name] = getattr(settings, key)
        values.update(overrides)
        return cls(**values)

    @property
    def configured(self) -> bool:
        return bool(self.backend)

    def describe(self) -> str:
        """A short label for the app and logs, without secrets."""
        if self.backend == "openai-compatible":
            return f"{self.model} at {self.base_url}"
        if self.backend == "llama-cpp":
            return Path(self.model_path).name
        return "none"


def build_llm(settings: LLMSettings) -> Any:
    """The llama-index LLM for the configured backend."""
    if settings.backend == "openai-compatible":
        return _openai_compatible(settings)
    if settings.backend == "llama-cpp":
        return _llama_cpp(settings)
    raise LLMConfigError("no LLM backend configured: set PALERMO_LLM_BACKEND")


def _openai_compatible(settings: LLMSettings) -> Any:
    from llama_index.llms.openai_like import OpenAILike

    if not settings.base_url.startswith(("http://", "https://")):
        raise LLMConfigError(
            f"PALERMO_LLM_BASE_URL must be an http(s) URL, not {settings.base_url!r}"
        )
    return OpenAILike(
        model=settings.model,
        api_base=settings.base_url.rstrip("/"),
        api_key=settings.api_key.get_secret_value() or NO_KEY,
        is_chat_model=True,
        is_function_calling_model=False,
        context_window=settings.context_window,
        max_tokens=settings.max_tokens,
        temperature=settings.temperature,
        timeout=settings.timeout,
        max_retries=settings.retries,
        reuse_client=True,
    )


def _llama_cpp(settings: LLMSettings) -> Any:
    path = Path(settings.model_path).expanduser()
    if not settings.model_path or not path.is_file():
        raise LLMConfigError(f"PALERMO_LLM_MODEL_PATH: no GGUF file at {settings.model_path!r}")
    try:
        cls = _gguf_chat_class()
    except ImportError as err:
        raise LLMConfigError(
            f"the llama-cpp backend needs the llm extra (pip install '.[llm]'): {err}"
        ) from None
    model_kwargs: dict[str, Any] = {"n_ctx": settings.context_window, "verbose": False}
    if settings.threads:
        model_kwargs["n_threads"] = settings.threads
    llm = cls(
        model_path=str(path),
        temperature=min(settings.temperature, 1.0),
        max_new_tokens=settings.max_tokens,
        context_window=settings.context_window,
        model_kwargs=model_kwargs,
        verbose=False,
    )
    llm.use_chat_format(settings.chat_format)
    return llm


# Chat formats (llama-cpp-python's names) for GGUF files that carry no chat template.
_FORMATS_BY_ARCHITECTURE = {"gemma": "gemma", "qwen": "chatml", "mistral": "mistral-instruct"}
# Formats whose template has no system role: llama-cpp-python drops the system message.
_NO_SYSTEM_ROLE = {"gemma", "mistral-instruct"}


_GGUF_CLASS: Any = None


def _gguf_chat_class() -> Any:
    """LlamaCPP whose chat uses the GGUF's own chat template (llama-cpp's chat completion).

    llama-index's LlamaCPP formats chat with a generic prompt; a model answers best in the
    template it was trained with, which llama-cpp-python reads from the GGUF metadata.
    """
    global _GGUF_CLASS
    if _GGUF_CLASS is not None:
        return _GGUF_CLASS
    from llama_index.core.base.llms.types import (
        ChatMessage,
        ChatResponse,
        ChatResponseGen,
        MessageRole,
    )
    from llama_index.core.llms.callbacks import llm_chat_callback
    from llama_index.llms.llama_cpp import LlamaCPP

    lock = threading.Lock()  # one llama.cpp context: one generation at a time

    class GGUFChat(LlamaCPP):
        @classmethod
        def class_name(cls) -> str:
            return "PalermoGGUFChat"

        def use_chat_format(self, name: str = "") -> None:
            """The GGUF's own template; without one, the named or the architecture's format."""
            model = self._model
            if model.metadata.get("tokenizer.chat_template") and not name:
                return
            architecture = str(model.metadata.get("general.architecture", ""))
            guessed = next(
                (f for a, f in _FORMATS_BY_ARCHITECTURE.items() if architecture.startswith(a)),
                None,
            )
            if name or guessed:
                model.chat_format = name or guessed

        def _as_dicts(self, messages: Sequence[ChatMessage]) -> list[dict[str, str]]:
            out = [{"role": m.role.value, "content": m.content or ""} for m in messages]
            if self._model.chat_format in _NO_SYSTEM_ROLE and out and out[0]["role"] == "system":
                system = out.pop(0)["content"]
                if out:
                    out[0]["content"] = f"{system}\n\n{out[0]['content']}"
            return out

        def _generate(self, messages: Sequence[ChatMessage], stream: bool, **kwargs: Any) -> Any:
            return self._model.create_chat_completion(
                messages=self._as_dicts(messages),
                max_tokens=int(kwargs.get("max_tokens") or self.max_new_tokens),
                temperature=self.temperature,
                stop=kwargs.get("stop"),
                stream=stream,
            )

        @llm_chat_callback()
        def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
            with lock:
                raw = self._generate(messages, stream=False, **kwargs)
            choice = raw["choices"][0]
            text = choice["message"].get("content") or ""
            return ChatResponse(
                message=ChatMessage(role=MessageRole.ASSISTANT, content=text),
                raw=raw,
                additional_kwargs={"finish_reason": choice.get("finish_reason")},
            )

        @llm_chat_callback()
        def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
            def gen() -> Iterator[ChatResponse]:
                text = ""
                with lock:
                    for chunk in self._generate(messages, stream=True, **kwargs):
                        choice = chunk["choices"][0]
                        delta = choice.get("delta", {}).get("content") or ""
                        text += delta
                        yield ChatResponse(
                            message=ChatMessage(role=MessageRole.ASSISTANT, content=text),
                            delta=delta,
                            raw=chunk,
                            additional_kwargs={"finish_reason": choice.get("finish_reason")},
                        )

            return gen()

    _GGUF_CLASS = GGUFChat
    return GGUFChat


def estimate_tokens(text: str) -> int:
    """A conservative token count without a tokenizer: about 3 characters a token.

    English runs near 4 characters a token for common tokenizers; 3 leaves room for names,
    numbers and other languages, so an estimated prompt never overflows the real context.
    """
    return len(text) // 3 + 1


def describe_failure(err: BaseException, settings: LLMSettings) -> str:
    """A clear, one-line reason a generation failed, for the user (never a stack trace)."""
    name = type(err).__name__
    text = str(err)
    lowered = f"{name} {text}".lower()
    where = settings.describe()
    if "timeout" in lowered or "timed out" in lowered:
        return f"the language model ({where}) did not answer within {settings.timeout:g} s"
    if "context" in lowered and any(
        w in lowered for w in ("length", "window", "exceed", "too long")
    ):
        return f"the question and passages did not fit the language model's context ({where})"
    if any(
        w in lowered
        for w in ("connection", "connect", "refused", "unreachable", "name or service not known")
    ):
        return f"the language model server ({where}) could not be reached"
    if "authentication" in lowered or " 401" in lowered or "unauthorized" in lowered:
        return f"the language model server ({where}) refused the API key"
    if any(w in lowered for w in ("json", "decode", "parse", "incomplete", "protocol", "chunk")):
        return f"the language model's reply ({where}) was malformed or cut off"
    short = " ".join(text.split())[:160]
    return f"the language model ({where}) failed: {name}{': ' + short if short else ''}"

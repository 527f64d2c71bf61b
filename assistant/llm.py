"""Language-model backends for LLM-written answers, through llama-index's LLM interfaces.

Two backends: `openai-compatible` (any server speaking the OpenAI chat API: llama.cpp's server,
vLLM, Ollama, LM Studio, a hosted API) and `llama-cpp` (a local GGUF file, served by llama.cpp in
a child process so that a native crash cannot take the app down; the `llm` extra). Nothing here is used unless a backend is
configured; the extractive engine stays the default and the fallback.

Settings are PALERMO_LLM_* environment variables (or `llm_*` fields of the main Settings once
they are added there), read by `LLMSettings.from_settings`.
"""

from __future__ import annotations

import importlib.util
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
        **chat_options(settings),
        model=settings.model,
        api_base=settings.base_url.rstrip("/"),
        api_key=settings.api_key.get_secret_value() or NO_KEY,
        max_retries=settings.retries,
        reuse_client=True,
    )


def chat_options(settings: LLMSettings) -> dict[str, Any]:
    """What every OpenAI-compatible chat model here is built with, from the settings."""
    return {
        "is_chat_model": True,
        "is_function_calling_model": False,
        "context_window": settings.context_window,
        "max_tokens": settings.max_tokens,
        "temperature": settings.temperature,
        "timeout": settings.timeout,
    }


def _llama_cpp(settings: LLMSettings) -> Any:
    """The GGUF file served by llama.cpp in a child process (see assistant.local_model)."""
    path = Path(settings.model_path).expanduser()
    if not settings.model_path or not path.is_file():
        raise LLMConfigError(f"PALERMO_LLM_MODEL_PATH: no GGUF file at {settings.model_path!r}")
    if importlib.util.find_spec("llama_cpp") is None:
        raise LLMConfigError(
            "the llama-cpp backend needs the llm extra: run `make llm` (or pip install '.[llm]')"
        )
    from assistant.local_model import local_server_llm

    try:
        return local_server_llm(settings, {**chat_options(settings), "api_key": NO_KEY})
    except ValueError as err:  # not a GGUF file
        raise LLMConfigError(f"PALERMO_LLM_MODEL_PATH: {err}") from None


def estimate_tokens(text: str) -> int:
    """A conservative token count without a tokenizer: about 3 characters a token.

    English runs near 4 characters a token for common tokenizers; 3 leaves room for names,
    numbers and other languages, so an estimated prompt never overflows the real context.
    """
    return len(text) // 3 + 1


def describe_failure(err: BaseException, settings: LLMSettings) -> str:
    """A clear, one-line reason a generation failed, for the user (never a stack trace)."""
    from assistant.local_model import ModelProcessError

    if isinstance(err, ModelProcessError):
        return str(err)
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

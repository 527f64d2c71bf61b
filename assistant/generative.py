"""The LLM answer engine: a language model writes the answer, the verifier keeps what is supported.

The engine retrieves passages exactly as the extractive engine does, gives the numbered passages
to the model in a delimited data section with the instruction to answer only from them and cite
`[n]`, streams the tokens, then checks every sentence against the passages it cites
(`assistant.verify`). Any failure — server down, timeout, context overflow, a malformed or cut
stream, nothing supported — yields the extractive answer with a clear `fallback_reason`; the user
never sees a stack trace. The prompts themselves are built in `assistant.prompts`.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Generator, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from assistant.followup import condense, is_dependent
from assistant.llm import LLMSettings, build_llm, describe_failure
from assistant.prompts import GenerationFailed, Shown, build_messages, condense_messages
from assistant.records import REFUSAL, Answer, Citation, EmptyStoreError, Filters, Passage
from assistant.verify import SentenceSupport, Source, Verified, verify_answer
from ingest.terms import content_terms

log = logging.getLogger(__name__)


@dataclass
class GeneratedAnswer:
    """An answer (the core contract) with per-sentence support and why it fell back, if it did."""

    answer: Answer
    support: list[SentenceSupport] = field(default_factory=list)
    fallback_reason: str = ""
    engine: str = "llm"

    def to_json(self) -> dict[str, Any]:
        data = self.answer.to_json()
        data["support"] = [s.to_json() for s in self.support]
        data["engine"] = self.engine
        data["fallback_reason"] = self.fallback_reason
        return data

    @property
    def support_rate(self) -> float | None:
        """Share of the sentences the model wrote that their citations support."""
        if not self.support:
            return None
        return sum(s.supported for s in self.support) / len(self.support)


def _finish_reason(response: Any) -> str | None:
    extra = getattr(response, "additional_kwargs", None) or {}
    if extra.get("finish_reason"):
        return str(extra["finish_reason"])
    raw = getattr(response, "raw", None)
    choices = getattr(raw, "choices", None) or (
        raw.get("choices") if isinstance(raw, dict) else None
    )
    if choices:
        first = choices[0]
        reason = (
            first.get("finish_reason")
            if isinstance(first, dict)
            else getattr(first, "finish_reason", None)
        )
        return str(reason) if reason else None
    return None


def _is_refusal(text: str) -> bool:
    plain = " ".join(re.sub(r"\[\d+\]", "", text).lower().split())
    return plain.startswith(REFUSAL.lower().rstrip(".")) or (
        "do not answer this" in plain and len(plain) < 2 * len(REFUSAL)
    )


def _trim_unfinished(text: str) -> str:
    """Drop a last sentence the token limit cut off (no full stop and no marker)."""
    stripped = text.rstrip()
    if re.search(r"([.!?][”\"’')]*|\])$", stripped):
        return stripped
    ends = [m.end() for m in re.finditer(r"[.!?][”\"’')]*(\s*\[\d+\])*(?=\s)|\](?=\s)", stripped)]
    return stripped[: ends[-1]] if ends else stripped


class GenerativeEngine:
    """Answers with a language model and keeps only the sentences their citations support."""

    name = "llm"

    def __init__(self, assistant: Any, llm: Any, llm_settings: LLMSettings) -> None:
        self.assistant = assistant
        self.llm = llm
        self.settings = llm_settings

    @classmethod
    def from_settings(
        cls, assistant: Any, llm_settings: LLMSettings | None = None
    ) -> GenerativeEngine:
        """Build the configured backend (raises LLMConfigError when it cannot be built)."""
        llm_settings = llm_settings or LLMSettings.from_settings(assistant.settings)
        return cls(assistant, build_llm(llm_settings), llm_settings)

    def answer(
        self, question: str, history: Sequence[Any] = (), filters: Filters | None = None
    ) -> GeneratedAnswer:
        """The verified answer (or the extractive one, with the reason), without streaming."""
        result: GeneratedAnswer | None = None
        for item in self.stream(question, history, filters):
            if isinstance(item, GeneratedAnswer):
                result = item
        assert result is not None
        return result

    def stream(
        self, question: str, history: Sequence[Any] = (), filters: Filters | None = None
    ) -> Iterator[str | GeneratedAnswer]:
        """Text chunks as the model writes them, then the final, verified `GeneratedAnswer`.

        The final answer supersedes the streamed draft: unsupported sentences are dropped (or
        flagged) and on any failure it is the extractive answer.
        """
        began = time.perf_counter()
        question = " ".join(question.split())
        timings: dict[str, float] = {}
        support: list[SentenceSupport] = []
        try:
            query, passages = self._retrieve(question, history, filters, timings)
            if not passages:
                yield self._fallback(
                    question, history, filters, began, "no passage was retrieved", [], timings
                )
                return
            sentences = getattr(self.assistant.settings, "answer_sentences", 4)
            messages, shown = build_messages(question, passages, self.settings, sentences)
            draft = yield from self._write(messages, timings)
            if _is_refusal(draft):
                timings["total"] = (time.perf_counter() - began) * 1000
                yield GeneratedAnswer(self._refusal(question, query, passages, timings))
                return
            verified = self._verify(draft, shown, question, timings)
            support = verified.support
            if not verified.supported:
                reason = "no sentence of the generated answer was supported by its citations"
                yield self._fallback(question, history, filters, began, reason, support, timings)
                return
        except GenerationFailed as err:
            log.info("LLM answer fell back to extractive: %s", err)
            yield self._fallback(question, history, filters, began, str(err), support, timings)
            return
        except EmptyStoreError:
            raise
        except Exception as err:  # a bug here must not cost the user an answer
            log.exception("LLM answer failed")
            reason = f"the LLM answer failed ({type(err).__name__}: {err})"
            yield self._fallback(question, history, filters, began, reason, support, timings)
            return
        timings["total"] = (time.perf_counter() - began) * 1000
        answer = self._verified(question, query, passages, shown, verified, timings)
        yield GeneratedAnswer(answer, support)

    def _retrieve(
        self,
        question: str,
        history: Sequence[Any],
        filters: Filters | None,
        timings: dict[str, float],
    ) -> tuple[str, list[Passage]]:
        """The self-contained query for the question, and the passages retrieved for it."""
        step = time.perf_counter()
        query = self._condense(question, history)
        timings["condense"] = (time.perf_counter() - step) * 1000
        step = time.perf_counter()
        passages = self.assistant.search(query, k=self.assistant.settings.top_k, filters=filters)
        timings["retrieve"] = (time.perf_counter() - step) * 1000
        return query, passages

    def _write(self, messages: list[Any], timings: dict[str, float]) -> Generator[str, None, str]:
        """Yields the model's text as it comes; returns the draft without a cut-off last sentence."""
        step = time.perf_counter()
        parts: list[str] = []
        for delta in self._generate(messages):
            if not parts:
                timings["first_token"] = (time.perf_counter() - step) * 1000
            parts.append(delta)
            yield delta
        timings["generate"] = (time.perf_counter() - step) * 1000
        draft = _trim_unfinished("".join(parts))
        if not draft.strip():
            raise GenerationFailed("the language model returned an empty answer")
        return draft

    def _verify(
        self, draft: str, shown: list[Shown], question: str, timings: dict[str, float]
    ) -> Verified:
        """The draft checked sentence by sentence against the passages each cites."""
        step = time.perf_counter()
        verified = verify_answer(
            draft,
            [Source(s.text, s.meta()) for s in shown],
            self._embed,
            self.settings.unsupported,
            question,
            tuning=self.assistant.settings.tuning,
        )
        timings["verify"] = (time.perf_counter() - step) * 1000
        return verified

    def _verified(
        self,
        question: str,
        query: str,
        passages: list[Passage],
        shown: list[Shown],
        verified: Verified,
        timings: dict[str, float],
    ) -> Answer:
        """The answer of the sentences the verifier kept, cited to the passages shown."""
        return Answer(
            question=question,
            answer=verified.text,
            refused=False,
            citations=self._citations(verified.cited, shown, verified.support),
            retrieved=passages,
            timings_ms=timings,
            corpus_version=self.assistant.corpus_version,
            query=query,
            support_score=sum(s.score for s in verified.supported) / len(verified.supported),
        )

    def _embed(self, texts: list[str]) -> Any:
        if hasattr(self.assistant, "embed_texts"):
            return self.assistant.embed_texts(texts)
        lock = getattr(self.assistant, "_embed_lock", None) or nullcontext()
        with lock:  # the Assistant's model is shared by threads
            return self.assistant.embedder.get_text_embedding_batch(texts)

    def _generate(self, messages: list[Any]) -> Iterator[str]:
        """The model's text deltas; GenerationFailed on any backend failure or a cut stream."""
        deadline = time.monotonic() + self.settings.timeout
        finish: str | None = None
        wrote = False
        try:
            for response in self.llm.stream_chat(messages):
                if time.monotonic() > deadline:
                    raise TimeoutError("generation timed out")
                finish = _finish_reason(response) or finish
                if response.delta:
                    wrote = True
                    yield response.delta
        except GenerationFailed:
            raise
        except Exception as err:  # every backend error becomes a clear reason, never a trace
            raise GenerationFailed(describe_failure(err, self.settings)) from err
        if finish is None and not wrote:  # llama.cpp's server ends the stream so on overflow
            raise GenerationFailed(
                f"the language model ({self.settings.describe()}) sent an empty reply: the "
                "prompt may exceed its context (PALERMO_LLM_CONTEXT_WINDOW)"
            )
        if finish is None:
            raise GenerationFailed(
                f"the language model's reply ({self.settings.describe()}) was cut off"
            )

    def _condense(self, question: str, history: Sequence[Any]) -> str:
        """A self-contained query for retrieval; the LLM rewrites follow-ups when configured."""
        if not history or not is_dependent(question):
            return question
        fallback = condense(question, history)
        if not self.settings.condense:
            return fallback
        from assistant.followup import _content

        turns = [_content(t) for t in list(history)[-4:]]
        conversation = "\n".join(f"{r}: {' '.join(c.split())[:600]}" for r, c in turns if c)
        messages = condense_messages(conversation, question, self.settings.system_role)
        try:
            reply = self.llm.chat(messages, max_tokens=64, stop=["\n"]).message.content or ""
        except Exception as err:
            raise GenerationFailed(describe_failure(err, self.settings)) from err
        rewritten = reply.strip().splitlines()[0].strip(" \"'“”") if reply.strip() else ""
        known = content_terms(f"{question} {conversation}")
        if 3 <= len(rewritten) <= 300 and content_terms(rewritten) & known:
            return rewritten
        return fallback

    def _citations(
        self, cited: list[int], shown: list[Shown], support: list[SentenceSupport]
    ) -> list[Citation]:
        out = []
        for n in cited:
            s = shown[n - 1]
            score = max((e.score for e in support if n in e.cited and e.supported), default=0.0)
            out.append(
                Citation(
                    n=n,
                    doc_id=s.passage.doc_id,
                    title=s.passage.title,
                    publisher=s.passage.publisher,
                    date=s.passage.date,
                    section=s.passage.section,
                    page=s.passage.page,
                    quote=s.text,
                    start=s.passage.start,
                    end=s.end,
                    score=score,
                    chunk_id=s.passage.chunk_id,
                    url=s.passage.url,
                )
            )
        return out

    def _refusal(
        self, question: str, query: str, passages: list[Passage], timings: dict[str, float]
    ) -> Answer:
        return Answer(
            question=question,
            answer=REFUSAL,
            refused=True,
            citations=[],
            retrieved=passages,
            timings_ms=timings,
            corpus_version=self.assistant.corpus_version,
            query=query,
        )

    def _fallback(
        self,
        question: str,
        history: Sequence[Any],
        filters: Filters | None,
        began: float,
        reason: str,
        support: list[SentenceSupport],
        timings: dict[str, float],
    ) -> GeneratedAnswer:
        """The extractive answer, with why the LLM's was not used (and what the LLM cost)."""
        spent = (time.perf_counter() - began) * 1000
        answer = self.assistant.ask(question, history, filters)
        answer.timings_ms.update({f"llm_{k}": v for k, v in timings.items()})
        answer.timings_ms["llm"] = spent
        answer.timings_ms["total"] = (time.perf_counter() - began) * 1000
        return GeneratedAnswer(answer, support, fallback_reason=reason, engine="extractive")


class LLMEvalEngine:
    """The eval runner's `llm` engine: the case answered by the GenerativeEngine."""

    name = "llm"

    def __init__(
        self,
        assistant: Any,
        llm_settings: LLMSettings | None = None,
        engine: GenerativeEngine | None = None,
    ) -> None:
        self.engine = engine or GenerativeEngine.from_settings(assistant, llm_settings)

    def answer(self, case: Any) -> dict[str, Any]:
        return self.engine.answer(case.question, case.history).to_json()

"""Eval sets: JSONL, one case per line. A public format: unknown fields are kept and ignored."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class EvalSetError(ValueError):
    """A malformed eval set; the message names the file and line."""


@dataclass
class EvalCase:
    """One question with what a correct answer must contain and where its evidence lies."""

    id: str
    question: str
    answerable: bool
    history: list[dict[str, str]] = field(default_factory=list)
    reference: str = ""
    key_facts: list[list[str]] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    type: str = "unspecified"
    tags: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    source: str = ""


def _check(record: Any, where: str) -> EvalCase:
    if not isinstance(record, dict):
        raise EvalSetError(f"{where}: a case must be a JSON object")
    for name in ("id", "question", "answerable"):
        if name not in record:
            raise EvalSetError(f"{where}: missing required field {name!r}")
    if not isinstance(record["question"], str) or not record["question"].strip():
        raise EvalSetError(f"{where}: 'question' must be a non-empty string")
    if not isinstance(record["answerable"], bool):
        raise EvalSetError(f"{where}: 'answerable' must be true or false")
    history = record.get("history") or []
    if not isinstance(history, list) or not all(
        isinstance(t, dict) and t.get("role") in ("user", "assistant") and "content" in t
        for t in history
    ):
        raise EvalSetError(
            f"{where}: 'history' must be a list of {{role: user|assistant, content}}"
        )
    key_facts = record.get("key_facts") or []
    if not isinstance(key_facts, list) or not all(
        isinstance(g, list) and g and all(isinstance(s, str) for s in g) for g in key_facts
    ):
        raise EvalSetError(f"{where}: 'key_facts' must be a list of non-empty lists of strings")
    evidence = record.get("evidence") or []
    if not isinstance(evidence, list) or not all(isinstance(s, str) for s in evidence):
        raise EvalSetError(f"{where}: 'evidence' must be a list of strings")
    known = {
        "id",
        "question",
        "answerable",
        "history",
        "reference",
        "key_facts",
        "evidence",
        "type",
        "tags",
    }
    return EvalCase(
        id=str(record["id"]),
        question=record["question"],
        answerable=record["answerable"],
        history=history,
        reference=str(record.get("reference") or ""),
        key_facts=key_facts,
        evidence=evidence,
        type=str(record.get("type") or "unspecified"),
        tags=[str(t) for t in record.get("tags") or []],
        extra={k: v for k, v in record.items() if k not in known},
        source=where,
    )


def load_set(path: Path) -> list[EvalCase]:
    """Every case of a JSONL eval set; raises EvalSetError naming the first bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise EvalSetError(f"{path}: cannot read ({err})") from None
    cases, seen = [], set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path} line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise EvalSetError(f"{where}: invalid JSON ({err.msg})") from None
        case = _check(record, where)
        if case.id in seen:
            raise EvalSetError(f"{where}: duplicate id {case.id!r}")
        seen.add(case.id)
        cases.append(case)
    if not cases:
        raise EvalSetError(f"{path}: no cases")
    return cases

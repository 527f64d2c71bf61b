"""The refusal pool: its questions are its own and its look-alikes quote the corpus; asking it
counts refusals per group and names a bad line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.scope import REASONS
from evals.pool import POOL, pool_refusals
from tests.fixtures import eval_questions, folded_corpus_text, folded_evidence


def test_the_pool_is_its_own_and_its_look_alikes_quote_the_corpus():
    rows = [json.loads(line) for line in POOL.read_text(encoding="utf-8").splitlines()]
    assert not {r["question"].lower() for r in rows} & eval_questions()
    near = [r for r in rows if not r["answerable"]]
    assert len(near) >= 250 and {r["kind"] for r in near} <= set(REASONS)
    corpus = folded_corpus_text()
    evidence = folded_evidence(rows)
    assert len(evidence) >= 250 and [e for e in evidence if e not in corpus] == []


def test_asking_a_pool_counts_refusals_per_group(assistant, tmp_path: Path):
    path = tmp_path / "pool.jsonl"
    rows = [
        {"question": "Has the smuggling protocol been amended yet?", "answerable": False},
        {
            "question": "Can people who were smuggled be prosecuted for it?",
            "answerable": True,
            "written_as": "lay",
        },
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert pool_refusals(assistant, path) == {"look-alike / lay": (0, 1), "near miss / -": (1, 1)}


def test_a_bad_pool_line_is_named(assistant, tmp_path: Path):
    path = tmp_path / "pool.jsonl"
    path.write_text('\n{"question": "Who ratified it?"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"pool.jsonl:2: not a pool question"):
        pool_refusals(assistant, path)

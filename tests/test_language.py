"""Questions in other languages are told the engine reads English only (no model needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.language import in_english

EVALS = Path(__file__).resolve().parent.parent / "evals"


@pytest.mark.parametrize(
    "question",
    [
        "Que dit le Protocole sur la responsabilité pénale des migrants?",
        "Qu'est-ce que GLO.ACT?",
        "¿Pueden los migrantes ser castigados por haber sido objeto de tráfico?",
        "Was sagt das Protokoll über Schleusung?",
        "O que diz o Protocolo sobre os migrantes?",
        "Cosa dice il Protocollo sui migranti?",
        "ما هو بروتوكول تهريب المهاجرين؟",
        "Что такое протокол о незаконном ввозе мигрантов?",
        "偷运移民议定书是什么？",
    ],
)
def test_a_question_in_another_language_or_script_is_not_english(question):
    assert not in_english(question)


@pytest.mark.parametrize(
    "question",
    [
        "What does the Protocol say about 'tráfico ilícito de migrantes'?",  # a quoted phrase
        "Ouagadougou Action Plan to combat trafficking (AU-EU, 2006): main commitments?",
        "I work with La Strada. Can my client claim compensation?",
        "smuggling by sea",
        "hi",
        "",
    ],
)
def test_an_english_question_with_foreign_words_is_english(question):
    assert in_english(question)


def test_no_question_of_the_tuning_sets_pool_or_training_files_reads_as_foreign():
    """5,674 questions written in English (the blind sets are not read)."""
    files = [*EVALS.glob("sets/*.jsonl"), *EVALS.glob("pools/*.jsonl"), *EVALS.glob("training/*")]
    files = [f for f in files if f.stem not in {"test", "holdout"}]
    questions = [
        json.loads(line)["question"]
        for path in files
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert len(questions) > 5000
    assert [q for q in questions if not in_english(q)] == []

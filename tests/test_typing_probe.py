"""The typing probe: each way of typing rewrites a question as users type it, and the probe
names the cases whose answer gets worse typed that way."""

from __future__ import annotations

from dataclasses import replace

from evals.sets import EvalCase
from evals.typing_probe import AFTER_ANOTHER, WAYS, probe


def test_each_way_of_typing_rewrites_a_question_as_chat_does():
    question = "What's the smuggling protocol's purpose?"
    typed = {way: rewrite(question) for way, rewrite in WAYS.items()}
    assert typed["lower case, no ?"] == "what's the smuggling protocol's purpose"
    assert typed["curly apostrophes"] == "What’s the smuggling protocol’s purpose?"
    assert typed["no apostrophes"] == "Whats the smuggling protocols purpose?"
    assert typed["??"] == "What's the smuggling protocol's purpose??"
    assert typed["a typo"] == "What's the smuglging protocol's purpose?"
    assert len(set(typed.values())) == len(WAYS)


def test_the_probe_names_a_near_miss_answered_only_when_typed_differently(assistant):
    near_miss = EvalCase(
        id="n1", question="Who has ratified the trafficking protocol?", answerable=False
    )
    answerable = EvalCase(
        id="a1",
        question="Can migrants be prosecuted for having been smuggled?",
        answerable=True,
        key_facts=[["shall not become liable to criminal prosecution"]],
    )
    ways = ["lower case, no ?", "in quotes"]
    assert probe(assistant, [near_miss, answerable], ways) == {
        way: {"refused": [], "answered": [], "facts": []} for way in ways
    }
    base = assistant.settings
    try:
        assistant.settings = base.model_copy(update={"ablate": ["typing"]})
        found = probe(assistant, [near_miss], ["lower case, no ?"])
        assert found["lower case, no ?"]["answered"] == ["n1"]
        friend = "A friend paid someone to get her here. Can she get deported now?"
        asked_after = replace(near_miss, question=friend)
        assert probe(assistant, [asked_after], [AFTER_ANOTHER])[AFTER_ANOTHER]["answered"] == []
    finally:
        assistant.settings = base

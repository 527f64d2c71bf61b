"""The scope classifier: fitting tells kinds apart on questions it did not see, a file loads only
for its model, the shipped one refuses near misses no word list catches and answers look-alikes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.fitted_files import PROBE
from assistant.scope import ANSWERABLE, REASONS, SCOPE_FILE, ScopeClassifier
from cli import main
from evals.scope import SCOPE_TRAINING, fit, make_scope, scope_examples
from evals.sets import EvalSetError
from tests.fixtures import (
    eval_questions,
    folded_corpus_text,
    folded_evidence,
    loaded_only_for_its_model,
    settings_changed,
)

ROOT = Path(__file__).resolve().parent.parent


def _unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def _layer(rng: np.random.Generator, inputs: int, outputs: int):
    """A random layer: (weights, bias) taking `inputs` numbers to `outputs`."""
    return rng.normal(size=(outputs, inputs)), rng.normal(size=outputs)


def _questions(rng: np.random.Generator, centres: dict[str, np.ndarray], count: int):
    """Questions of each kind scattered around the kind's own direction, as a kind's wordings
    scatter around what they mean."""
    vectors, kinds = [], []
    for kind, centre in centres.items():
        for _ in range(count):
            vectors.append(_unit(centre + 0.25 * rng.normal(size=centre.shape)))
            kinds.append(kind)
    return np.stack(vectors), kinds


def test_fitting_tells_the_kinds_apart_on_questions_it_did_not_see():
    rng = np.random.default_rng(0)
    centres = {k: _unit(rng.normal(size=32)) for k in (ANSWERABLE, "after-date", "list")}
    vectors, kinds = _questions(rng, centres, 60)
    layers, names = fit(vectors, kinds)
    classifier = ScopeClassifier(layers, names, _unit(rng.normal(size=32)))
    held_out, truth = _questions(rng, centres, 20)
    verdicts = [classifier.judge(v) for v in held_out]
    beyond_right = [
        (v.beyond > 0.5) == (k != ANSWERABLE) for v, k in zip(verdicts, truth, strict=True)
    ]
    assert sum(beyond_right) / len(truth) > 0.95
    kind_right = [v.kind == k for v, k in zip(verdicts, truth, strict=True) if k != ANSWERABLE]
    assert sum(kind_right) / len(kind_right) > 0.95
    assert all(v.reason == REASONS[v.kind] for v in verdicts)


def test_two_kinds_are_fitted_as_well_as_many():
    """sklearn gives a two-kind network one output; the classifier still scores both kinds."""
    rng = np.random.default_rng(3)
    centres = {k: _unit(rng.normal(size=32)) for k in (ANSWERABLE, "personal-advice")}
    vectors, kinds = _questions(rng, centres, 40)
    layers, names = fit(vectors, kinds)
    assert layers[-1][0].shape[0] == 2 and names == (ANSWERABLE, "personal-advice")
    classifier = ScopeClassifier(layers, names, _unit(rng.normal(size=32)))
    assert classifier.judge(centres["personal-advice"]).beyond > 0.9
    assert classifier.judge(centres[ANSWERABLE]).beyond < 0.1


def test_a_file_whose_layers_do_not_chain_is_named_and_not_used(tmp_path: Path, caplog):
    rng = np.random.default_rng(4)
    probe = _unit(rng.normal(size=16))
    kinds = (ANSWERABLE, "after-date")
    layers = (_layer(rng, 16, 8), _layer(rng, 6, 2))
    path = tmp_path / SCOPE_FILE
    ScopeClassifier(layers, kinds, probe, "t").save(path)
    assert ScopeClassifier.load(path, probe) is None
    assert f"scope classifier {path} is malformed" in caplog.text


def test_fitting_without_answerable_questions_is_an_error():
    rng = np.random.default_rng(1)
    with pytest.raises(ValueError, match="answerable"):
        fit(rng.normal(size=(4, 8)), ["list", "list", "figure", "figure"])


def test_a_classifier_loads_only_for_the_model_it_was_fitted_for(tmp_path: Path, caplog):
    rng = np.random.default_rng(2)
    probe = _unit(rng.normal(size=16))
    kinds = (ANSWERABLE, "personal-advice")
    layers = (_layer(rng, 16, 8), _layer(rng, 8, 2))
    classifier = ScopeClassifier(layers, kinds, probe, "t")
    path = tmp_path / SCOPE_FILE
    classifier.save(path)

    loaded = ScopeClassifier.load(path, probe)
    assert loaded is not None and loaded.kinds == kinds and loaded.note == "t"
    question = _unit(rng.normal(size=16))
    kept, fitted = loaded.judge(question), classifier.judge(question)  # float32 on disk
    assert kept.kind == fitted.kind and kept.beyond == pytest.approx(fitted.beyond, abs=1e-5)

    messages = loaded_only_for_its_model(ScopeClassifier.load, path, probe, caplog)
    assert "another embedding model" in messages and "palermo scope" in messages
    assert "16-dimensional vectors, the model makes 8" in messages
    assert f"{tmp_path / 'broken.npz'} is not readable" in messages


def test_a_bad_training_line_is_named_with_its_file_and_line(tmp_path: Path):
    path = tmp_path / "scope.jsonl"
    good = {"question": "Who heads UNODC now?", "answerable": False, "kind": "after-date"}
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "kind": "gossip"}) + "\n")
    with pytest.raises(EvalSetError, match=r"scope.jsonl:2: kind 'gossip'"):
        scope_examples(path)
    path.write_text("{not json\n")
    with pytest.raises(EvalSetError, match=r"scope.jsonl:1: not a scope example"):
        scope_examples(path)


def test_the_training_questions_are_their_own_and_answerable_ones_quote_the_corpus():
    """No eval case is among them (else dev, coverage or test would measure what the classifier
    learned); each answerable one's evidence is corpus text, each other one has a known kind."""
    rows = [json.loads(line) for line in SCOPE_TRAINING.read_text(encoding="utf-8").splitlines()]
    assert not {r["question"].lower() for r in rows} & eval_questions()
    beyond = [r for r in rows if not r["answerable"]]
    assert len(beyond) >= 400 and {r["kind"] for r in beyond} == set(REASONS)
    corpus = folded_corpus_text()
    evidence = folded_evidence(rows)
    assert len(evidence) >= 400 and [e for e in evidence if e not in corpus] == []


def test_the_shipped_classifier_is_loaded_and_says_how_it_was_made(assistant):
    assert assistant.scope is not None
    assert "training/scope.jsonl" in assistant.scope.note
    for held_out in ("dev", "coverage", "test", "holdout"):
        assert f"{held_out}.jsonl" not in assistant.scope.note


def _ask_with_and_without(assistant, question: str):
    with_it = assistant.ask(question, [])
    with settings_changed(assistant, ablate=["scope"]):
        return with_it, assistant.ask(question, [])


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        (  # dev d157: no word list of asked_for catches a shelter's own case
            "We run a shelter for migrants. Do we have to report them to the police?",
            REASONS["personal-advice"],
        ),
        (  # dev d151: "yet" asks for today, which documents of 2000-2021 cannot say
            "Has the smuggling protocol been amended yet?",
            REASONS["after-date"],
        ),
        (  # dev d159: answered without it by the Protocol's clause on ratification
            "Who has ratified the trafficking protocol?",
            REASONS["parties"],
        ),
        (  # dev d132: its chance lies between 0.85 (the threshold since the tenth session) and 0.9
            "A friend paid someone to get her here. Can she get deported now?",
            REASONS["personal-advice"],
        ),
    ],
)
def test_near_misses_are_refused_with_the_kind_and_answered_without_the_classifier(
    assistant, question: str, reason: str
):
    with_it, without = _ask_with_and_without(assistant, question)
    assert with_it.refused and reason in with_it.answer
    assert not without.refused


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        (
            "What do UNHCR's guidelines on detention say about alternatives for asylum seekers?",
            REASONS["other-treaty"],
        ),
        (
            "Which bus companies have paid the biggest fines for carrying people without visas?",
            REASONS["figure"],
        ),
    ],
)
def test_near_misses_of_any_kind_are_refused_when_support_is_weak_too(
    assistant, question: str, reason: str
):
    """Kinds the documents may answer (a figure, a topic) refuse on the verdict only when the
    best sentence supports an answer weakly (`Tuning.doubted_support`)."""
    refused = assistant.ask(question, [])
    assert refused.refused and reason in refused.answer
    with settings_changed(assistant, ablate=["doubted_support"]):
        assert not assistant.ask(question, []).refused


@pytest.mark.parametrize(
    "question",
    [
        "Do we have to make it a crime to produce fake passports for smugglers?",
        "Can our navy board a ship with no flag that we think is carrying smuggled migrants?",
        "When does the smuggling protocol enter into force?",
        "How does a country become a party to the smuggling protocol?",
        # figures the documents do give
        "How much money is the EU putting into GLO.ACT for Asia and the Middle East?",
        "How many NGOs does the UN trust fund for trafficking victims support?",
        # a bare topic the network reads as beyond them (0.99, one country's law): its kind
        # refuses on the verdict only on weak support, and its support is strong
        "What is smuggling of migrants by sea?",
        # a bare topic it read as after the documents' dates (.95): too short to be judged
        "smuggling by sea",
        # one the briefing tool asks, read as a topic they do not address (.99), support .60
        "Which organisations and partners work on smuggling of migrants by sea?",
    ],
)
def test_answerable_look_alikes_are_answered(assistant, question: str):
    assert not assistant.ask(question, []).refused


def test_palermo_scope_fits_a_classifier_the_assistant_can_load(
    corpus_settings, assistant, tmp_path: Path
):
    examples = [
        {
            "question": "My brother is held in Libya by smugglers. What do I do?",
            "answerable": False,
            "kind": "personal-advice",
        },
        {
            "question": "Is GLO.ACT going to get a fourth phase?",
            "answerable": False,
            "kind": "after-date",
        },
        {"question": "Can people who were smuggled be prosecuted for it?", "answerable": True},
    ]
    path = tmp_path / "scope.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in examples), encoding="utf-8")
    out = tmp_path / SCOPE_FILE
    note = make_scope(corpus_settings, path, [ROOT / "evals" / "sets" / "core.jsonl"], out)
    assert "scope.jsonl" in note and "2 beyond the documents" in note
    probe = np.asarray(assistant.embed_texts([PROBE])[0])
    loaded = ScopeClassifier.load(out, probe)
    assert loaded is not None and set(loaded.kinds) == {ANSWERABLE, "personal-advice", "after-date"}


def test_palermo_scope_names_a_bad_examples_file(corpus_settings, tmp_path: Path, capsys):
    path = tmp_path / "scope.jsonl"
    path.write_text('{"question": "Who ratified it?", "answerable": false}\n', encoding="utf-8")
    code = main(["--store", str(corpus_settings.home), "scope", "--examples", str(path)])
    assert code == 1
    assert "scope.jsonl:1" in capsys.readouterr().err

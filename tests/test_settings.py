"""Settings come from PALERMO_* variables and an optional TOML file; nothing else reads the env."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from common.settings import Settings, Tuning


def test_environment_and_config_file(tmp_path, monkeypatch):
    config = tmp_path / "palermo.toml"
    config.write_text('top_k = 5\nchroma_url = "http://127.0.0.1:8000"\n', encoding="utf-8")
    monkeypatch.setenv("PALERMO_CONFIG", str(config))
    monkeypatch.setenv("PALERMO_HOME", str(tmp_path / "index"))
    monkeypatch.setenv("PALERMO_CHROMA_HEADERS", '{"Authorization": "Bearer token"}')
    settings = Settings()
    assert settings.home == tmp_path / "index"
    assert settings.top_k == 5 and settings.chroma_url == "http://127.0.0.1:8000"
    assert settings.chroma_headers == {"Authorization": "Bearer token"}
    monkeypatch.setenv("PALERMO_TOP_K", "3")  # the environment wins over the file
    assert Settings().top_k == 3


def test_bad_settings_are_clear_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("PALERMO_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(FileNotFoundError, match="missing.toml"):
        Settings()
    monkeypatch.delenv("PALERMO_CONFIG")
    monkeypatch.setenv("PALERMO_TOP_K", "many")
    with pytest.raises(ValueError, match="top_k"):
        Settings()


def test_the_fitted_files_are_found_from_any_working_folder(tmp_path, monkeypatch):
    """Started elsewhere, `palermo` once silently answered without the glossary, the query
    adapter and the scope classifier, which it looked for in ./corpus."""
    monkeypatch.chdir(tmp_path)
    corpus = Settings().corpus_dir
    assert corpus.is_absolute()
    for name in ("glossary.toml", "query-adapter.npz", "scope-classifier.npz", "question-bank.npz"):
        assert (corpus / name).is_file(), name


def test_packaged_model_is_found_offline():
    path = Path(Settings().model_path())
    assert (path / "config.json").is_file()


def test_tuning_comes_from_arguments_the_environment_and_the_config_file(tmp_path, monkeypatch):
    assert Settings(tuning={"meaning_weight": 0.7}).tuning.meaning_weight == 0.7
    assert Settings(tuning={"meaning_weight": 0.7}).tuning.rrf_k == Tuning().rrf_k  # the rest kept
    monkeypatch.setenv("PALERMO_TUNING__MEANING_WEIGHT", "0.7")
    assert Settings().tuning.meaning_weight == 0.7
    config = tmp_path / "palermo.toml"
    config.write_text("[tuning]\nclose_runner_up = 0.5\n", encoding="utf-8")
    monkeypatch.setenv("PALERMO_CONFIG", str(config))
    tuned = Settings().tuning
    assert (tuned.close_runner_up, tuned.meaning_weight) == (0.5, 0.7)
    with pytest.raises(ValidationError):
        tuned.close_runner_up = 0.9  # frozen: one question cannot retune another's engine


def test_unknown_tuning_names_are_rejected(monkeypatch):
    with pytest.raises(ValueError, match="meaning_wieght"):
        Settings(tuning={"meaning_wieght": 0.7})
    monkeypatch.setenv("PALERMO_TUNING__BOGUS", "1")
    with pytest.raises(ValueError, match="bogus"):
        Settings()


def test_every_tuning_value_says_why():
    for name, info in Tuning.model_fields.items():
        assert info.description and "\n" not in info.description, name


def test_a_tuning_value_reaches_the_engine():
    """The runner-up scores 0.65 of the best: quoted only when the close share is below that."""
    import numpy as np

    from assistant.candidates import Candidate
    from assistant.choosing import choose
    from assistant.question import Question
    from assistant.records import Passage

    lines = [
        "Each State Party shall adopt legislative measures against smuggling.",
        "Migrants shall not become liable to criminal prosecution for having been smuggled.",
    ]
    # two passages, each its own quote
    passages = [
        Passage(f"p:{n}", "doc", "T", "", "", "", "", None, line, 0, 0)
        for n, line in enumerate(lines)
    ]
    candidates, start = [], 0
    for line, score, passage in zip(lines, [1.0, 0.65], passages, strict=True):
        candidates.append(Candidate(line, start, start + len(line), 0, passage, np.zeros(3)))
        candidates[-1].score = score
        start += len(line) + 1

    def chosen(settings: Settings) -> list[str]:
        question = Question(
            "What does the Protocol require?", np.zeros(3), None, tuning=settings.tuning
        )
        return [c.text for c in choose(question, candidates, passages, most=2)]

    assert chosen(Settings()) == lines[:1]  # close_runner_up 0.7
    assert chosen(Settings(tuning={"close_runner_up": 0.6})) == lines

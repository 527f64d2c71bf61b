"""The code's layout: imports flow one way, and no module or function grows too big to read.

Layers, bottom to top: common (settings) -> ingest -> assistant -> the front ends (app.py, ui,
cli) and evals. A module may import its own layer or any below it, never one above; no two
modules import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"common": 0, "ingest": 1, "assistant": 2, "app": 3, "ui": 3, "cli": 3, "evals": 3}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80


def _modules() -> dict[str, Path]:
    """Module name -> file, for every module of the layered packages and app.py."""
    out = {}
    files = [ROOT / f"{name}.py" for name in LAYERS] + [
        path for name in LAYERS for path in sorted((ROOT / name).glob("**/*.py"))
    ]
    for path in files:
        if path.is_file():
            relative = path.relative_to(ROOT).with_suffix("")
            out[".".join(relative.parts).removesuffix(".__init__")] = path
    return out


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules a file imports, at module level or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            target = max(
                (m for m in modules if name == m or name.startswith(m + ".")), key=len, default=None
            )
            if target:
                found.add(target)
    return found


def _layer(module: str) -> int:
    return LAYERS[module.split(".")[0]]


def test_imports_flow_from_settings_up_to_the_front_ends_and_never_back() -> None:
    modules = _modules()
    assert {"common.settings", "ingest.pipeline", "assistant.service", "app", "cli"} <= set(modules)
    edges = {(m, t) for m, path in modules.items() for t in _imports(path, modules) if t != m}
    against = sorted(f"{m} -> {t}" for m, t in edges if _layer(t) > _layer(m))
    cycles = sorted(f"{m} <-> {t}" for m, t in edges if (t, m) in edges and m < t)
    assert not against, f"imports against the flow: {against}"
    assert not cycles, f"modules importing each other: {cycles}"


def test_no_module_or_function_is_too_long_to_read() -> None:
    long_modules, long_functions = [], []
    for module, path in _modules().items():
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES:
            long_modules.append(f"{module}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long_functions.append(f"{module}.{node.name}: {length} lines")
    assert not long_modules, f"modules over {MAX_MODULE_LINES} lines: {long_modules}"
    assert not long_functions, f"functions over {MAX_FUNCTION_LINES} lines: {long_functions}"

"""A local GGUF model, run by llama.cpp's own server in a child process.

Why a child process: llama.cpp is native code, and a crash in it (an instruction the CPU or the
sandbox lacks, a corrupt model file) kills the process it runs in. Out of process, a crash is a
failed request: the answer falls back to the extractive engine with a note saying why, the app
and the test run go on, and the next request starts a fresh server.

The server is `python -m llama_cpp.server` (shipped with llama-cpp-python's `server` extra),
bound to loopback on a free port, and spoken to through llama-index's OpenAI-compatible LLM; it
ends itself when its parent is gone (`_CHILD`).
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

START_TIMEOUT_S = 180.0  # loading a 1 GB model from a cold disk on 2 cores

# Chat formats (llama-cpp-python's names) for GGUF files that carry no chat template.
_FORMATS_BY_ARCHITECTURE = {"gemma": "gemma", "qwen": "chatml", "mistral": "mistral-instruct"}
# Formats whose template has no system role: the rules go at the top of the first user turn.
NO_SYSTEM_ROLE = {"gemma", "mistral-instruct"}


# How the child runs llama.cpp's server: beside it, a thread that ends the child once its parent
# is gone. A parent that is killed (SIGKILL, or SIGTERM, on which no atexit handler runs) would
# otherwise leave a model of a gigabyte or more loaded, and busy, behind it.
_CHILD = """
import os, runpy, sys, threading, time
parent = os.getppid()
def watch():
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
sys.argv = ["llama_cpp.server", *sys.argv[1:]]
runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
"""


class ModelProcessError(RuntimeError):
    """The model's process could not start or stopped; the message says why, for the user."""


def gguf_metadata(path: Path) -> dict[str, Any]:
    """The GGUF header's scalar and string metadata (arrays such as the vocabulary are skipped).

    Read directly so that choosing a chat format needs neither llama.cpp nor loading the model.
    Raises ValueError when the file is not a GGUF file.
    """
    with path.open("rb") as f:
        if f.read(4) != b"GGUF":
            raise ValueError(f"{path} is not a GGUF file (wrong magic bytes)")
        version, _tensors, count = struct.unpack("<IQQ", f.read(20))
        if version < 2:
            raise ValueError(f"{path}: GGUF version {version} is too old")
        values: dict[str, Any] = {}
        for _ in range(count):
            key = _gguf_string(f)
            kind = struct.unpack("<I", f.read(4))[0]
            values[key] = _gguf_value(f, kind)
        return values


_SCALARS = {
    0: "B",
    1: "b",
    2: "H",
    3: "h",
    4: "I",
    5: "i",
    6: "f",
    7: "?",
    10: "Q",
    11: "q",
    12: "d",
}


def _gguf_string(f: BinaryIO) -> str:
    (length,) = struct.unpack("<Q", f.read(8))
    return f.read(length).decode("utf-8", errors="replace")


def _gguf_value(f: BinaryIO, kind: int) -> Any:
    if kind == 8:
        return _gguf_string(f)
    if kind in _SCALARS:
        fmt = "<" + _SCALARS[kind]
        return struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0]
    if kind == 9:  # array: skipped (the vocabulary holds ~150,000 strings)
        item, count = struct.unpack("<IQ", f.read(12))
        for _ in range(count):
            _gguf_value(f, item)
        return None
    raise ValueError(f"unknown GGUF value type {kind}")


def chat_format_for(path: Path, requested: str = "") -> str:
    """The chat format to ask the server for: the named one, none when the GGUF carries its own
    template (llama.cpp uses it), else the architecture's."""
    if requested:
        return requested
    meta = gguf_metadata(path)
    if meta.get("tokenizer.chat_template"):
        return ""
    architecture = str(meta.get("general.architecture", ""))
    return next((f for a, f in _FORMATS_BY_ARCHITECTURE.items() if architecture.startswith(a)), "")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def describe_exit(code: int) -> str:
    """'exited with status 1' or 'was killed by SIGILL (illegal instruction ...)'."""
    if code >= 0:
        return f"exited with status {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    hint = {
        "SIGILL": " (illegal instruction: llama.cpp was built for another CPU; rebuild it "
        "portably with `make llm`)",
        "SIGSEGV": " (segmentation fault in llama.cpp)",
        "SIGKILL": " (killed, perhaps out of memory)",
    }.get(name, "")
    return f"was killed by {name}{hint}"


class LocalModelServer:
    """One llama.cpp server child for a GGUF file: started on first use, restarted after a crash.

    Thread-safe: requests from many app threads share one server; llama.cpp's server queues them.
    """

    def __init__(
        self, model_path: Path, context_window: int, threads: int = 0, chat_format: str = ""
    ) -> None:
        self.model_path = model_path
        self.context_window = context_window
        self.threads = threads
        self.chat_format = chat_format
        self.process: subprocess.Popen[bytes] | None = None
        self.base_url = ""
        self.log_path: Path | None = None  # made on first start; kept only if the process died
        self.keep_log = False
        self._lock = threading.Lock()
        atexit.register(self.stop)

    def command(self, port: int) -> list[str]:
        cmd = [sys.executable, "-c", _CHILD, "--model", str(self.model_path)]
        cmd += ["--model_alias", "local", "--host", "127.0.0.1", "--port", str(port)]
        cmd += ["--n_ctx", str(self.context_window)]
        if self.threads:
            cmd += ["--n_threads", str(self.threads)]
        if self.chat_format:
            cmd += ["--chat_format", self.chat_format]
        return cmd

    def ensure_running(self) -> str:
        """The server's /v1 base URL, starting (or restarting) it if needed."""
        with self._lock:
            if self.process is not None and self.process.poll() is None:
                return self.base_url
            self._start()
            return self.base_url

    def _start(self) -> None:
        port = _free_port()
        if self.log_path is None:
            handle, name = tempfile.mkstemp(prefix="palermo-llama-server-", suffix=".log")
            os.close(handle)
            self.log_path = Path(name)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(port), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        self.base_url = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ModelProcessError(self.exit_message("could not start"))
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self._terminate()
        self.keep_log = True
        raise ModelProcessError(
            f"the local model ({self.model_path.name}) did not start within "
            f"{START_TIMEOUT_S:g} s; see {self.log_path}"
        )

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def exit_message(self, what: str = "stopped") -> str:
        """Why the process is gone, with the last line it logged (the log is then kept)."""
        self.keep_log = True
        code = self.process.poll() if self.process is not None else None
        how = describe_exit(code) if code is not None else "is not running"
        last = ""
        try:
            if self.log_path is not None:
                lines = self.log_path.read_text(errors="replace").strip().splitlines()
                last = f"; last log line: {lines[-1][:200]}" if lines else ""
        except OSError:
            pass
        return (
            f"the local model process ({self.model_path.name}) {what}: it {how}{last} "
            f"(full log: {self.log_path})"
        )

    def _terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def stop(self) -> None:
        """End the process; its log goes too unless a crash or failed start was reported."""
        with self._lock:
            self._terminate()
            if self.log_path is not None and not self.keep_log:
                self.log_path.unlink(missing_ok=True)
                self.log_path = None


def local_server_llm(settings: Any, options: dict[str, Any]) -> Any:
    """llama-index's OpenAI-compatible LLM, talking to a LocalModelServer for the GGUF file;
    `options` are the chat model's settings (assistant.llm.chat_options)."""
    from llama_index.core.base.llms.types import ChatMessage, MessageRole
    from llama_index.llms.openai_like import OpenAILike
    from pydantic import PrivateAttr

    path = Path(settings.model_path).expanduser()
    chat_format = chat_format_for(path, settings.chat_format)
    server = LocalModelServer(path, settings.context_window, settings.threads, chat_format)

    class LocalGGUF(OpenAILike):
        _server: LocalModelServer = PrivateAttr()

        @classmethod
        def class_name(cls) -> str:
            return "PalermoLocalGGUF"

        def _prepare(self, messages: Sequence[ChatMessage]) -> list[ChatMessage]:
            """Start the server if needed; fold a system message into the user turn when the
            model's template has no system role."""
            self.api_base = self._server.ensure_running()
            out = list(messages)
            if chat_format in NO_SYSTEM_ROLE and len(out) > 1 and out[0].role == "system":
                system = out.pop(0).content or ""
                out[0] = ChatMessage(role=MessageRole.USER, content=f"{system}\n\n{out[0].content}")
            return out

        def _explain(self, err: Exception) -> Exception:
            """A crash of the model's process, said plainly; other errors as they are."""
            time.sleep(0.05)  # a dying process may close its socket just before it exits
            if self._server.exited():
                return ModelProcessError(self._server.exit_message())
            return err

        def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> Any:
            prepared = self._prepare(messages)
            try:
                return super().chat(prepared, **kwargs)
            except Exception as err:
                raise self._explain(err) from err

        def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> Any:
            prepared = self._prepare(messages)
            parent = super().stream_chat

            def gen() -> Any:
                try:
                    yield from parent(prepared, **kwargs)
                except Exception as err:
                    raise self._explain(err) from err

            return gen()

    llm = LocalGGUF(
        **options,
        model="local",
        api_base="http://127.0.0.1:9/v1",  # replaced by the server's address at first use
        max_retries=0,
        reuse_client=False,
    )
    llm._server = server
    return llm

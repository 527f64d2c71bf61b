"""Shared fixtures: the real corpus ingested once per session with the real model and Chroma."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.settings import Settings, quiet_network_env

quiet_network_env()

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose home holds the real corpus, ingested once for the whole session."""
    from ingest.pipeline import ingest

    home = tmp_path_factory.mktemp("home")
    settings = Settings(home=home, corpus_dir=CORPUS)
    report = ingest(None, settings, progress=False)
    assert report.ok, report.summary()
    return settings


@pytest.fixture(scope="session")
def assistant(corpus_settings: Settings):
    from assistant import Assistant

    return Assistant.open(corpus_settings)


@pytest.fixture(scope="session")
def embedder(corpus_settings: Settings):
    from ingest.embedding import load_embedder

    return load_embedder(corpus_settings)


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """A copy of three corpus documents and a catalog for them, safe to edit."""
    folder = tmp_path / "corpus"
    (folder / "seeds").mkdir(parents=True)
    for name in (
        "000_b4fb3ace2dacc03b.txt",
        "002_a513bf95ece57766.txt",
        "003_bb74e0ee9a208cb0.txt",
    ):
        shutil.copy(CORPUS / "seeds" / name, folder / "seeds" / name)
    (folder / "catalog.toml").write_text(
        '[[document]]\nid = "side-event"\nfile = "seeds/000_b4fb3ace2dacc03b.txt"\n'
        'title = "CCPCJ side event"\npublisher = "RSO"\ndate = "2021-05-18"\nkind = "news"\n\n'
        '[[document]]\nid = "glo-act-launch"\nfile = "seeds/002_a513bf95ece57766.txt"\n'
        'title = "GLO.ACT launch"\npublisher = "UNODC"\ndate = "2016-05-25"\nkind = "news"\n',
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def no_outside_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple]]:
    """Fail any connection to an address outside loopback; yields the attempts it saw."""
    attempts: list[tuple] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def loopback(address: object) -> bool:
        if isinstance(address, tuple) and address:
            host = str(address[0])
            return host.startswith("127.") or host in {"::1", "localhost"}
        return True  # unix sockets

    def guarded(self: socket.socket, address: object):
        if not loopback(address):
            attempts.append(address)  # type: ignore[arg-type]
            raise OSError(f"test forbids network access to {address}")
        return real_connect(self, address)

    def guarded_ex(self: socket.socket, address: object):
        if not loopback(address):
            attempts.append(address)  # type: ignore[arg-type]
            raise OSError(f"test forbids network access to {address}")
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_ex)
    original = socket.create_connection

    def create_connection(address, *args, **kwargs):
        if not loopback(address):
            attempts.append(address)
            raise OSError(f"test forbids network access to {address}")
        return original(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    yield attempts


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL (Debian's package; `make test` installs it) in a throw-away cluster on
    a loopback port, run as the `postgres` user when the tests run as root."""
    import glob
    import os
    import subprocess
    import tempfile

    from evals.load import free_port

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL is not installed: `make test` installs Debian's postgresql")
    bin_dir = Path(found[-1]).parent
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="palermo-pg-"))
    if as_user:
        shutil.chown(folder, "postgres", "postgres")
    port = free_port()
    data = folder / "data"

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=120)

    run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "palermo")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(
        str(bin_dir / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-w",
        "-l",
        str(folder / "log"),
        "start",
    )
    try:
        run(
            str(bin_dir / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "palermo",
            "palermo",
        )
        yield f"postgresql+psycopg://palermo@127.0.0.1:{port}/palermo"
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)

"""The CLI end to end, a killed ingest run repaired, and server mode against a real `chroma run`."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from evals.load import ask, client, free_port, start_chroma, wait_for
from ingest.pipeline import ingest
from ingest.store import Store

ROOT = Path(__file__).resolve().parent.parent
PALERMO = [sys.executable, "-m", "cli"]


def _run(args: list[str], home: Path, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PALERMO_HOME": str(home)}
    return subprocess.run(
        PALERMO + args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, **kwargs
    )


def test_cli_ask_search_batch_and_corpus(corpus_settings, tmp_path):
    home = corpus_settings.home
    answer = json.loads(_run(["ask", "Which countries does GLO.ACT cover?", "--json"], home).stdout)
    assert not answer["refused"] and answer["citations"][0]["doc_id"] == "unodc-glo-act-launch-2016"

    text = _run(["ask", "Can smuggled migrants be prosecuted under the Protocol?"], home).stdout
    assert "[1]" in text and "Sources:" in text and "Article 5" in text
    # the answer's own quote first, the passages it was widened by after it, each source once
    answer, more = re.split(r"\n\d+ more quotes? from the sources \(\d+ words\):\n", text)
    assert "shall not become liable to criminal" in " ".join(answer.split())
    assert "[2]" in more
    assert text.count("Article 5 — Criminal liability of migrants") == 1

    refused = _run(["ask", "Who won the 2018 football World Cup?"], home).stdout
    assert "do not answer" in refused and "Related passages" in refused

    search = json.loads(
        _run(["search", "money-laundering", "-k", "3", "--json", "--doc", "untoc"], home).stdout
    )
    assert len(search["retrieved"]) == 3 and {p["doc_id"] for p in search["retrieved"]} == {"untoc"}

    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        json.dumps({"id": "a", "question": "What is GLO.ACT Asia and the Middle East?"})
        + "\n"
        + json.dumps(
            {
                "id": "b",
                "question": "Which countries does it cover?",
                "history": [
                    {"role": "user", "content": "What is GLO.ACT Asia and the Middle East?"},
                    {
                        "role": "assistant",
                        "content": "A four-year joint initiative of the EU and UNODC.",
                    },
                ],
            }
        )
        + "\n"
        + "not json\n"
        + json.dumps({"id": "c", "question": "  ? "})
        + "\n",
        encoding="utf-8",
    )
    result = _run(["ask", "--batch", str(batch)], home)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    assert "Afghanistan" in rows[1]["answer"]
    assert "line 3: invalid JSON" in result.stderr and result.returncode == 1
    assert 'line 4: "question" holds no words' in result.stderr

    blank = _run(["ask", "   ?  "], home)
    assert blank.returncode == 2 and "give a question" in blank.stderr and not blank.stdout

    history = tmp_path / "history.json"
    history.write_text(
        json.dumps([{"role": "user", "content": "Tell me about GLO.ACT Asia and the Middle East"}])
    )
    followed = json.loads(
        _run(
            ["ask", "Which countries does it cover?", "--history", str(history), "--json"], home
        ).stdout
    )
    assert "Afghanistan" in followed["answer"]

    listing = _run(["corpus"], home).stdout
    assert "smuggling-protocol" in listing and "8 documents" in listing


def test_cli_names_filters_and_settings_that_can_match_nothing(corpus_settings, tmp_path):
    """A filter naming no indexed document, kind or a backwards year range would read as "the
    documents do not answer this"; a bad setting would be a pydantic dump. Each gets an error
    naming what to change, exit 2, and no answer."""
    home = corpus_settings.home
    unknown = _run(["ask", "What is GLO.ACT?", "--doc", "nope", "--kind", "treaty"], home)
    assert unknown.returncode == 2 and not unknown.stdout
    assert (
        "--doc 'nope' is not in the index" in unknown.stderr
        and "smuggling-protocol" in unknown.stderr
    )
    assert "--kind 'treaty' is not in the index (it has: instrument, news" in unknown.stderr
    backwards = _run(["search", "GLO.ACT", "--year-from", "2030", "--year-to", "2020"], home)
    assert (
        backwards.returncode == 2 and "--year-from 2030 is after --year-to 2020" in backwards.stderr
    )

    env = {**os.environ, "PALERMO_HOME": str(home), "PALERMO_TOP_K": "0"}
    bad = subprocess.run(
        [*PALERMO, "ask", "What is GLO.ACT?"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert (
        bad.returncode == 2
        and "PALERMO_TOP_K: Input should be greater than or equal to 1" in bad.stderr
    )
    assert "Traceback" not in bad.stderr

    # a reader that stops reading (`| head`, here `| true`, gone before the answer is printed)
    errors = tmp_path / "stderr.txt"
    subprocess.run(
        f"{shlex.join([*PALERMO, 'ask', 'What is GLO.ACT?'])} 2>{errors} | true",
        shell=True,
        cwd=ROOT,
        env={**os.environ, "PALERMO_HOME": str(home)},
        check=True,
    )
    assert "Traceback" not in errors.read_text() and "BrokenPipe" not in errors.read_text()


def test_cli_reports_empty_store_and_bad_input_clearly(tmp_path):
    empty = _run(["ask", "anything"], tmp_path / "nothing")
    assert (
        empty.returncode == 3
        and "palermo ingest" in empty.stderr
        and "Traceback" not in empty.stderr
    )
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "bad.txt").write_bytes(b"\xff\xfe\x00bad")
    (folder / "good.md").write_text("# Note\n\nSmuggled migrants have rights under the Protocol.\n")
    result = _run(["ingest", str(folder), "--quiet"], tmp_path / "home")
    assert result.returncode == 1
    assert "1 added" in result.stdout and "FAILED" in result.stdout and "bad.txt" in result.stdout


def test_killed_ingest_leaves_a_store_the_next_run_repairs(tmp_path):
    home = tmp_path / "home"
    # small batches, so the run can be killed between two of them
    env = {**os.environ, "PALERMO_HOME": str(home), "PALERMO_INGEST_BATCH": "32"}
    process = subprocess.Popen(
        PALERMO + ["ingest", str(ROOT / "corpus")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.time() + 240
    seen = ""
    while time.time() < deadline:  # kill it once its first batch of documents is written
        character = process.stdout.read(1)  # the progress bar redraws with \r, not \n
        if not character:
            break
        seen += character
        if "chunks written" in seen[-60:]:
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    settings = Settings(home=home, corpus_dir=ROOT / "corpus")
    partial = Store(settings).documents()
    assert 0 < len(partial) < 8, seen[-500:]

    report = ingest(None, settings, progress=False)
    assert report.ok
    store = Store(settings)
    documents = store.documents()
    assert len(documents) == 8 and all(d.complete for d in documents.values())
    ids = store.passages.get(include=[])["ids"]
    assert len(ids) == len(set(ids)) == sum(d.n_chunks for d in documents.values())
    sentence_ids = store.sentences.get(include=[])["ids"]
    assert len(sentence_ids) == len(set(sentence_ids))
    assert ingest(None, settings, progress=False).chunks_written == 0


def test_a_served_app_stopped_by_sigterm_closes_and_removes_its_notes(corpus_settings, tmp_path):
    """A service manager stops `palermo serve` with SIGTERM: it closes as on Ctrl-C, with exit
    status 0, and the briefing notes it wrote to its temporary folder are gone."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    port = free_port()
    process = subprocess.Popen(
        PALERMO + ["serve", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "PALERMO_HOME": str(corpus_settings.home), "TMPDIR": str(temp)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for(url, 180, process)
        session = client(url)
        ask(session, "What is GLO.ACT?")
        session.submit("Note", [], api_name="/export_note").result(timeout=120)
        assert list(temp.glob("palermo-note-*/*.docx"))  # written where the app keeps its notes
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert not list(temp.glob("palermo-note-*"))


@pytest.fixture
def chroma_server(tmp_path):
    process, url = start_chroma(tmp_path / "server-data")
    yield url
    process.terminate()
    process.wait(timeout=30)


def test_server_mode_ingests_and_answers_through_a_real_chroma_server(
    tmp_path, small_corpus, chroma_server
):
    settings = Settings(
        home=tmp_path / "home",
        corpus_dir=small_corpus,
        chroma_url=chroma_server,
        chroma_headers={"X-Palermo-Test": "1"},
    )
    report = ingest(None, settings, progress=False)
    assert report.ok and len(report.added) == 3
    assert not (tmp_path / "home" / "chroma").exists()  # nothing went to an embedded store
    assert ingest(None, settings, progress=False).chunks_written == 0
    answer = Assistant.open(settings).ask("Which countries does GLO.ACT cover?")
    assert not answer.refused and "Belarus" in answer.answer


def test_a_running_replica_follows_an_ingest_made_through_another(
    tmp_path, small_corpus, chroma_server
):
    """Two app processes' assistants on one Chroma server, each with its own empty home: after
    a document is added through A, B's answers include it without a restart, and B keeps
    answering while it catches up."""
    settings_a = Settings(
        home=tmp_path / "a", corpus_dir=small_corpus, chroma_url=chroma_server, follow_seconds=0.2
    )
    settings_b = settings_a.model_copy(update={"home": tmp_path / "b"})
    assert ingest(None, settings_a, progress=False).ok
    replica_b = Assistant.open(settings_b)
    question = "How many coast guard officers did the Harbour Pilot Project train?"
    assert "412" not in replica_b.ask(question).answer

    (small_corpus / "seeds" / "harbour-pilot.txt").write_text(
        "Harbour Pilot Project\n\nThe Harbour Pilot Project trained 412 coast guard officers "
        "in 2025 to identify smuggled migrants at sea and to refer them to protection services.\n",
        encoding="utf-8",
    )
    assert ingest(None, settings_a, progress=False).ok
    published = Store(settings_a).published_version()
    assert published and published != replica_b.corpus_version

    deadline = time.time() + 120
    while replica_b.corpus_version != published and time.time() < deadline:
        assert replica_b.ask(question)  # answered from the snapshot held, never waiting
        time.sleep(0.2)
    assert replica_b.corpus_version == published
    answer = replica_b.ask(question)
    assert not answer.refused and "412" in answer.answer
    assert any("harbour" in c.doc_id for c in answer.citations)

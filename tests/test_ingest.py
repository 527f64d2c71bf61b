"""Ingest against a real Chroma store with the real model: changes, removals and bad input."""

from __future__ import annotations

import json
from pathlib import Path

from common.settings import Settings
from ingest import sources
from ingest.loaders import load_file as real_load_file
from ingest.pipeline import ingest
from ingest.store import Store, passage_of
from ingest.word_vectors import WordVectors
from tests.fixtures import make_blank_pdf, make_docx, make_encrypted_pdf, make_pdf


def _settings(tmp_path: Path, corpus: Path) -> Settings:
    return Settings(home=tmp_path / "home", corpus_dir=corpus)


def _consistent(store: Store) -> dict[str, int]:
    """Every document complete, no duplicate passages; returns chunk counts by document."""
    documents = store.documents()
    assert all(d.complete for d in documents.values()), documents
    ids = store.passages.get(include=[])["ids"]
    assert len(ids) == len(set(ids))
    return {doc_id: d.count for doc_id, d in documents.items()}


def test_new_reading_code_reads_once_then_skips_unread(tmp_path, small_corpus, monkeypatch):
    """An upgrade of the reading code makes the next ingest read every file again (it may read
    them differently); documents whose text comes out the same keep their passages, get the new
    fingerprint, and are skipped unread from then on, instead of being read on every run."""
    settings = _settings(tmp_path, small_corpus)
    assert ingest(None, settings, progress=False).ok
    store = Store(settings)
    ids_before = sorted(store.passages.get(include=[])["ids"])
    monkeypatch.setattr(sources, "_READING_CODE", "a newer reading code")
    loads = []
    monkeypatch.setattr(
        sources, "load_file", lambda *args: loads.append(args) or real_load_file(*args)
    )
    upgraded = ingest(None, settings, progress=False)
    assert len(loads) == 3 and len(upgraded.unchanged) == 3 and upgraded.chunks_written == 0
    assert sorted(store.passages.get(include=[])["ids"]) == ids_before
    loads.clear()
    again = ingest(None, settings, progress=False)
    assert loads == [] and len(again.unchanged) == 3
    _consistent(store)


def test_ingest_is_idempotent_and_tracks_changes_and_removals(tmp_path, small_corpus, monkeypatch):
    settings = _settings(tmp_path, small_corpus)
    first = ingest(None, settings, progress=False)
    assert first.ok
    assert sorted(first.added) == ["003-bb74e0ee9a208cb0", "glo-act-launch", "side-event"]
    store = Store(settings)
    counts = _consistent(store)
    assert counts["side-event"] >= 2
    vectors = WordVectors.load(store.word_vectors_path, settings.model_path())
    assert {"smuggling", "moderated"} <= set(vectors.index)  # every corpus word has a vector
    assert vectors.version == store.corpus_version()

    loads = []
    monkeypatch.setattr(
        sources, "load_file", lambda *args: loads.append(args) or real_load_file(*args)
    )
    again = ingest(None, settings, progress=False)
    assert loads == []  # unchanged bytes, catalog and code: skipped on their fingerprint, unread
    assert again.unchanged and not (again.added or again.changed or again.removed)
    assert again.chunks_written == 0
    assert "Nothing changed" in again.summary()

    path = small_corpus / "seeds" / "000_b4fb3ace2dacc03b.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace("over 85", "over 95"), encoding="utf-8"
    )
    (small_corpus / "seeds" / "003_bb74e0ee9a208cb0.txt").unlink()
    changed = ingest(None, settings, progress=False)
    assert changed.changed == ["side-event"]
    assert changed.removed == ["003-bb74e0ee9a208cb0"]
    counts = _consistent(store)
    assert set(counts) == {"side-event", "glo-act-launch"}
    texts = store.passages.get(where={"doc_id": "side-event"}, include=["documents"])["documents"]
    assert any("over 95" in t for t in texts) and not any("over 85" in t for t in texts)
    assert store.document_text("003-bb74e0ee9a208cb0") is None
    catalog = small_corpus / "catalog.toml"
    catalog.write_text(
        catalog.read_text(encoding="utf-8").replace("GLO.ACT launch", "GLO.ACT launched"),
        encoding="utf-8",
    )
    retitled = ingest(None, settings, progress=False)
    assert retitled.changed == ["glo-act-launch"] and loads  # new catalog facts: read again
    assert store.documents()["glo-act-launch"].title == "GLO.ACT launched"
    sentences = store.sentences.get(include=[])
    passages = store.passages.get(include=["metadatas"])
    assert len(sentences["ids"]) == sum(
        m["n_sentences"] for m in passages["metadatas"]
    )  # the changed and the removed documents' old sentences are gone, by id
    assert {passage_of(i) for i in sentences["ids"]} == set(passages["ids"])


def test_catalog_metadata_and_derived_titles(tmp_path, small_corpus):
    settings = _settings(tmp_path, small_corpus)
    ingest(None, settings, progress=False)
    documents = Store(settings).documents()
    assert documents["glo-act-launch"].publisher == "UNODC"
    assert documents["glo-act-launch"].date == "2016-05-25"
    uncatalogued = documents["003-bb74e0ee9a208cb0"]
    assert uncatalogued.title == "Migrant Smuggling on the United Nations Intergovernmental Agenda"

    # a sentence is embedded under its document's title only when that title is not just the
    # text's first line: the catalogued document's sentence carries "CCPCJ side event", the
    # uncatalogued one's is embedded bare
    import numpy as np

    from ingest.embedding import load_embedder

    store = Store(settings)
    embedder = load_embedder(settings)
    for doc_id, heading in (("side-event", "CCPCJ side event: "), ("003-bb74e0ee9a208cb0", "")):
        rows = store.sentences.get(where={"doc_id": doc_id}, include=["metadatas", "embeddings"])
        owners = [passage_of(i) for i in rows["ids"]]
        passages = store.passages.get(ids=list(dict.fromkeys(owners)))
        pairs = zip(passages["documents"], passages["metadatas"], strict=True)
        by_id = dict(zip(passages["ids"], pairs, strict=True))
        index = next(
            i for i, owner in enumerate(owners) if by_id[owner][1]["section"][:4] in ("", "para")
        )
        row = rows["metadatas"][index]
        text, passage = by_id[owners[index]]  # a sentence row's text is its passage's, sliced
        sentence = text[row["start"] - passage["start"] : row["end"] - passage["start"]]
        expected = embedder.get_text_embedding(heading + sentence)
        assert float(np.dot(expected, rows["embeddings"][index])) > 0.999


def test_bad_catalog_entries_are_reported_and_their_files_skipped(tmp_path, small_corpus):
    catalog = small_corpus / "catalog.toml"
    catalog.write_text(
        catalog.read_text(encoding="utf-8")
        + '\n[[document]]\nid = "x"\nfile = "seeds/003_bb74e0ee9a208cb0.txt"\ntitle = "X"\n'
        'date = "8 December 2021"\n'
        '\n[[document]]\nid = "y"\nfile = "seeds/missing.txt"\ntitle = "Y"\n'
        '\n[[document]]\nid = "z"\nfile = "seeds/000_b4fb3ace2dacc03b.txt"\ntitle = "Z"\ncolour = "red"\n',
        encoding="utf-8",
    )
    report = ingest(None, _settings(tmp_path, small_corpus), progress=False)
    reasons = "\n".join(str(f) for f in report.failures)
    assert "malformed date '8 December 2021'" in reasons
    assert "'seeds/missing.txt', which does not exist" in reasons
    assert "unknown field(s) colour" in reasons
    assert "glo-act-launch" in report.added  # everything else still ingests
    assert not report.ok


def test_bad_inputs_each_get_one_clear_failure_and_the_rest_ingests(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    good_pdf = make_pdf(
        folder / "guide.pdf",
        [
            ["Guide to the Protocol", "States shall protect the rights of smuggled migrants."],
            ["Second page text about return of smuggled migrants under Article 18."],
        ],
    )
    make_encrypted_pdf(folder / "locked.pdf", good_pdf)
    make_blank_pdf(folder / "scanned.pdf")
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02ELF\x00\x00" * 50)
    (folder / "latin1.txt").write_bytes("Caf\xe9 migration note".encode("latin-1"))
    (folder / "empty.md").write_text("", encoding="utf-8")
    (folder / "slides.pptx").write_bytes(b"PK\x03\x04")
    (folder / "huge.txt").write_text("word " * 400_000, encoding="utf-8")
    (folder / "page.html").write_text(
        "<html><head><title>Border news</title><script>var x=1;</script></head><body>"
        "<nav>Home | About</nav><main><h1>Border cooperation</h1><p>States agreed to share "
        "information on smuggling routes.</p></main><footer>Copyright</footer></body></html>",
        encoding="utf-8",
    )
    make_docx(folder / "note.docx", "Briefing", ["Smuggled migrants shall not be prosecuted."])
    (folder / "records.jsonl").write_text(
        json.dumps(
            {
                "id": "rec-1",
                "title": "Record one",
                "text": "A record about smuggling.",
                "metadata": {"publisher": "Partner"},
            }
        )
        + "\n"
        + "{not json\n"
        + json.dumps({"id": "rec-2"})
        + "\n"
        + json.dumps({"id": "rec-3", "text": "Another record about returns."})
        + "\n",
        encoding="utf-8",
    )
    settings = Settings(home=tmp_path / "home", corpus_dir=folder, max_file_mb=1)
    report = ingest([folder], settings, progress=False)
    failures = {Path(f.source).name: f.reason for f in report.failures}
    assert "encrypted" in failures["locked.pdf"]
    assert "no extractable text" in failures["scanned.pdf"]
    assert "unreadable PDF" in failures["corrupt.pdf"]
    assert "binary" in failures["binary.txt"]
    assert "UTF-8" in failures["latin1.txt"]
    assert "empty" in failures["empty.md"]
    assert "unsupported file type '.pptx'" in failures["slides.pptx"]
    assert "limit" in failures["huge.txt"]
    assert "invalid JSON" in failures["records.jsonl line 2"]
    assert '"text"' in failures["records.jsonl line 3"]
    assert len(report.failures) == 10
    assert sorted(report.added) == ["guide", "note", "page", "rec-1", "rec-3"]

    store = Store(settings)
    documents = store.documents()
    assert documents["rec-1"].title == "Record one" and documents["rec-1"].publisher == "Partner"
    assert documents["page"].title == "Border news"
    page_text = store.document_text("page")
    assert "Home | About" not in page_text and "var x" not in page_text
    pdf = store.passages.get(where={"doc_id": "guide"}, include=["metadatas", "documents"])
    assert {m["page"] for m in pdf["metadatas"]} <= {1, 2}
    assert "smuggled migrants" in " ".join(pdf["documents"])
    assert "Smuggled migrants shall not be prosecuted." in store.document_text("note")


def test_pdf_pages_are_recorded_on_passages(tmp_path):
    folder = tmp_path / "pdfs"
    folder.mkdir()
    lines = [f"Sentence number {i} about the protection of smuggled migrants." for i in range(40)]
    make_pdf(folder / "long.pdf", [lines, lines[:20]])
    settings = Settings(home=tmp_path / "home", corpus_dir=folder)
    ingest([folder], settings, progress=False)
    data = Store(settings).passages.get(include=["metadatas"])
    assert {m["page"] for m in data["metadatas"]} == {1, 2}


def test_explicit_paths_keep_other_documents_unless_pruned(tmp_path, small_corpus):
    settings = _settings(tmp_path, small_corpus)
    ingest(None, settings, progress=False)
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "memo.md").write_text(
        "# Memo\n\nReturn of smuggled migrants is covered by Article 18.\n"
    )
    report = ingest([extra], settings, progress=False)
    assert report.added == ["memo"] and not report.removed
    pruned = ingest([extra], settings, prune=True, progress=False)
    assert sorted(pruned.removed) == ["003-bb74e0ee9a208cb0", "glo-act-launch", "side-event"]
    assert set(Store(settings).documents()) == {"memo"}


def test_catalog_aliases_must_be_a_list_of_names(tmp_path, small_corpus):
    catalog = small_corpus / "catalog.toml"
    catalog.write_text(
        catalog.read_text(encoding="utf-8").replace(
            'kind = "news"\n', 'kind = "news"\naliases = "GLO"\n', 1
        ),
        encoding="utf-8",
    )
    report = ingest(None, _settings(tmp_path, small_corpus), progress=False)
    assert any("aliases must be a list" in f.reason for f in report.failures)


def test_a_jsonl_with_bad_records_ingests_the_rest_names_each_and_exits_1(tmp_path, capsys):
    from cli import main

    body = (
        "Smuggled migrants shall not become liable to criminal prosecution for having been "
        "smuggled. States parties shall protect their rights and return them in safety."
    )
    lines = [
        json.dumps({"id": "good-1", "text": body}),
        json.dumps({"id": "empty", "text": "   "}),
        json.dumps({"id": "heading", "text": "OVERVIEW AND PURPOSE OF THE PROTOCOL"}),
        '{"id": "broken", "text": "no closing quote}',
        json.dumps({"id": "good-1", "text": "A second record that reuses the first id."}),
        json.dumps({"id": "good-2", "text": "Returns of smuggled migrants shall be orderly."}),
    ]
    records = tmp_path / "records.jsonl"
    records.write_text("\n".join(lines) + "\n", encoding="utf-8")
    home = tmp_path / "home"

    status = main(["--store", str(home), "ingest", str(records), "--quiet"])

    out = capsys.readouterr().out
    assert status == 1
    failed = {line.split(": ", 1)[0].removeprefix("FAILED "): line for line in out.splitlines()}
    assert "empty text" in failed[f"{records} line 2"]
    assert "only a heading" in failed[f"{records} line 3"]
    assert "invalid JSON" in failed[f"{records} line 4"]
    assert "already used" in failed[f"{records} line 5"]
    assert "2 added" in out and "4 failed" in out
    documents = Store(Settings(home=home)).documents()
    assert sorted(documents) == ["good-1", "good-2"]
    assert all(d.complete for d in documents.values())


def test_embedding_precision_is_chosen_per_cpu_and_keeps_the_vectors(tmp_path, monkeypatch):
    """bfloat16 where the CPU computes it natively (faster ingest), float32 elsewhere; either way
    the vectors are the same to within 0.0001 cosine, so a store may be built on one host and
    read on another. The ingest summary says which precision ran."""
    import numpy as np
    import torch

    from ingest import embedding
    from ingest.embedding import embed, ingest_precision, load_embedder

    settings = Settings(home=tmp_path / "home")
    for native, expected in ((True, "bfloat16"), (False, "float32")):
        monkeypatch.setattr(embedding, "native_bfloat16", lambda native=native: native)
        assert ingest_precision(settings) == expected
        forced = settings.model_copy(update={"embed_precision": "float32"})
        assert ingest_precision(forced) == "float32"

    texts = [
        "Migrants shall not become liable to criminal prosecution under this Protocol.",
        "Article 8 — Measures against the smuggling of migrants by sea: a State Party may board "
        "and search the vessel when it has reasonable grounds to suspect it of smuggling.",
    ]
    model = load_embedder(settings)
    full = np.asarray(embed(model, texts, "float32"))
    half = np.asarray(embed(model, texts, "bfloat16"))
    assert np.all(np.sum(full * half, axis=1) > 0.9999)
    assert np.allclose(np.linalg.norm(half, axis=1), 1.0, atol=1e-4)
    # ingest's bfloat16 copy leaves the model that embeds questions in float32
    assert next(model._model.parameters()).dtype == torch.float32
    assert np.allclose(embed(model, texts, "float32"), full)


def test_a_sentence_row_names_its_passage_by_id_or_by_older_metadata():
    from ingest.store import sentence_id

    assert passage_of(sentence_id("glo-act:0007-ab12", 3)) == "glo-act:0007-ab12"
    assert passage_of("legacy-row-17", {"chunk_id": "glo-act:0007-ab12"}) == "glo-act:0007-ab12"
    assert passage_of("legacy-row-17") == ""


def test_the_ingest_summary_names_the_precision(tmp_path, small_corpus):
    settings = _settings(tmp_path, small_corpus).model_copy(update={"embed_precision": "float32"})
    summary = ingest(None, settings, progress=False).summary()
    assert "(embedded in float32)" in summary


def test_collections_search_wide_enough_for_a_large_store_old_or_new(tmp_path):
    """At Chroma's default breadth (100) a search among 180,000 sentences missed a twelfth of
    the nearest, differently on each build of the same store; every store is searched at
    `SEARCH_EF`, including one made before it (real Chroma, persisted)."""
    import chromadb

    from ingest.store import SEARCH_EF, SENTENCES_SUFFIX, make_client

    settings = Settings(home=tmp_path / "home")
    old = make_client(settings)
    for name in (settings.collection, settings.collection + SENTENCES_SUFFIX):
        old.create_collection(name, configuration={"hnsw": {"space": "cosine"}})
    assert old.get_collection(settings.collection).configuration["hnsw"]["ef_search"] != SEARCH_EF
    del old
    chromadb.api.client.SharedSystemClient.clear_system_cache()

    store = Store(settings)
    for collection in (store.passages, store.sentences):
        assert collection.configuration["hnsw"]["ef_search"] == SEARCH_EF
        assert collection.configuration["hnsw"]["space"] == "cosine"
    fresh = Store(Settings(home=tmp_path / "fresh"))
    assert fresh.sentences.configuration["hnsw"]["ef_search"] == SEARCH_EF

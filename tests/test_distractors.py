"""Documents about other things beside the corpus: two real UN General Debate speeches (from the
UN General Debate Corpus, see ../shared/bench/README.md) that each speak of refugees and asylum
once among many other subjects."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from common.settings import Settings

SPEECHES = Path(__file__).resolve().parent / "data" / "speeches"
QUESTION = (
    "Could applying the anti-smuggling treaty ever override protections for people seeking asylum?"
)


@pytest.fixture(scope="module")
def beside_speeches(
    corpus_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    """A copy of the ingested corpus with the two speeches added to it."""
    from ingest.pipeline import ingest

    home = tmp_path_factory.mktemp("beside") / "home"
    shutil.copytree(corpus_settings.home, home)
    settings = corpus_settings.model_copy(update={"home": home})
    report = ingest([SPEECHES], settings, progress=False)
    assert report.ok, report.summary()
    return settings


def test_each_document_vector_is_the_mean_of_its_passages(beside_speeches):
    from ingest.store import Store

    store = Store(beside_speeches)
    vectors = store.load_derived().document_vectors
    assert {"aut-70-2015", "swe-71-2016", "smuggling-protocol"} <= set(vectors)
    rows = store.passages.get(where={"doc_id": "aut-70-2015"}, include=["embeddings"])
    mean = np.mean(np.asarray(rows["embeddings"]), axis=0)
    assert np.allclose(vectors["aut-70-2015"], mean / np.linalg.norm(mean), atol=1e-5)


def test_a_speech_that_mentions_asylum_once_does_not_answer_for_the_protocol(beside_speeches):
    """Sentence by sentence, the speeches' calls to protect refugees are as close to the question
    as anything in the corpus; as wholes, they are about other things. Switched off, the
    document's topic no longer counts and a speech is quoted first (the question bank, which
    vouches for the Protocol's passage too, is switched off with it)."""
    from assistant import Assistant

    answer = Assistant.open(beside_speeches).ask(QUESTION)
    assert not answer.refused
    assert answer.citations[0].doc_id not in {"aut-70-2015", "swe-71-2016"}, answer.answer

    ablated = beside_speeches.model_copy(update={"ablate": ["document_topic", "question_bank"]})
    without = Assistant.open(ablated).ask(QUESTION)
    assert without.citations[0].doc_id in {"aut-70-2015", "swe-71-2016"}, without.answer

from pathlib import Path

from ingest.chunking import chunk_document, split_sentences
from ingest.loaders import load_file

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _chunks(relative: str):
    doc = next(load_file(CORPUS / relative, 10**8))
    return doc, chunk_document(doc)


def test_instrument_chunks_follow_articles_and_paragraphs():
    doc, chunks = _chunks("instruments/smuggling-protocol.txt")
    sections = [c.section for c in chunks]
    assert "Article 5 — Criminal liability of migrants" in sections
    assert any(s.startswith("Article 6 — Criminalization, para") for s in sections)
    article5 = next(c for c in chunks if c.section.startswith("Article 5 "))
    assert article5.text.startswith("Migrants shall not become liable")
    assert "Article 6" not in article5.text


def test_report_chunks_carry_heading_paths():
    _, chunks = _chunks("seeds/004_e7ebeafc82ee57eb.txt")
    assert any(
        c.section
        == "B. Promotion of the protocols and capacity building > 2. Criminal Justice Response"
        for c in chunks
    )


def test_every_chunk_is_an_exact_span_within_the_size_range_and_ends_a_sentence():
    for relative in ["instruments/untoc-convention.txt", "seeds/002_a513bf95ece57766.txt"]:
        doc, chunks = _chunks(relative)
        for chunk in chunks:
            assert doc.text[chunk.start : chunk.end] == chunk.text
            assert len(chunk.text.split()) <= 320
            assert chunk.text.rstrip()[-1] in '.;:!?")”’' or chunk.text.rstrip()[-1].isalnum()
        sizes = sorted(len(c.text.split()) for c in chunks)
        assert sizes[len(sizes) // 2] >= 60  # the median chunk is in the aimed-for range


def test_chunk_ids_are_stable_and_change_with_content():
    doc, first = _chunks("seeds/000_b4fb3ace2dacc03b.txt")
    _, again = _chunks("seeds/000_b4fb3ace2dacc03b.txt")
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    doc.text = doc.text.replace("85 participants", "86 participants")
    changed = chunk_document(doc)
    assert [c.chunk_id for c in changed] != [c.chunk_id for c in first]


def test_sentence_splitter_keeps_abbreviations_and_offsets():
    text = "Dr. Maalla M’jid spoke. Prof. Felipe González Morales called on States.\nNext line"
    sentences = split_sentences(text, offset=10)
    assert [s.text for s in sentences] == [
        "Dr. Maalla M’jid spoke.",
        "Prof. Felipe González Morales called on States.",
        "Next line",
    ]
    for sentence in sentences:
        assert text[sentence.start - 10 : sentence.end - 10] == sentence.text

"""Small files made on the fly for ingest tests (real PDFs, DOCX and broken inputs), the
shipped corpus's text for checks that eval cases quote it, the check that a fitted file
loads only for its model, and an assistant with some settings changed for a while."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A real PDF with one text line per entry, written by hand (Helvetica, no dependencies)."""
    objects: list[bytes] = []
    page_ids = []
    font_id = 3
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(b"")  # pages, filled below
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for lines in pages:
        stream = (
            "BT /F1 11 Tf 14 TL 60 760 Td "
            + " ".join(f"({_escape(line)}) Tj T*" for line in lines)
            + " ET"
        )
        data = stream.encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream")
        content_id = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (content_id, font_id)
        )
        page_ids.append(len(objects))
    kids = b" ".join(b"%d 0 R" % i for i in page_ids)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path


def make_encrypted_pdf(path: Path, source: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(source).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    with path.open("wb") as out:
        writer.write(out)
    return path


def make_blank_pdf(path: Path) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    with path.open("wb") as out:
        writer.write(out)
    return path


def make_docx(path: Path, heading: str, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(heading, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


@contextmanager
def settings_changed(assistant: Any, **update: Any) -> Iterator[None]:
    """The assistant with some settings changed (an ablation, a tuning), restored after."""
    base = assistant.settings
    assistant.settings = base.model_copy(update=update)
    try:
        yield
    finally:
        assistant.settings = base


def folded_corpus_text() -> str:
    """The shipped corpus's text, lower-cased with whitespace collapsed, as key facts are matched."""
    corpus = Path(__file__).resolve().parent.parent / "corpus"
    return " ".join(
        " ".join(p.read_text(encoding="utf-8").split()).lower()
        for p in sorted(corpus.rglob("*.txt"))
    )


def eval_questions() -> set[str]:
    """Every eval set's questions, lower-cased: what questions written for fitting or tuning
    must not repeat, else an eval set would measure what was fitted or tuned on."""
    from evals.sets import load_set

    sets = sorted((Path(__file__).resolve().parent.parent / "evals" / "sets").glob("*.jsonl"))
    return {case.question.lower() for path in sets for case in load_set(path)}


def folded_evidence(rows: list[dict[str, Any]]) -> list[str]:
    """The evidence of the answerable rows of a written-questions file, folded as
    `folded_corpus_text` folds the corpus."""
    return [" ".join(r["evidence"].lower().split()) for r in rows if r["answerable"]]


def loaded_only_for_its_model(
    load: Callable[[Path, np.ndarray], Any],
    path: Path,
    probe: np.ndarray,
    caplog: pytest.LogCaptureFixture,
) -> str:
    """Check that the fitted file at `path` (query adapter, scope classifier, question bank) is not loaded for
    another model's probe vector, nor for one of another size, nor when it is unreadable, and
    that a missing file loads nothing; returns the warnings logged, which the caller checks."""
    rng = np.random.default_rng(7)
    assert load(path.with_name("none.npz"), probe) is None
    with caplog.at_level(logging.WARNING):
        other = rng.normal(size=len(probe))
        assert load(path, (other / np.linalg.norm(other)).astype(np.float32)) is None
        smaller = rng.normal(size=8)
        assert load(path, (smaller / np.linalg.norm(smaller)).astype(np.float32)) is None
        broken = path.with_name("broken.npz")
        broken.write_bytes(b"not an npz file")
        assert load(broken, probe) is None
    return " ".join(r.getMessage() for r in caplog.records)

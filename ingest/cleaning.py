"""Clean extracted text before chunking: every quote and offset refers to this cleaned text.

Cleaning keeps the document's words and punctuation exactly (curly quotes, footnote markers) and
removes only what a reader would not cite: invisible characters, layout whitespace, markdown
emphasis, PDF line-end hyphenation, a repeated title line and web boilerplate.
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_EMPHASIS = re.compile(r"(\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*]))")
_BULLET_GLYPHS = re.compile(r"[■●▪◆◦]\s*")
_TABLE_NOISE = re.compile(r"^[|\s:-]*$")
_HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")

# Lines and trailing paragraphs that are web-page furniture, not content.
_BOILERPLATE_LINE = re.compile(
    r"^(you are reading:|share this|print this|skip to (main )?content)", re.I
)
_BOILERPLATE_TAIL = re.compile(
    r"(story is reprinted from|is a leading provider of|more stories like this|"
    r"available for use on any web browser|subscribe to our newsletter|"
    r"can be viewed by following this link|click here to|all rights reserved|cookie)",
    re.I,
)


def normalise(text: str) -> str:
    """Unicode NFC, invisible characters out, one space between words, tidy blank lines."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _drop_markup(line: str) -> str:
    line = _EMPHASIS.sub("", line)
    line = _BULLET_GLYPHS.sub("", line)
    return line.strip()


def _is_doubled(line: str) -> bool:
    """A title printed twice on one line, as some web pages do ("X X")."""
    half = len(line) // 2
    return len(line) > 20 and line[:half].strip() == line[half:].strip()


def _drop_repeated_title(lines: list[str]) -> list[str]:
    """Drop boilerplate and doubled lines near the top, and any later exact copy of a top line."""
    head: set[str] = set()
    kept: list[str] = []
    for index, line in enumerate(lines):
        near_top = index < 8
        if near_top and (_BOILERPLATE_LINE.match(line) or _is_doubled(line)):
            continue
        if line in head and 4 <= len(line.split()) <= 30:
            continue
        if near_top and line:
            head.add(line)
        kept.append(line)
    return kept


def _drop_boilerplate_tail(text: str) -> str:
    """Remove trailing paragraphs that advertise, credit or link rather than inform."""
    paragraphs = text.split("\n\n")
    while paragraphs and (_BOILERPLATE_TAIL.search(paragraphs[-1]) or not paragraphs[-1].strip()):
        paragraphs.pop()
    return "\n\n".join(paragraphs)


def join_pdf_lines(text: str) -> str:
    """Undo PDF line layout: join hyphenated words and lines broken inside a paragraph."""
    text = _HYPHEN_BREAK.sub(r"\1\2", text)
    out: list[str] = []
    for line in text.split("\n"):
        starts_block = not line or re.match(r"^(\d+\.|[a-z]\)|\([ivx]+\)|[-•*]|Article\b)", line)
        if out and out[-1] and not starts_block and not out[-1].endswith((":", ";")):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return "\n".join(out)


def clean(text: str, *, from_pdf: bool = False) -> str:
    """The cleaned text of a document (or of one PDF page when `from_pdf`)."""
    text = normalise(text)
    if from_pdf:
        return normalise(join_pdf_lines(text))
    lines = [_drop_markup(line) for line in text.split("\n")]
    lines = ["" if _TABLE_NOISE.match(line) else line for line in lines]
    lines = _drop_repeated_title(lines)
    return normalise(_drop_boilerplate_tail("\n".join(lines)))

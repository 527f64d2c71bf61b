"""Structure-aware chunking: cut where the document itself is cut, never inside a sentence.

The text is read as lines: headings (markdown `#`, `Article N` with its title line, lettered and
numbered section titles, all-capitals titles) build a section path; the lines between them are
blocks (paragraphs, list items, numbered paragraphs of an article). Blocks of one section are
packed into chunks of roughly `min_words`–`max_words`; a block longer than that is split between
sentences. Every chunk is an exact span of the cleaned text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ingest.records import Chunk, LoadedDocument, Sentence

CHUNKER_VERSION = "3"

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+)$")
_ARTICLE = re.compile(r"^Article\s+(\d+)\s*$")
_CHAPTER = re.compile(r"^[IVXLC]+$")
_LETTER_HEADING = re.compile(r"^([A-Z])\.\s+(.+)$")
_NUMBER_HEADING = re.compile(r"^(\d+)\.\s+(.+)$")
_PARAGRAPH_NUMBER = re.compile(r"^(\d+)\.\s+")
_PREAMBLE = re.compile(r"^Preamb[ul]+e\b")
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "md",
    "st",
    "no",
    "nos",
    "art",
    "arts",
    "para",
    "paras",
    "e.g",
    "i.e",
    "etc",
    "vs",
    "cf",
    "fig",
    "vol",
    "inc",
    "ltd",
    "co",
    "jr",
    "sr",
    "gen",
    "op",
    "u.s",
    "u.k",
    "u.n",
    "p",
    "pp",
    "sect",
    "approx",
    "dept",
    "govt",
}


@dataclass
class _Block:
    start: int
    end: int
    words: int
    section: tuple[str, ...]
    paragraph: str  # paragraph number inside an article, or ""


def _title_like(text: str, max_words: int) -> bool:
    return len(text.split()) <= max_words and not text.rstrip().endswith((".", ";", ",", ":"))


def _tidy(title: str) -> str:
    title = title.strip().strip("#").strip()
    letters = [c for c in title if c.isalpha()]
    if letters and all(c.isupper() for c in letters) and len(letters) > 4:
        lowered = title.lower()
        first = re.search(r"[a-z]{2}", lowered)
        cut = first.start() if first else 0
        title = title[:cut] + lowered[cut].upper() + lowered[cut + 1 :]
    return title


def _siblings(a: str, b: str) -> bool:
    """Headings of one series ("SDG 10", "SDG 16") belong on one level whatever their markup."""
    first_a, first_b = a.split()[:1], b.split()[:1]
    return bool(first_a) and first_a == first_b and any(c.isdigit() for c in a + b)


def _lines(text: str) -> list[tuple[int, int, str]]:
    out, position = [], 0
    for line in text.split("\n"):
        out.append((position, position + len(line), line))
        position += len(line) + 1
    return out


def _blocks(text: str) -> list[_Block]:
    """Walk the lines, tracking the heading stack, and return the content blocks."""
    lines = _lines(text)
    blocks: list[_Block] = []
    stack: list[tuple[int, str]] = []  # (level, title)
    paragraph = ""
    in_article = False
    index = 0

    def set_heading(level: int, title: str) -> None:
        nonlocal paragraph
        title = _tidy(title)
        if stack and _siblings(stack[-1][1], title):
            level = stack[-1][0]
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, title))
        paragraph = ""

    def next_content(i: int) -> int:
        j = i + 1
        while j < len(lines) and not lines[j][2].strip():
            j += 1
        return j

    while index < len(lines):
        start, end, line = lines[index]
        stripped = line.strip()
        if not stripped:
            index += 1
            continue
        following = next_content(index)
        following_text = lines[following][2].strip() if following < len(lines) else ""
        if match := _MD_HEADING.match(stripped):
            in_article = False
            set_heading(len(match.group(1)), match.group(2))
        elif match := _ARTICLE.match(stripped):
            in_article = True
            title = f"Article {match.group(1)}"
            if following_text and _title_like(following_text, 14):
                title = f"{title} — {following_text}"
                index = following
            stack.clear()
            set_heading(2, title)
        elif _CHAPTER.match(stripped) and following_text and _title_like(following_text, 14):
            stack.clear()  # chapters of an instrument: the article alone locates a passage
            paragraph = ""
            index = following
        elif (match := _LETTER_HEADING.match(stripped)) and _title_like(match.group(2), 15):
            in_article = False
            set_heading(1, stripped)
        elif (
            not in_article
            and (match := _NUMBER_HEADING.match(stripped))
            and _title_like(match.group(2), 12)
        ):
            set_heading(3, stripped)
        elif _title_like(stripped, 20) and stripped.isupper() and len(stripped.split()) >= 2:
            title = stripped
            while index + 1 < len(lines) and lines[index + 1][2].strip().isupper():
                index += 1
                title = f"{title} {lines[index][2].strip()}"
            in_article = False
            set_heading(1, title)
        else:
            if _PREAMBLE.match(stripped):
                stack.clear()
                set_heading(2, "Preamble")
            if in_article and (match := _PARAGRAPH_NUMBER.match(stripped)):
                paragraph = match.group(1)
            blocks.append(
                _Block(start, end, len(stripped.split()), tuple(t for _, t in stack), paragraph)
            )
        index += 1
    return blocks


def split_sentences(text: str, offset: int = 0) -> list[Sentence]:
    """Sentences and list items of `text`, with offsets shifted by `offset`."""
    sentences: list[Sentence] = []
    for line_start, _, line in _lines(text):
        if not line.strip():
            continue
        begin = 0
        for match in re.finditer(r"[.!?][”\"’')\]]*\s+(?=[“\"‘(\[]?[A-Z0-9])", line):
            before = line[begin : match.start() + 1].split()
            word = before[-1].rstrip(".").lower().lstrip('(“"') if before else ""
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
            end = match.end()
            _append(sentences, line, begin, end, line_start + offset)
            begin = end
        _append(sentences, line, begin, len(line), line_start + offset)
    return sentences


def _append(out: list[Sentence], line: str, begin: int, end: int, base: int) -> None:
    piece = line[begin:end]
    stripped = piece.strip()
    if not stripped:
        return
    lead = len(piece) - len(piece.lstrip())
    start = base + begin + lead
    out.append(Sentence(stripped, start, start + len(stripped)))


def _section_label(section: tuple[str, ...], paragraphs: list[str], first: int, last: int) -> str:
    path = " > ".join(section)
    numbers = [p for p in dict.fromkeys(paragraphs) if p]
    if numbers:
        para = f"para. {numbers[0]}" if len(numbers) == 1 else f"paras. {numbers[0]}–{numbers[-1]}"
        return f"{path}, {para}" if path else para
    if path:
        return path
    return f"para. {first}" if first == last else f"paras. {first}–{last}"


def _split_long(block: _Block, text: str, max_words: int) -> list[_Block]:
    """Cut a block longer than `max_words` between sentences."""
    pieces: list[_Block] = []
    current: list[Sentence] = []
    for sentence in split_sentences(text[block.start : block.end], block.start):
        words = len(sentence.text.split())
        if current and sum(len(s.text.split()) for s in current) + words > max_words:
            pieces.append(_piece(block, current))
            current = []
        current.append(sentence)
    if current:
        pieces.append(_piece(block, current))
    return pieces


def _piece(block: _Block, sentences: list[Sentence]) -> _Block:
    words = sum(len(s.text.split()) for s in sentences)
    return _Block(sentences[0].start, sentences[-1].end, words, block.section, block.paragraph)


def chunk_document(doc: LoadedDocument, min_words: int = 60, max_words: int = 250) -> list[Chunk]:
    """Chunks of a document, in reading order."""
    text = doc.text
    blocks: list[_Block] = []
    for block in _blocks(text):
        blocks.extend(_split_long(block, text, max_words) if block.words > max_words else [block])
    ordinal = {id(b): i + 1 for i, b in enumerate(blocks)}
    groups: list[list[_Block]] = []
    for block in blocks:
        same_section = groups and groups[-1][-1].section == block.section
        size = sum(b.words for b in groups[-1]) if groups else 0
        if same_section and (size + block.words <= max_words or size < min_words // 2):
            groups[-1].append(block)
        else:
            groups.append([block])
    merged: list[list[_Block]] = []
    for group in groups:
        previous = merged[-1] if merged else None
        small = sum(b.words for b in group) < min_words
        if (
            previous
            and small
            and previous[-1].section == group[0].section
            and sum(b.words for b in previous) + sum(b.words for b in group) <= max_words * 1.2
        ):
            previous.extend(group)
        else:
            merged.append(group)
    chunks = []
    for position, group in enumerate(merged):
        start, end = group[0].start, group[-1].end
        body = text[start:end]
        section = _section_label(
            group[0].section,
            [b.paragraph for b in group],
            ordinal[id(group[0])],
            ordinal[id(group[-1])],
        )
        digest = hashlib.sha256(f"{section}\n{body}".encode()).hexdigest()
        chunks.append(
            Chunk(doc.doc_id, position, body, start, end, section, doc.page_at(start), digest)
        )
    return chunks

"""Step 4 of the answer engine: decide whether to refuse instead of answering.

The engine refuses when the question is not in English (`language`), when the best support is
too weak, when the question names something the documents never mention, or when the sources lack
what the question pins down (a figure, a date, a year, or what `asked_for.missing` finds
lacking); the refusal says why when it can.
"""

from __future__ import annotations

from assistant.asked_for import missing
from assistant.candidates import Candidate
from assistant.language import NOT_ENGLISH, in_english
from assistant.question import Question
from assistant.question_kinds import (
    ASKS_FOR_CALENDAR_DATE,
    COMPARES,
    Similarity,
    asks_for_figure,
    figure_answers,
    figures_in,
    has_calendar_date,
    years_in,
)
from assistant.records import REFUSAL


def support(candidates: list[Candidate]) -> float:
    """How well the pool supports an answer: its best sentence's score."""
    return max((c.score for c in candidates if c.quotable), default=0.0)


def closest(candidates: list[Candidate]) -> float:
    """How near in meaning the pool's nearest sentence stands to the question (its cosine, a
    follow-up's mixed with the conversation's; without the word score, which a shared name
    alone can raise)."""
    return max((c.meaning for c in candidates if c.quotable), default=0.0)


def weak(question: Question, found: float, near: float, threshold: float) -> bool:
    """Too weak to answer: support (`found`) below the threshold, and no sentence as near in
    meaning as `Tuning.meaning_floor` (`near`, from `closest`). A lay question that shares no
    word with the documents ("how do their start rules compare") scores low on support but
    stands near its article in meaning; a far-off one that shares a name ("the weather in
    Vienna tomorrow", met by the Vienna Convention) scores on the name alone."""
    if found >= threshold:
        return False
    return "meaning_floor" in question.off or near < question.tuning.meaning_floor


def doubted(question: Question, found: float) -> bool:
    """Whether support is too weak for a question the scope classifier reads as beyond the
    documents, of any kind: the network alone misreads some topics ("which organisations work
    on smuggling of migrants by sea?" .99 as a topic they do not address, support .60), and
    support alone cannot tell a near miss sharing the documents' words ("the e-mail address of
    UNODC's smuggling team", .48) from a lay question; together they can.
    `Tuning.doubted_support` is the bar."""
    return "doubted_support" not in question.off and found < question.tuning.doubted_support


def refusal_for(
    question: Question,
    chosen: list[Candidate],
    found: float,
    too_weak: bool,
    similarity: Similarity,
) -> str | None:
    """The refusal to give instead of quoting the chosen sentences, or None to answer;
    `found` is the pool's support and `too_weak` `weak`'s verdict on it. A question the engine
    cannot read (not in English) is told so whatever the pool holds."""
    if not in_english(question.text):
        return NOT_ENGLISH
    lacking = missing(
        question.text,
        [c.text for c in chosen],
        [c.passage for c in chosen],
        question.off,
        question.others,  # about an instrument the corpus only cites
        question.proper_names,
    )
    beyond = question.beyond_scope
    outright = beyond is not None and (beyond.outright or doubted(question, found))
    if not (lacking or outright or refuses(question, chosen, too_weak, similarity)):
        return None
    text = REFUSAL
    if question.strangers:
        text += f" They never mention {', '.join(question.strangers)}."
    elif lacking:
        text += f" {lacking}"
    elif beyond:
        text += f" {beyond.reason}"
    return text


def refuses(
    question: Question, chosen: list[Candidate], weak: bool, similarity: Similarity
) -> bool:
    """Refuse when support is weak, or the sources lack what the question pins down.

    A question asking for a figure needs that figure in the best sentence (in any quoted one
    when it asks several things at once, `_answered_together`), and a follow-up one
    needs a figure not already given ("how much of that went to Pakistan?" is not answered by
    the total again); a question asking on what date needs a year or month; a year named in the
    question must appear in a cited passage (its text, title or date).
    """
    if not chosen or (weak and "threshold" not in question.off):
        return True
    if question.strangers:
        return True  # it asks about something the documents never mention
    text, off = question.text, question.off
    best = max(chosen, key=lambda c: c.score)
    if asks_for_figure(text) and "figure_refusal" not in off:
        least = question.tuning.figure_match
        quoted = chosen if _answered_together(question) else [best]
        holding = [c.text for c in quoted if figure_answers(text, c.text, similarity, least)]
        if not holding:
            return True
        if question.said and not any(figures_in(h) - figures_in(question.said) for h in holding):
            return True
    if ASKS_FOR_CALENDAR_DATE.search(text) and not has_calendar_date(best.text):
        return "date_refusal" not in off
    years = years_in(text) if "year_refusal" not in off else []
    if question.year and str(question.year) in years:
        years = [str(question.year)]
    sources = " ".join(c.passage.labelled for c in chosen) if years else ""
    return any(year not in sources for year in years)


def _answered_together(question: Question) -> bool:
    """Whether the question asks several things answered together, each by its own sentence: a
    briefing, a comparison, or questions left as one part ("how did they describe their work?
    how many countries were they helping?"). Its figure may stand in any quoted sentence; a
    single question's must stand in the best, or a count of something else that happens to be
    quoted beside it ("over 85 participants" of another event) would answer it."""
    text = question.text
    return question.wants_overview or bool(COMPARES.search(text)) or text.count("?") > 1

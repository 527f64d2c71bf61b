"""Named things a question pins down, and whether the corpus ever mentions them.

Similarity cannot refuse "what is the maximum sentence under Italian law?" when the corpus talks
about smuggling sentences: the sentences are close, the thing asked about is not there. So a
question naming something (Germany, the UK, Dhaka, a year) that no text, title or heading of the
corpus mentions is not answered by it, however close its passages are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from assistant.countries import country_of
from assistant.question_kinds import MONTHS, QUESTION_WORDS, years_in
from ingest.terms import content_terms

# a capitalised word or an acronym (GLO.ACT, IOM, EU); years are found by years_in
_NAME = re.compile(r"\b[A-Z][\w.'’-]*[\w]|\b[A-Z]\b")
# the text before a sentence's first word ends so (`typed` reads capitals by it too)
SENTENCE_START = re.compile(r"(^|[.!?:;\"“(]\s*|\n)$")
# a capital past the first letter marks a name even where a sentence starts: "EU-Turkey", "IOM"
_INNER_CAPITAL = re.compile(r"(?<=.)[A-Z]")
# a placeholder of a hypothetical case, not a name: "Country X", "State B", "Party A"
_PLACEHOLDER = re.compile(r"\b[A-Z][a-z]+\s+[A-Z]\b(?!['’\w-])")
# capitalised for grammar, politeness or an office, not names of things the documents must
# mention; and months, in full or short: a question's year is checked, its month is not; and
# "ID", a word
_NOT_NAMES = {
    *MONTHS.split("|"),
    *(month[:3] for month in MONTHS.split("|")),
    "Sept",
    "ID",
    "IDs",
    "I",
    "I'm",
    "I’m",
    "OK",
    "Ok",
    "Hi",
    "Hey",
    "Please",
    "Thanks",
    "Q",
    "A",
    # offices, capitalised as titles: "For the Minister:", "My Director asks whether ..." name
    # whom the asker writes for, and "Director Gazibo" still pins the name after the title
    "Minister",
    "Ministers",
    "Ministry",
    "Ambassador",
    "Director",
    "Secretary",
    "Commissioner",
    "President",
    "Chair",
    "Chairperson",
    "Head",
    "Deputy",
    "Coordinator",
    "Excellency",
    # the asker's own bodies and days, and chat acronyms: "FYI for the Board:", "For Cabinet:",
    # "for Monday's meeting"
    "Board",
    "Cabinet",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "FYI",
    "ASAP",
    "BTW",
    "NB",
    "PS",
}


def anchors(question: str) -> list[str]:
    """The names, acronyms and years in a question, in order (sentence-initial words left out,
    unless a capital inside marks them as names: "EU-Turkey deal 2016: how did ...")."""
    found: list[str] = []
    question = _PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), question)
    for match in _NAME.finditer(question):
        # "UNODC-led", "Interpol-type": the name, without what a suffix says of it
        word = re.sub(r"-[a-z][\w-]*$", "", match.group(0))
        word = re.sub(r"['’]s$", "", word).rstrip(".'’")
        if word in _NOT_NAMES:
            continue
        if SENTENCE_START.search(question[: match.start()]) and not _INNER_CAPITAL.search(word):
            continue  # "Is", "Give": capitalised for the sentence, not for a name
        if not content_terms(word):
            continue  # a stop word in capitals for emphasis: "can THEY be charged"
        found.append(word)
    found += years_in(question)
    return list(dict.fromkeys(found))


# a sentence ends at "?", or at "." or "!" after a word of two lower-case letters or more ("No.
# 36", "U.S." and "e.g." end none), before the next sentence's first letter
_ASKS = re.compile(rf"[\"“'‘(]?(?:{QUESTION_WORDS})\b", re.I)
_SENTENCE_END = re.compile(r"(?<=\?)\s+|(?<=[a-z]{2}[.!])\s+(?=[\"“'‘(]?[A-Za-z])")


def asking_part(question: str) -> str:
    """The sentences of a question that ask (those ending in "?"), without the ones that set the
    scene: in "I work at a shelter in Greece. Is the state supposed to protect them?", Greece is
    where the asker stands, not what they ask about, so the documents need not mention it. A
    part cut before the next question ("... over WhatsApp, no clear boss. Is that a structured
    group" of "..., and can they be charged?") asks with its last sentence when that starts with
    a question word. A question with no such sentence ("Book me a call ...") asks with all of it."""
    sentences = _SENTENCE_END.split(question.strip())
    asking = [s for s in sentences if s.rstrip().endswith("?")]
    if not asking and len(sentences) > 1 and _ASKS.match(sentences[-1]):
        asking = sentences[-1:]
    return " ".join(asking) if asking else question


def name_forms(anchor: str) -> list[str]:
    """The ways a corpus may write what an anchor names: "NGOs" as "NGO" and "NGO" as "NGOs",
    "Bangladeshi" as "Bangladesh" (an adjective of nationality names its country), and
    "Asian", "African" or "European" as the continent (the corpus writes "Asia" only)."""
    forms = [anchor]
    if anchor.endswith("s") and anchor[:-1].isupper():
        forms.append(anchor[:-1])
    elif anchor.isupper() and anchor.isalpha():
        forms.append(anchor + "s")
    elif anchor.endswith(("ian", "can")):
        forms.append(anchor[:-1])
    elif anchor.endswith("ean"):
        forms.append(anchor[:-2])
    country = country_of(anchor) if anchor.isalpha() else None
    return forms + [country] if country else forms


def unknown(
    question_anchors: Iterable[str], vocabulary: set[str], acronyms: Callable[[], set[str]]
) -> list[str]:
    """The anchors the corpus never mentions: not by stem ("Italian" is not "Italy"), not as
    digits, not as an acronym of capitalised words ("EU" for "European Union"; `acronyms` is
    asked only for an acronym the vocabulary lacks)."""
    return [
        anchor
        for anchor in question_anchors
        if not any(_known(form, vocabulary, acronyms) for form in name_forms(anchor))
    ]


def _known(name: str, vocabulary: set[str], acronyms: Callable[[], set[str]]) -> bool:
    if name.isdigit():
        return name in vocabulary
    stems = content_terms(name)
    if stems and stems <= vocabulary:
        return True
    return name.isupper() and name.replace(".", "") in acronyms()

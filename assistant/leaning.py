"""Whether a question leans on the turns before it, or can be read as it stands.

A follow-up ("Which countries does it cover?") leans on the conversation; a question that says
what it asks does not, whatever chat came before it. Any "it", "her" or "their" used to count
as leaning, so after a turn on the May 2021 side event, "A friend paid someone to get her here.
Can she get deported now?" was taken for a follow-up and never judged by the scope classifier.
A word points back only when nothing before it in the question may be what it stands for:
"countries ... their frontiers", "my client says she ...", "If a woman agreed ..., does that
weaken the case?". No parser is needed for that: which words come before, whether one of them
can name a person or one thing, and whether a verb comes between.

`leans_on_history` decides whether the scope classifier reads a question; retrieval still reads
any question holding a pointing word with the conversation (`points_at_all`): read alone, a
follow-up such as "which of the tools they presented ..." is grammatical and yet means the
tools just talked about (docs/experiments.md, twenty-eighth session).
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_WORD = re.compile(r"[A-Za-z][\w'’.-]*")
# how a follow-up starts: "and what about ...", "ok, so ...", "what if ..."
_GOING_ON = re.compile(
    r"^\s*(?:(?:ok|okay|right|alright)\b[\s,]*)?"
    r"(and|also|but|so|what about|how about|what if|and what|what else|how so)\b",
    re.I,
)
# words that always point back: "the former", "such migrants" (not "such as"), "likewise"
_ALWAYS_POINTING = re.compile(
    r"\b(?:former|latter|above|aforementioned|likewise|similarly|such(?!\s+as\b))\b"
    r"|\bthen\W*$",  # "when's the next session then?"
    re.I,
)
# "each other", "one another", "either ... or" point at nothing; "the one who ..." neither
_NOT_POINTING = re.compile(
    r"\beach other\b|\bone another\b|\beither\b(?=.*\bor\b)|\bthe\s+ones?\s+(?:who|that|which)\b",
    re.I,
)
# "it" that stands for nothing: "is it true that", "how dangerous it is to", "it turns out"
_EMPTY_IT = re.compile(
    r"\b(?:is|was|does|did|would|will)\s+it\s+(?:true|ok|okay|possible|legal|illegal|allowed|"
    r"lawful|enough|necessary|mandatory|optional|take|matter)\b"
    r"|\bit\s+(?:turns out|seems|takes|matters)\b"
    r"|\bit(?:'s|’s|\s+is|\s+was)\s+(?:\w+\s+){0,2}?(?:to|that|whether)\b",
    re.I,
)
# a document named by its kind alone: after a question on the trafficking protocol, "does the
# protocol let victims stay?" asks of that one
_KIND_ALONE = re.compile(
    r"\bthe\s+(protocol|treaty|convention)\b(?!\s+(?:on|against|to|of|for)\b)", re.I
)
# words that point at something a word before them may name
_POINTER = re.compile(
    r"\b(?:(?P<pronoun>it|its|it's|it’s|they|them|their|theirs|she|he|her|his|him|hers)"
    r"|(?P<relation>same|similar|each|both|either|neither)"
    r"|(?P<demonstrative>this|that|these|those)(?!\s+(?:year|week|weekend|month)s?\b)"
    r"|(?P<one>the\s+(?:[\w-]+\s+)?ones?))\b",
    re.I,
)
# any word that may point back, named before it or not: the reading retrieval keeps (the word
# list `followup.is_dependent` always had)
_ANY_POINTER = re.compile(
    r"\b(?:it|its|it's|they|them|their|theirs|this|that|these|those|she|he|her|his|him|there|"
    r"same|previous|next|mentioned|each|both|either|neither|similar)\b|\bthe\s+[\w-]+\s+ones?\b",
    re.I,
)
# "there" as a place ("who funds the work there?"), not "is there ..." or "there's"
_THERE = re.compile(
    r"(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )(?<!\bbe )\bthere\b(?!'s|’s|\s+(?:is|are)\b)",
    re.I,
)
_PEOPLE = re.compile(
    r"(?:person|man|woman|men|women|girl|boy|child|kid|son|daughter|wife|husband|mother|"
    r"father|brother|sister|cousin|uncle|aunt|nephew|niece|friend|neighbou?r|colleague|client|"
    r"boss|employer|employee|worker|driver|captain|officer|judge|prosecutor|lawyer|minister|"
    r"director|official|suspect|witness|victim|migrant|smuggler|trafficker|refugee|resident|"
    r"passenger|student|journalist|coordinator|chief|head|representative|speaker|someone|"
    r"somebody)s?",
    re.I,
)
# where a clause starts: a pronoun after a verb or a preposition ("ban them") stands for
# something outside its own clause, and "that" used alone needs a clause before it
_CLAUSE = re.compile(
    r"[,;:.?!\u2013\u2014]|\s-\s|\b(?:and|or|but|if|when|while|because|after|before|unless|"
    r"so|who|which|that|to)\b",
    re.I,
)
# the words that ask, with the word they ask for ("which countries", "how much money", "how
# long")
_ASKING = re.compile(
    r"\b(?:what kind of|what sort of|what|which|who|whose|how(?:\s+(?:many|much))?)(?:\s+\w+)?",
    re.I,
)
# what "the" introduces points back itself in a chat ("which of the tools they showed ..."),
# unless it is a name ("the UN treaty") or a document named by its kind ("the smuggling protocol")
_DEFINITE = re.compile(
    r"\bthe\s+(?![A-Z])(?:[a-z][\w'-]*\s+){0,2}?[a-z][\w'-]*\b(?<!protocol)(?<!treaty)"
    r"(?<!convention)(?<!protocols)(?<!treaties)(?<!conventions)"
)
# words a clause follows: "is it true that ...", "does the protocol say that ..."
_SAYING = _words("true say says said mean means ensure ensures think know given fact grounds")
# words that name nothing a pointer may stand for
_NO_SUBJECT = _words(
    "a an the and or but if so of to in on at by for with from about under as into than "
    "then do does did is are was were be been being can could will would should must may "
    "might shall have has had not no yes any some all what which who whom whose when "
    "where why how i we you me us my our your i'm we're you're hey hi ok okay quick q "
    "please pls just actually really also still even ever there here true anything "
    "something one two tell give explain describe more less"
)
# a word after which a pronoun is a clause's subject ("when it acts", "does it"), not an object
_SUBJECT_AFTER = _words(
    "and or but if so when while because after before unless that who which what how why "
    "where do does did is are was were can could will would should must may might shall "
    "has have had"
)


def points_at_all(question: str) -> bool:
    """Whether a question is short or holds any word that may point at something said before,
    named in it or not: when it is searched with the conversation (`followup.is_dependent`)."""
    return len(re.findall(r"\w+", question)) <= 3 or bool(
        _GOING_ON.match(question)
        or _ALWAYS_POINTING.search(question)
        or _ANY_POINTER.search(question)
    )


def leans_on_history(question: str, asked_before: str = "") -> bool:
    """Whether a question leans on earlier turns to be understood: it is short, goes on from
    the last turn, names a document by the kind the last question (`asked_before`) named, or
    has a word pointing at something that nothing before it in the question names."""
    if len(re.findall(r"\w+", question)) <= 3 or _GOING_ON.match(question):
        return True
    kinds = {found.group(1).lower() for found in _KIND_ALONE.finditer(question)}
    if any(re.search(rf"\b{kind}\b", asked_before, re.I) for kind in kinds):
        return True
    if _ALWAYS_POINTING.search(question) or _THERE.search(question):
        return True
    text = _NOT_POINTING.sub(lambda m: "_" * len(m.group(0)), question)
    empty = {
        found.start() + it.start()
        for found in _EMPTY_IT.finditer(text)
        for it in re.finditer(r"\bit\b", found.group(0), re.I)
    }
    return any(
        not _named_before(text, found)
        for found in _POINTER.finditer(text)
        if found.start() not in empty
    )


def _named_before(question: str, pointer: re.Match[str]) -> bool:
    """Whether a word before the pointer may be what it stands for."""
    said = question[: pointer.start()]
    word = pointer.group(0).lower()
    if pointer.group("demonstrative"):
        after = _WORD.findall(question[pointer.end() :])[:2]
        if any(w[0].isupper() for w in after) or (word == "that" and _joins_a_clause(said, after)):
            return True  # "that UNODC toolkit" names it; "true that ..." joins a clause
        said = _before_this_clause(said)  # "If a woman agreed ..., does that weaken ...?"
    elif word in ("it", "them", "him", "theirs") and not _subject(said):
        said = _before_this_clause(said)  # "ban them": not the subject of "ban"
    before = _WORD.findall(_DEFINITE.sub(" ", _ASKING.sub(" ", said)))
    if len(said) == pointer.start():  # not cut back to an earlier clause
        before = before[:-1]  # the word just before it: "have ratified it", "does it"
    if pointer.group("pronoun") and word in ("she", "he", "her", "his", "him", "hers"):
        return any(_PEOPLE.fullmatch(w) for w in before)
    named = [w for w in before if w.lower() not in _NO_SUBJECT]
    if word in ("it", "its", "it's", "it’s"):
        named = [w for w in named if not re.search(r"[^su]s$", w.lower())]  # one thing
    return bool(named)


def _subject(said: str) -> bool:
    """Whether a pronoun after `said` is a clause's subject: it starts the question or follows
    a word that starts a clause or asks."""
    words = _WORD.findall(said)
    return not words or words[-1].lower() in _SUBJECT_AFTER


def _before_this_clause(said: str) -> str:
    """`said` up to where the last clause in it starts ("to" just before a pronoun is where it
    stands, not a clause: "bring to it")."""
    starts = [s for s in _CLAUSE.finditer(said) if said[s.end() :].strip()]
    return said[: starts[-1].start()] if starts else ""


def _joins_a_clause(said: str, after: list[str]) -> bool:
    """Whether "that" joins a clause to the word before it ("true that", "the grounds that its
    banks") rather than pointing ("does that", "any of that", "made that declaration")."""
    before = _WORD.findall(said)
    if not before or before[-1].lower() in _NO_SUBJECT - {"true"}:
        return False
    last = before[-1].lower()
    return last in _SAYING or bool(after and after[0].lower() in _NO_SUBJECT)

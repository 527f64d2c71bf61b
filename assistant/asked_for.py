"""Whether the evidence holds the kind of thing a question asks for.

Similarity cannot refuse a near miss: "which countries have ratified the Protocol?" is close to
the Protocol's ratification clauses, "what did the CCPCJ decide at its May 2022 session?" is close
to a 2021 note announcing that session. Each asks for something those passages cannot hold: a
list of countries, an event after they were written, the text of a treaty they only cite.
`missing` runs every check and names what is missing, so the refusal can say why.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet

from assistant.anchors import anchors, asking_part, name_forms
from assistant.countries import countries_named
from assistant.question_kinds import earliest_year_asked, years_in
from assistant.records import Passage
from ingest.terms import content_terms

# a named instrument: "the 1951 Refugee Convention", "the UN Firearms Protocol", "the Global
# Compact for Safe, Orderly and Regular Migration"
_CAPITAL = r"[A-Z][\w'’.-]*"
_KINDS = r"(Convention|Protocol|Compact|Covenant|Charter|Declaration|Directive)"
INSTRUMENT_NAME = re.compile(
    rf"(?:\b\d{{4}}\s+)?(?:\b{_CAPITAL}(?:\s+of)?\s+){{0,4}}"
    rf"{_KINDS}s?\b"
    rf"(?:\s+(?:on|for|against|relating to|of)\s+(?:the\s+)?{_CAPITAL}"
    rf"(?:(?:,?\s+(?:and|of|of the|in|on|the)\s+|,\s*|\s+){_CAPITAL})*)?"
)
# what follows an instrument's kind in its formal name: "(Protocol) to Prevent, Suppress and
# Punish Trafficking in Persons", "(Protocol) against the Smuggling of Migrants by Land, Sea and Air"
_NAME_TAIL = re.compile(
    rf"\b{_KINDS}s?\s+(?:on|for|against|relating to|of|to)\s+(?:the\s+)?{_CAPITAL}"
    r"(?:(?:,?\s+(?:and against the|and against|especially|and|of the|of|in|on|the|by)\s+|,\s*|\s+)"
    rf"{_CAPITAL})*"
)


def without_held_names(text: str, title_terms: set[str]) -> str:
    """The text without the words that follow an instrument's kind in the name of one the
    corpus holds (its words all `title_terms`): a sentence that names "the Protocol to Prevent,
    Suppress and Punish Trafficking in Persons" says nothing of punishing, and would otherwise
    meet "can migrants be punished?" best. Another instrument's name says what the sentence is
    about ("the Vienna Convention on Consular Relations"), so it stays."""

    def held(match: re.Match[str]) -> str:
        tail = match.group(0)[len(match.group(1)) :]
        return match.group(1) if content_terms(tail) <= title_terms else match.group(0)

    return _NAME_TAIL.sub(held, text)


# the same in a user's lower case: "the refugee convention", "the ILO forced labour convention"
# ("the" only: "an extradition treaty" is any such treaty, which the Convention does discuss)
_LOWER_INSTRUMENT = re.compile(
    r"\bthe\s+((?:(?!(?:the|a|an|each|every|both|either|neither|all|any|other|two|three|and|or|"
    r"this|that|these|those|its|their|under|in|for|to|by|with|on|about|how|what|which|say|says|"
    r"said|do|does|did|convention|protocol|treaty)\b)"
    r"\w[\w'’-]*\s+){1,4}?)(?:convention|protocol|compact|covenant|charter|directive|treaty)s?\b",
    re.I,
)
# words of any instrument's name, which tell none apart, and what a user says of one the corpus
# holds without naming it ("the main convention", "the bigger UN treaty", "the add-on protocols")
_GENERIC = content_terms(
    "UN United Nations international convention protocol compact covenant charter declaration "
    "directive treaty additional optional anti main parent whole big bigger add-on umbrella "
    "mother overarching original"
)
# one person's own case: "my cousin ... is he going to jail?", "can I sue my employer?", "will I
# be deported?", "what documents do I need for a visa?" (not an official's "can we prosecute")
ASKS_FOR_ADVICE = re.compile(
    r"\bmy (cousins?|brother|sister|friend|husband|wife|partner|son|daughter|mother|father|"
    r"parents?|kids?|children|girlfriend|boyfriend|fianc[eé]e?|family|relatives?|uncle|aunt|"
    r"nephew|niece|neighbou?r|employer|boss|landlord|client|tenants?|lodgers?|workers?|"
    r"employees?|nanny|cleaner|visa|papers|passport|asylum (claim|case)|case|flat|apartment|"
    r"house|home|room|car|van|truck|lorry|boat|business|company|shop|farm|charity)\b|"
    r"\bshould (i|he|she|we|they) (get|hire|see|call|find) a lawyer\b|"
    r"\b(can|could|should|will|would|do|did) i (sue|claim|appeal|apply|be|stay|need|have to|"
    r"lose|face|go to)\b|"
    r"\b(am i|is he|is she) (going to|likely to|allowed to|entitled to|at risk|"
    r"committing|breaking|guilty|liable|in trouble)\b|"
    r"\b(can|could|will|would|might) (i|we) be (charged|prosecuted|arrested|fined|jailed|"
    r"deported|punished|sued)\b|"
    r"\bhappen(s)? to (me|him|her)\b",
    re.I,
)
# what holds now, which documents written years ago cannot say: "the latest on GLO.ACT", "is it
# still running", "in the last couple of years", "at this year's session" (not "currently": a
# document's own present)
ASKS_ABOUT_NOW = re.compile(
    r"\b(latest|most recent(ly)?|this year|still (going|running|active|operating|ongoing|"
    r"in (force|place|operation))|these days|nowadays|as of (today|now)|right now|"
    r"in the (last|past) ((couple of|few|two|three|\d+) )?years)\b",
    re.I,
)
NOW_AGE = 2  # years after which a document cannot say what holds now

# a way to reach someone: "what's the email of ...", "a phone number for ...", "how can I reach
# her", "who do I email"; not a topic of the documents ("a contact point for requests", "contact
# their embassy", "a request made by phone")
ASKS_FOR_CONTACT = re.compile(
    r"\b(the|their|his|her|its|an?|and|or|which|direct|contact|your)\s+(e-?mail(\s+address)?|"
    r"(tele)?phone\s+(number|line)|switchboard(\s+number)?|fax\s+number)\b|"
    r"\b(direct line|postal address|street address|mailing address)\b|"
    r"(['’]s|their|his|her|its|your)\s+contact\s+(details|e-?mail|number|info\w*)|"
    r"\bcontact\s+(details|e-?mail|number|info\w*)(\s*\([^)]*\))?\s+(of|for)\b|"
    r"\bhow (can|do|could|should|would) (i|we) (reach|contact|get in touch|get hold)\b|"
    r"\bget (in touch|hold of)\b|\bwho (do|should|can|could) (i|we) (e-?mail|call|phone|ring)\b",
    re.I,
)
# where to get a copy: "where can I download ...", "can we order printed copies", "where can I buy"
ASKS_FOR_A_COPY = re.compile(
    r"\bdownload|\b(order|buy|purchase)\b.*\bcop(y|ies)\b|\b(printed|hard|paper) cop(y|ies)\b|"
    r"\bwhere (can|do|could|should) (i|we) (buy|purchase|order)\b",
    re.I,
)
# what answers either: an e-mail or web address, or a telephone number
CONTACT = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.]+|https?://|\bwww\.|\+\d[\d ()-]{6,}\d|\b(tel|phone|fax)\.?:\s*\+?\d",
    re.I,
)

# whether one state has joined a treaty: "Is Australia a party to ...?", "Has Mali ratified ...?"
ASKS_IF_PARTY = re.compile(
    r"^\W*(is|are|has|have|did)\b.*\b(a party|parties|ratif\w*|signed|acceded|joined|"
    r"a member|members)\b",
    re.I,
)
_PARTY_STATUS = re.compile(r"\b(part(y|ies)|ratif\w*|sign\w*|acce(ded|ssion)|member\w*)\b", re.I)
# a question about who has joined a treaty: its status words, or joining, acceding, reserving
_JOINING = re.compile(rf"{_PARTY_STATUS.pattern}|\b(join\w*|accede|reservations?)\b", re.I)
# "which countries", "which other states", "which EU countries", "list the Central American
# states"; not "what must States do", "what States Parties shall ..." nor what they must do
# ("what countries must report to it", "which States in particular are expected to share
# information") or what they are doing ("find out what countries are doing under it")
ASKS_FOR_COUNTRIES = re.compile(
    r"\b(which|what|list( of)?( the)?|name( the)?)\s+((other|member|partner)\s+)?"
    r"(?-i:[A-Z][\w'’-]*\s+){0,2}((member|partner)\s+)?(countries|states|nations)\b(?!\s+part)"
    r"(?!\s+((in\s+particular|especially|exactly)\s+)?(must|should|shall|ought|ha(ve|s)\s+to|"
    r"needs?\s+to|(are|is)\s+(required|expected|obliged|supposed)\s+to|are\s+doing)\b)",
    re.I,
)


# countries named by what they are rather than by name: "which countries does the protocol
# single out?" is answered by "States Parties, in particular those with common borders or located
# on routes along which migrants are smuggled", "which countries get implementation assistance?" by
# "developing countries and countries with economies in transition"
COUNTRY_KIND = re.compile(
    r"\b(developing|transit|neighbou?ring|coastal|flag|requesting|requested|receiving|sending|"
    r"affected)\s+(countries|States)\b|"
    r"\b(countries|States)(\s+Parties)?\s+(of\s+(origin|transit|destination)|with\s+economies\s+"
    r"in\s+transition)\b|\b(with\s+common\s+borders|(situated|located)\s+on\s+routes)\b",
    re.I,
)


# a part of a text pinned by its number: "tool number 5", "section 4.2", "annex B", "Article 18"
# (not a page or paragraph, which passages label otherwise: "paras. 6-9")
_PARTS = r"article|chapter|section|annex|appendix|tool|module|recommendation|pillar|objective|part"
NUMBERED_PART = re.compile(
    rf"\b({_PARTS})s?\s+(?:no\.\s*|number\s+)?(\d+(?:\.\d+)*|(?-i:[IVX]+|[A-Z]))\b", re.I
)


def _part_not_found(question: str, passages: list[Passage]) -> str | None:
    """The numbered part a question asks about ("tool number 5 of the toolkit") when no cited
    passage holds any part it names: the corpus holds an excerpt of the toolkit, or a chapter
    of a handbook it does not hold, and a passage on the same subject does not answer for it."""
    pinned = [(kind.lower(), number) for kind, number in NUMBERED_PART.findall(question)]
    if not pinned:
        return None
    sources = " ".join(p.headed for p in passages)
    held = {(kind.lower(), number) for kind, number in NUMBERED_PART.findall(sources)}
    if any(part in held for part in pinned):
        return None
    return " ".join(pinned[0])


# a pronoun a follow-up may use for a document it asked about before ("does it conflict with the
# refugee convention?" asks the Protocol's text); not "this" or "that", which mostly point at a
# noun ("is that non-punishment idea in the Council of Europe convention?")
_EARLIER = re.compile(r"\b(it|its|they|them|their)\b", re.I)


def instruments_asked_of(
    question: str, held: bool, follow_up: bool, title_terms: set[str], off: frozenset[str]
) -> list[str]:
    """`other_instruments`, unless the question's own words name a held instrument (`held`).

    A follow-up is read by its own words, not the history's: "what does the refugee convention
    say on the same point?" asked after a question on the Protocol asks the refugee
    convention's text, which the corpus lacks. But a pronoun before the other instrument's name
    ("does it conflict with the refugee convention?") makes what was asked before the subject,
    as a held instrument's name does."""
    if held:
        return []
    others = other_instruments(question, title_terms, off)
    pronoun = _EARLIER.search(question) if follow_up and others else None
    if pronoun and pronoun.start() < question.lower().find(others[0].lower()):
        return []
    return others


def other_instruments(
    question: str, title_terms: set[str], off: frozenset[str] = frozenset()
) -> list[str]:
    """The instruments a question names that are none of the corpus's documents: half the
    words of the name or more (beyond "UN", "Convention" and the like) are in no name of an
    instrument the corpus holds (`title_terms`: "Rights of the Child" shares only "rights"
    with them).

    The corpus may cite such an instrument ("the 1951 Convention ... relating to the Status of
    Refugees"), but it does not hold its text: what it says, its articles or objectives.
    Nothing when the check is switched off (`off` holds "other_instrument").
    """
    if "other_instrument" in off:
        return []
    out = []
    found = list(INSTRUMENT_NAME.finditer(question))
    if "lower_instrument" not in off:
        # each name once: "the 1951 Refugee Convention" is found capitalised already
        found += [
            m
            for m in _LOWER_INSTRUMENT.finditer(question)
            if not any(m.start() < other.end() and other.start() < m.end() for other in found)
        ]
    for name in (m.group(0).strip(" ,") for m in found):
        words = {w for w in content_terms(name) - _GENERIC if not w.isdigit()}
        if words and len(words - title_terms) >= len(words) / 2:
            out.append(name)
    return out


def proper_names(question: str, title_terms: AbstractSet[str] = frozenset()) -> list[str]:
    """The names a question pins down that a cited passage must mention: not its years, not
    acronyms ("UNODC", "NGOs"), which passages often spell out or leave implied, and not the
    words of the held instruments' names and aliases (`title_terms`): "the Palermo smuggling
    protocol" names the Protocol, whose passages never say "Palermo"."""
    names = [a for a in anchors(question) if not a.isdigit() and not a.rstrip("s").isupper()]
    return [a for a in names if not (terms := content_terms(a)) or not terms <= title_terms]


def unnamed(names: Sequence[str], sources: str) -> list[str]:
    """The names that `sources` never mention, in any of their forms (`name_forms`)."""
    cited = content_terms(sources)
    return [n for n in names if not any(content_terms(f) <= cited for f in name_forms(n))]


def _year(date: str) -> int | None:
    found = years_in(date or "")
    return int(found[0]) if found else None


def missing(
    question: str,
    quoted: Iterable[str],
    passages: list[Passage],
    off: frozenset[str] = frozenset(),
    others: Sequence[str] = (),
    pinned: Sequence[str] = (),
) -> str | None:
    """What the question asks for that the quoted sentences and their passages lack, in words a
    reader understands, or None when nothing is missing.

    - a question about an instrument the corpus only cites (`others`, from
      `other_instruments`, when the question names no corpus document) is not answered by it;
    - a numbered part ("section 4.2", "tool number 5") needs a cited passage holding one the
      question names;
    - one person's own case ("my cousin ... is he going to jail?") is not what treaties answer;
    - a way to reach someone (an e-mail address, a phone number) or to get a copy (where to
      download or order it) needs an e-mail or web address or a phone number in a cited passage;
    - whether a state has joined a treaty needs a quote naming it with its status (party,
      ratified, signed, acceded, member);
    - a name the question pins down (`pinned`, from `proper_names`) must be
      in a cited passage, as must a country it names (in its heading, title or text): an answer that
      never mentions Germany or "Italian" says nothing of German or Italian law;
    - a list of countries needs the quotes to name at least two;
    - a year after every cited document was written (and not in the future) asks about events
      those documents cannot report; an undated one counts as of the latest year it names;
    - what holds now ("the latest", "still running") is not said by documents `NOW_AGE` or more
      years old.
    """
    text = " ".join(quoted)
    if others:
        name = re.sub(r"^the\s+", "", others[0], flags=re.I)
        return f"The corpus does not hold the {name}; it only mentions it."
    part = _part_not_found(question, passages) if "numbered_part" not in off else None
    if part:
        return f"The passages found do not hold {part}."
    if ASKS_FOR_ADVICE.search(question) and "personal_advice" not in off:
        return (
            "They are treaties and reports, not advice on one person's case: a lawyer or a "
            "legal aid service can advise on that."
        )
    sources = " ".join([text, *(p.headed for p in passages)])
    if "contact_details" not in off and not CONTACT.search(sources):
        if ASKS_FOR_CONTACT.search(question):
            return (
                "They give no e-mail address, telephone number or web address to reach anyone by."
            )
        if ASKS_FOR_A_COPY.search(question):
            return "They give no web address or contact to get a copy from."
    if ASKS_IF_PARTY.search(question) and "party_status" not in off:
        names = [a for a in anchors(question) if not a.isdigit()]
        said = [q for q in quoted if _PARTY_STATUS.search(q)]
        if names and not any(n.lower() in q.lower() for n in names for q in said):
            return f"They do not say whether {names[0]} has joined it."
    # what it asks, without the sentences setting the scene ("We had two cases this year.")
    asking = asking_part(question) if "setting_names" not in off else question
    absent = []
    if "names_cited" not in off:
        absent += unnamed(pinned, sources)
    if "country_named" not in off:
        absent += sorted(countries_named(asking) - countries_named(sources))
    if absent:
        return f"The passages found do not mention {absent[0]}."
    if "country_list" not in off and _lists_no_countries(question, text):
        return "They list no countries in answer to this."
    if "after_date" in off:
        return None
    written = [_year(p.date) or _latest_year_named(p) for p in passages]
    years = [year for year in written if year is not None]
    # an undated passage that names no year may be later than any year
    if not years or len(years) < len(written):
        return None
    latest, this_year = max(years), datetime.date.today().year
    if ASKS_ABOUT_NOW.search(asking) and latest <= this_year - NOW_AGE:
        return f"The passages found date from {latest} or before; they cannot say what holds now."
    asked = earliest_year_asked(question)
    if asked and latest < asked <= this_year:
        return f"The passages found date from before {asked}."
    return None


def _lists_no_countries(question: str, quoted: str) -> bool:
    """Whether a question asking which countries finds the quotes name fewer than two, and no
    kind of country either (that answers what the documents ask of countries, not who has
    joined a treaty)."""
    if not ASKS_FOR_COUNTRIES.search(question) or len(countries_named(quoted)) >= 2:
        return False
    return not (COUNTRY_KIND.search(quoted) and not _JOINING.search(question))


def _latest_year_named(passage: Passage) -> int | None:
    """An undated passage speaks of its time by the years it names: a toolkit's page on a
    "four-year (2018-2022)" project reports nothing of 2023."""
    years = [int(y) for y in years_in(passage.labelled)]
    return max(years) if years else None

"""What a question asks for against what the quoted evidence holds (no model needed)."""

from __future__ import annotations

import datetime

from assistant.asked_for import (
    ASKS_FOR_COUNTRIES,
    instruments_asked_of,
    missing,
    other_instruments,
    proper_names,
    without_held_names,
)
from assistant.countries import countries_named
from assistant.records import Passage
from ingest.terms import content_terms


def _passage(date: str, text: str = "text") -> Passage:
    return Passage("c", "d", "T", "P", date, "news", "", None, text, 0, len(text))


def test_only_questions_for_a_list_of_countries_ask_for_one():
    for asked in [
        "Which countries have ratified it?",
        "which other states joined?",
        "List the countries in the project",
        "Which EU countries made reservations when they joined?",
        "Which EU member states joined?",
        "list the Central American states in the work plan",
    ]:
        assert ASKS_FOR_COUNTRIES.search(asked), asked
    for not_asked in [
        "What must States do?",
        "What States Parties shall adopt measures?",
        "Which States Parties must act?",
        "Which country hosted it?",
        # what countries must do, asked by who must do it: answered by "each State Party shall"
        "what countries must report to it",
        "Which States should get technical assistance?",
        "Which States have to inform the Secretary-General?",
        "what states are supposed to offer survivors",
        "which countries in particular are expected to share info under the treaty?",
        # what they do, not which of them: "how does the Conference find out what countries
        # are doing under the convention"
        "how does it find out what countries are doing",
    ]:
        assert not ASKS_FOR_COUNTRIES.search(not_asked), not_asked


def test_country_names_in_their_short_and_official_forms():
    named = countries_named("Islamic Republic of Iran, Viet Nam, Bolivia and the Niger")
    assert {"Iran", "Viet Nam", "Bolivia", "Niger"} <= named
    official = "four countries: Islamic Republic of Afghanistan and Republic of Iraq"
    assert countries_named(official) == countries_named("Afghanistan and Iraq")
    assert not countries_named("States Parties to this Protocol")


def test_a_list_of_countries_needs_two_named_in_the_quotes():
    question = "Which countries have ratified the Protocol?"
    one = ["It was opened for signature in Palermo, Italy."]
    assert "list no countries" in missing(question, one, [_passage("2000-11-15")])
    two = ["It covers Afghanistan, Bangladesh and Pakistan."]
    assert missing(question, two, [_passage("2000-11-15")]) is None
    assert missing(question, one, [_passage("2000-11-15")], frozenset({"country_list"})) is None


def test_a_kind_of_country_answers_which_countries_the_documents_single_out():
    """ "Which countries get implementation assistance?" is answered by the kind the Convention
    names ("developing countries and countries with economies in transition"); who has joined a
    treaty is not, however the quotes describe States."""
    kinds = [
        "To provide technical assistance to developing countries and countries with economies"
        " in transition."
    ]
    asked = "Which countries get implementation assistance under the convention?"
    assert missing(asked, kinds, [_passage("2000-11-15")]) is None
    # the Smuggling Protocol's own words (Article 10), the kind set off by a comma
    routes = [
        "States Parties, in particular those with common borders or located on routes along"
        " which migrants are smuggled, shall ... exchange among themselves ... information"
    ]
    assert (
        missing("which countries does the protocol single out?", routes, [_passage("2000")]) is None
    )
    for joining in ["Which countries have ratified the protocol?", "Which countries joined it?"]:
        assert "list no countries" in missing(joining, kinds, [_passage("2000-11-15")]), joining
    assert "list no countries" in missing(asked, ["States shall cooperate."], [_passage("2000")])


def test_a_country_the_question_names_must_be_in_a_cited_passage():
    """An answer that never mentions Germany says nothing of Germany's law, however close its
    words ("statute of limitations" in the Convention)."""
    question = "How long is the limitation period for prosecuting smuggling in Germany?"
    convention = Passage(
        "c",
        "untoc",
        "UNTOC",
        "Art. 11",
        "2000",
        "law",
        "",
        None,
        "a long statute of limitations period",
        0,
        30,
    )
    assert "do not mention Germany" in missing(question, ["x"], [convention])
    speech = Passage("c", "deu", "Germany: statement", "p", "2020", "speech", "", None, "x", 0, 1)
    assert missing(question, ["x"], [convention, speech]) is None  # its title names it
    assert missing(question, ["x"], [convention], frozenset({"country_named"})) is None
    # where the asker stands is not what they ask about
    scene = "I'm a prosecutor in Germany. How long is the limitation period for smuggling?"
    assert missing(scene, ["x"], [convention]) is None
    assert "do not mention Germany" in missing(
        scene, ["x"], [convention], frozenset({"setting_names"})
    )


def test_a_name_the_question_pins_down_must_be_in_a_cited_passage():
    """Beside speeches that mention Italy and Dhaka, a Protocol article on penalties says
    nothing of Italian law, and a speech on Dhaka's metro gives no IOM office's address."""
    article = Passage(
        "c",
        "p",
        "Smuggling Protocol",
        "Art. 6",
        "2000",
        "law",
        "",
        None,
        "enhanced penalties for smuggling of migrants",
        0,
        40,
    )
    question = "What's the maximum sentence for people smuggling under Italian law?"
    assert "do not mention Italian" in missing(question, ["x"], [article], pinned=["Italian"])
    italy = Passage(
        "i",
        "ita",
        "Statement",
        "p",
        "2019",
        "speech",
        "",
        None,
        "Italian law punishes smugglers",
        0,
        30,
    )
    assert missing(question, ["x"], [article, italy], pinned=["Italian"]) is None
    assert proper_names("Does the IOM office in Dhaka help NGOs in 2021?") == ["Dhaka"]
    # a word of a held instrument's alias names that instrument, not a thing passages must say
    palermo = "Under the Palermo trafficking protocol, does consent matter in Dhaka?"
    assert proper_names(palermo) == ["Palermo", "Dhaka"]
    assert proper_names(palermo, content_terms("Palermo Convention")) == ["Dhaka"]
    off = frozenset({"names_cited"})
    assert missing(question, ["x"], [article], off, pinned=["Italian"]) is None


def test_a_year_after_every_cited_document_was_written_is_refused():
    question = "What did the Commission decide in 2022?"
    assert "from before 2022" in missing(question, ["x"], [_passage("2021-12-08")])
    assert missing(question, ["x"], [_passage("2021-12-08"), _passage("2022-05-20")]) is None
    assert missing(question, ["x"], [_passage("")]) is None  # an undated document may be later
    # ... unless the passage speaks of its time: a toolkit's page on a 2018-2021 project
    project = _passage("", "a four-year (2018-2021) joint initiative")
    assert "from before 2022" in missing(question, ["x"], [project])
    assert missing(question, ["x"], [_passage("", "the 2019-2025 work plan")]) is None
    future = datetime.date.today().year + 3
    assert missing(f"What is planned for {future}?", ["x"], [_passage("2021-12-08")]) is None
    after = "Was the programme extended after 2021?"  # asks about 2022 on
    assert "from before 2022" in missing(after, ["x"], [_passage("2021-12-08")])
    assert missing("What happened in 2021?", ["x"], [_passage("2021-12-08")]) is None
    span = "What does their 2011-2015 strategy focus on?"  # a span that began before the paper
    assert missing(span, ["x"], [_passage("2012-02-09")]) is None


def test_what_holds_now_is_not_said_by_documents_years_old():
    """ "The latest on GLO.ACT", "is it still running" ask about now; a 2021 note cannot say."""
    years_ago = datetime.date.today().year - 3
    old_note = [_passage(f"{years_ago}-12-08")]
    for now in [
        "What's the latest on GLO.ACT - is it still going?",
        "Is the work plan still in force?",
        "What has it achieved in the last couple of years?",
        "What is the most recent report on smuggling routes?",
    ]:
        assert "cannot say what holds now" in missing(now, ["x"], old_note), now
    # a document's own present tense is not asking about now
    assert missing("How many organisations does it currently fund?", ["x"], old_note) is None
    this_year = [_passage(f"{datetime.date.today().year}-01-10")]
    assert missing("What's the latest on GLO.ACT?", ["x"], this_year) is None
    assert missing("What's the latest on GLO.ACT?", ["x"], [_passage("")]) is None  # undated
    assert missing("What's the latest?", ["x"], old_note, frozenset({"after_date"})) is None
    asked = "What did UNODC say about smuggling at this year's crime commission?"
    assert "cannot say what holds now" in missing(asked, ["x"], old_note)
    scene = "We had two fatal lorry cases this year. Which aggravating factors apply?"
    assert missing(scene, ["x"], old_note) is None


def test_a_way_to_reach_someone_or_a_copy_needs_an_address_or_number_in_the_evidence():
    """The documents name GLO.ACT's coordinator but give no e-mail, phone or postal address;
    one that gives a web address answers where to find its publications. A contact point the
    Protocol asks States to designate, or a request made by phone, is a topic, not a request."""
    article = [_passage("2000", "Each State Party shall designate an authority to receive ...")]
    for reach in [
        "What's the email address for Margaret Akullo, the GLO.ACT Coordinator?",
        "can u give me the phone number of the GLO.ACT office in Islamabad",
        "Hi, how can I reach Heather Komenda at IOM about the Handbook?",
        "Who handles media enquiries for GLO.ACT, and what is their email?",
        "Could you share Marika McAdam's contact details?",
    ]:
        assert "no e-mail address, telephone number" in missing(reach, ["x"], article), reach
    copy = "Where can I download the background documents of the thematic discussion?"
    assert "no web address or contact to get a copy" in missing(copy, ["x"], article)
    linked = [_passage("2021", "Publications are at www.unodc.org/unodc/en/human-trafficking/")]
    assert missing(copy, ["x"], linked) is None
    for topic in [
        "What contact point must each State set up for requests about vessels?",
        "can these requests be made over the phone or do they need to be in writing?",
        "Can PBJ Learning's online course be taken on a phone?",
        "Which contact details on crime prevention do we have to send to the UN?",
    ]:
        assert missing(topic, ["x"], article) is None, topic
    assert missing(copy, ["x"], article, frozenset({"contact_details"})) is None


TITLES = content_terms(
    "United Nations Convention against Transnational Organized Crime; Protocol against the "
    "Smuggling of Migrants by Land, Sea and Air; Smuggling Protocol; Palermo Convention; "
    "New rights-based technical cooperation tools"
)


def test_instruments_the_corpus_does_not_hold_are_told_from_its_own_documents():
    assert other_instruments(
        "What does Article 33 of the 1951 Refugee Convention say?", TITLES
    ) == ["1951 Refugee Convention"]
    assert other_instruments("Does the Convention on the Rights of the Child apply?", TITLES) == [
        "Convention on the Rights of the Child"
    ]
    assert other_instruments(
        "What are the objectives of the Global Compact for Safe, Orderly and Regular Migration?",
        TITLES,
    )
    for own in [
        "What does the Smuggling Protocol require?",
        "Is the Palermo Protocol in force?",
        "What does the Convention say?",
        "the UN Organized Crime Convention 2000",
    ]:
        assert other_instruments(own, TITLES) == [], own


def test_instruments_named_in_lower_case_are_told_apart_too():
    """People type "the refugee convention"; "an extradition treaty" is any such treaty."""
    assert other_instruments("what does the refugee convention say about it?", TITLES) == [
        "the refugee convention"
    ]
    assert other_instruments(
        "how long does the council of europe trafficking convention give victims?", TITLES
    ) == ["the council of europe trafficking convention"]
    for own in [
        "could the anti-smuggling treaty override asylum protections?",
        "are we off the hook under the convention?",
        "who is protected within the scope of each protocol?",
        "can the convention serve as an extradition treaty?",
        "which countries have ratified the smuggling protocol?",
        "can the government use either protocol as a reason to send refugees back?",
        "non-discrimination across the convention and both protocols",
        "what does the other protocol say?",
        "does the main convention already allow joint teams?",
        "what does the convention say about how protocols are amended?",
        "the scope article - smuggling protocol",
    ]:
        assert other_instruments(own, TITLES) == [], own
    assert other_instruments("what did the 1967 refugee protocol change?", TITLES)


def test_instruments_named_in_the_plural_or_as_a_compact_are_told_apart_too():
    """ "The Geneva Conventions" and "the migration compact" are no documents of the corpus;
    "the smuggling and trafficking protocols" are."""
    assert other_instruments("are migrants at sea protected by the Geneva Conventions?", TITLES)
    assert other_instruments("under the geneva conventions, are they protected?", TITLES) == [
        "the geneva conventions"
    ]
    assert other_instruments("what does the migration compact say about smugglers?", TITLES) == [
        "the migration compact"
    ]
    for own in [
        "what do the smuggling protocols say about travel documents?",
        "do the Palermo Conventions apply?",
        "do the UN protocols stand on their own?",
    ]:
        assert other_instruments(own, TITLES) == [], own
    assert (
        other_instruments(
            "what does the refugee convention say?", TITLES, frozenset({"lower_instrument"})
        )
        == []
    )


def test_a_follow_up_is_read_for_other_instruments_by_its_own_words():
    """A follow-up names no held instrument of its own (the history's does not count), so the
    instrument it names is what it asks about, unless a pronoun before the name stands for
    what was asked before ("does it conflict with ..."); "that" mostly points at a noun."""
    off = frozenset()
    for asked in ["what does the refugee convention say about it?", "and the refugee convention?"]:
        assert instruments_asked_of(asked, False, True, TITLES, off) == ["the refugee convention"]
    for leaning in [
        "does it conflict with the refugee convention?",
        "do they clash with the Refugee Convention?",
    ]:
        assert instruments_asked_of(leaning, False, True, TITLES, off) == []
    asked = "does it conflict with the refugee convention?"  # not a follow-up: "it" is vague
    assert instruments_asked_of(asked, False, False, TITLES, off) == ["the refugee convention"]
    assert instruments_asked_of(asked, True, True, TITLES, off) == []  # names a held one
    asked = "is that non-punishment idea in the refugee convention?"
    assert instruments_asked_of(asked, False, True, TITLES, off) == ["the refugee convention"]


def test_the_refusal_names_an_instrument_the_way_the_question_did():
    """A name typed in lower case is found with its "the"; the message must not read "the the
    ILO's forced labour convention"."""
    question = "How does the ILO's forced labour convention define forced labour?"
    others = other_instruments(question, TITLES)
    assert others == ["the ILO's forced labour convention"]
    assert missing(question, [], [], others=others) == (
        "The corpus does not hold the ILO's forced labour convention; it only mentions it."
    )


def test_a_speech_titled_by_its_first_sentence_names_no_instrument():
    """Among two thousand speeches whose titles hold every word ("refugees", "Europe"), a
    treaty the corpus does not hold is still told from the instruments it does."""
    from types import SimpleNamespace

    from assistant.snapshot import Snapshot

    corpus = SimpleNamespace(
        metadatas=[
            {
                "doc_id": "smuggling-protocol",
                "title": "Protocol against the Smuggling of Migrants by Land, Sea and Air",
                "aliases": '["Smuggling Protocol"]',
            },
            {"doc_id": "speech", "title": "The Council thanks Europe for hosting refugees…"},
        ]
    )
    held = Snapshot.title_terms.func(corpus)
    assert other_instruments("What does the Council of Europe refugee convention say?", held)
    assert other_instruments("What does the smuggling protocol say?", held) == []


def test_advice_on_one_persons_case_is_not_what_treaties_answer():
    question = "My brother was caught with a forged passport. Is he going to prison?"
    assert "lawyer" in missing(question, ["x"], [_passage("2000-11-15")])
    general = "Can smuggled migrants be prosecuted for using a fraudulent passport?"
    assert missing(general, ["x"], [_passage("2000-11-15")]) is None
    policy = "Our country never hands its own citizens over. Are we off the hook?"
    assert missing(policy, ["x"], [_passage("2000-11-15")]) is None
    for own_case in [
        "I paid a smuggler to reach the UK. Will I be deported?",
        "What documents do I need for a work visa?",
        "What will happen to me if I report my boss?",
        "My client crossed by boat; could I argue she was a victim?",
        "If I rent my flat to people without papers, am I committing a crime?",
        "We hand out water to migrants at the border. Could we be charged with smuggling?",
    ]:
        assert "lawyer" in missing(own_case, ["x"], [_passage("2000-11-15")]), own_case
    for official in [
        "If we pick up people who paid a smuggler, can we prosecute them?",
        "I'm drafting a brief: what does the protocol say about boats?",
        "Can I get three key points on the trafficking protocol for a note?",
        "Are we allowed to board a ship flying another State's flag?",
        "Our coastguard stopped a boat. Are we at risk of breaching the flag State's rights?",
    ]:
        assert missing(official, ["x"], [_passage("2000-11-15")]) is None, official


def test_whether_a_state_joined_a_treaty_needs_a_quote_naming_it_with_its_status():
    question = "Is Australia a party to the trafficking protocol?"
    passages = [_passage("2021-05-18")]
    mentioned = ["Jake Sharman, Co-Manager (Australia), introduced the publication."]
    assert "whether Australia has joined" in missing(question, mentioned, passages)
    status = ["Australia ratified the Protocol in 2005."]
    assert missing(question, status, passages) is None


def test_a_year_the_question_names_must_be_in_a_cited_passage():
    """Among speeches of every year, "how many were smuggled into Europe in 2020?" is not
    answered by a 2015 speech's figure: the year must be in a cited passage's text, title or
    date."""
    import numpy as np

    from assistant.candidates import Candidate
    from assistant.question import Question
    from assistant.refusal import refuses
    from common.settings import Tuning

    def chosen(date: str, text: str) -> list[Candidate]:
        passage = Passage("c", "d", "Speech", "p", date, "speech", "", None, text, 0, len(text))
        return [Candidate(text, 0, len(text), 0, passage, np.zeros(2), score=0.9)]

    def asked(off: frozenset[str] = frozenset()) -> Question:
        text = "What happened to smuggled migrants in Europe in 2020?"
        return Question(text, np.zeros(2), None, off=off, tuning=Tuning())  # type: ignore[arg-type]

    sentence = "Some 500,000 refugees and migrants crossed the Mediterranean to Europe."
    assert refuses(asked(), chosen("2015-09-30", sentence), False, lambda a, b: 0.0)
    assert not refuses(asked(), chosen("2020-09-25", sentence), False, lambda a, b: 0.0)
    off = frozenset({"year_refusal"})
    assert not refuses(asked(off), chosen("2015-09-30", sentence), False, lambda a, b: 0.0)


def test_a_held_instruments_name_is_not_what_a_sentence_says_but_another_ones_is():
    held = content_terms(
        "Protocol to Prevent, Suppress and Punish Trafficking in Persons, Especially Women and "
        "Children; Protocol against the Smuggling of Migrants by Land, Sea and Air"
    )
    sentence = (
        "As guardian of its additional Protocols to Prevent, Suppress and Punish Trafficking in "
        "Persons, especially Women and Children and against the Smuggling of Migrants by Land, "
        "Sea and Air, the mandate of UNODC is to assist"
    )
    kept = without_held_names(sentence, held)
    assert "Punish" not in kept and "Children" not in kept and "Sea" not in kept
    assert kept.startswith("As guardian of its additional Protocol") and kept.endswith("assist")
    consular = "its obligations under the Vienna Convention on Consular Relations, including"
    assert without_held_names(consular, held) == consular


def test_weak_support_refuses_only_when_no_sentence_is_near_in_meaning():
    """A lay question sharing no word with the documents scores low on support but stands near
    its article in meaning; a far-off one scores on a shared name alone ("the weather in Vienna
    tomorrow", met by the Vienna Convention) and stands near nothing."""
    from types import SimpleNamespace

    from assistant.refusal import weak
    from common.settings import Tuning

    question = SimpleNamespace(off=frozenset(), tuning=Tuning(meaning_floor=0.3))
    assert weak(question, found=0.31, near=0.20, threshold=0.32)  # the Vienna weather
    assert not weak(question, found=0.28, near=0.38, threshold=0.32)  # a lay question
    assert not weak(question, found=0.40, near=0.10, threshold=0.32)  # support enough
    ablated = SimpleNamespace(off=frozenset({"meaning_floor"}), tuning=Tuning(meaning_floor=0.3))
    assert weak(ablated, found=0.28, near=0.38, threshold=0.32)


def test_a_numbered_part_no_cited_passage_holds_is_refused():
    """The corpus holds an excerpt of the toolkit and the Protocol's 25 articles: a passage on
    the same subject does not answer for "section 4.2" or "article 40"."""
    article = Passage(
        "c",
        "d",
        "T",
        "P",
        "",
        "instrument",
        "Article 6 — Criminalization",
        None,
        "Each State Party shall adopt such measures ...",
        0,
        10,
    )
    asked = "What does section 4.2 of the toolkit recommend?"
    assert missing(asked, ["x"], [article]) == "The passages found do not hold section 4.2."
    assert missing("What does article 40 require?", ["x"], [article]).endswith("article 40.")
    assert missing("What does Article 6(1) require?", ["x"], [article]) is None
    assert missing("Compare article 6 and tool number 5", ["x"], [article]) is None
    assert missing(asked, ["x"], [article], frozenset({"numbered_part"})) is None
    assert missing("Who heads the smuggling section now?", ["x"], [article]) is None

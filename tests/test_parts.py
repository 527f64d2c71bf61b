"""Questions that ask several things are answered part by part."""

from __future__ import annotations

from types import SimpleNamespace

from assistant.anchors import asking_part
from assistant.parts import (
    asks_nothing,
    compared_searches,
    compared_sides,
    question_parts,
    side_year,
)
from assistant.records import Filters


def test_a_question_asking_two_things_has_two_parts():
    assert question_parts(
        "Two things: how soon can a country propose changes to the protocol, and how would a "
        "country get out of it?"
    ) == [
        "how soon can a country propose changes to the protocol",
        "how would a country get out of it?",
    ]
    assert question_parts("What does the fund pay for? And how many groups does it back?") == [
        "What does the fund pay for?",
        "And how many groups does it back?",
    ]


def test_a_part_keeps_its_question_mark_so_the_scene_before_it_is_told_apart():
    """A part cut at its question mark still ends with it: the sentence setting the scene
    before it ("... near Agadez.") names no place the documents must mention."""
    first, second = question_parts(
        "Smugglers left a group in the desert near Agadez. What does the protocol say about "
        "rescue? and who pays for it?"
    )
    assert first.endswith("rescue?") and second == "and who pays for it?"
    assert "Agadez" not in asking_part(first)


def test_and_cuts_a_question_only_after_a_clause_that_asks():
    """ "... lives in Sweden and can't travel" goes on telling what happened ("can" is a
    question word); "is there a waiting period and what majority is needed?" asks two
    things, and so does a clause asking after a comma."""
    for told in [
        "A key witness lives in Sweden and can't travel to testify. Is video link possible?",
        "We have a woman at our shelter who escaped her traffickers and is terrified of being"
        " deported. Is there anything saying she could stay?",
    ]:
        assert question_parts(told) == [told]
    assert question_parts("is there a waiting period and what majority is needed?") == [
        "is there a waiting period",
        "what majority is needed?",
    ]
    assert question_parts(
        "Under the sea convention, who must rescue people, and is there a deadline?"
    ) == ["Under the sea convention, who must rescue people", "is there a deadline?"]


def test_one_question_stays_whole():
    for whole in [
        "Can migrants and asylum seekers be detained?",
        "What's the population of Mali? I want to put the numbers in context.",
        "Write a briefing note on GLO.ACT: what it is, who runs it and where it works",
        "Who delivers GLO.ACT together with UNODC?",
        # "what does the treaty say" asks for the first part's answer from it, nothing more
        "Can survivors get money for what they went through? what does the treaty say",
    ]:
        assert question_parts(whole) == [whole]


def test_each_part_is_answered_from_its_own_article(assistant):
    question = (
        "When can a State propose an amendment to the Smuggling Protocol, "
        "and how can a State denounce it?"
    )
    answer = assistant.ask(question)
    sections = {c.section.split(" —")[0] for c in answer.citations}
    assert {"Article 23", "Article 24"} <= sections


def test_a_comparison_is_searched_in_each_document_or_year_it_names():
    """Two documents named are searched in turn; else two years the documents are dated ("the
    2012 paper vs the 2016 article": a lay user names a paper by its year), within the filters;
    a year no document bears, or a question comparing nothing, is searched whole."""
    snapshot = SimpleNamespace(
        mentioned=lambda text: ["smuggling-protocol", "untoc"] if "protocol" in text else [],
        document_years={2000, 2012, 2016},
    )
    both = "how does the protocol compare with the convention on training?"
    assert [f.doc_ids for f in compared_searches(both, snapshot, Filters())] == [
        ["smuggling-protocol"],
        ["untoc"],
    ]
    years = "why do people set off? the 2012 paper vs the 2016 article"
    assert [(f.year_from, f.year_to) for f in compared_searches(years, snapshot, Filters())] == [
        (2012, 2012),
        (2016, 2016),
    ]
    assert compared_searches(years, snapshot, Filters(year_from=2013)) == []
    assert compared_searches("the 2012 paper vs the 2019 report", snapshot, Filters()) == []
    assert (
        compared_searches("what did the 2012 paper and the 2016 article say?", snapshot, Filters())
        == []
    )
    assert compared_searches(years, snapshot, Filters(), frozenset({"per_year"})) == []
    # a side's draft needs only its own year; a user's filter to one year is not a side
    assert side_year(years, snapshot, Filters(year_from=2012, year_to=2012)) == 2012
    assert side_year(years, snapshot, Filters()) is None
    only = Filters(year_from=2016, year_to=2016)
    assert side_year("what did the Bali Process do in 2016?", snapshot, only) is None


def test_each_side_of_x_vs_y_is_asked_the_rest_of_the_question():
    """ "X vs Y" asks its point of X and of Y: the sides run to the clause's ends, a place the
    right side is looked in holds for the left ("in UNTOC"), and a clause that only asks for the
    difference is left out (asked of one side it asks nothing)."""
    assert compared_sides(
        "handing someone over vs sharing evidence: does it have to be a crime in both countries?"
    ) == [
        "handing someone over: does it have to be a crime in both countries?",
        "sharing evidence: does it have to be a crime in both countries?",
    ]
    assert compared_sides(
        "witness protection vs victim protection in UNTOC — what's the difference?"
    ) == [
        "witness protection in UNTOC?",
        "victim protection in UNTOC?",
    ]
    assert compared_sides(
        "Frameworks for Action vs. the manuals (2012) — strategy vs training?"
    ) == [
        "Frameworks for Action (2012) — strategy?",
        "the manuals (2012) — training?",
    ]
    # none: no "vs", three sides, or a left side that is the whole question ("what did IOM
    # present versus UNODC's contribution?": where its X starts is unsaid)
    assert compared_sides("how does prevention work under the protocol?") == []
    assert compared_sides("a vs b vs c") == []
    assert compared_sides("what did IOM present versus UNODC's contribution?") == []


def test_a_comparison_of_two_things_in_one_document_quotes_each(assistant):
    """The Global Report and the Issue Papers are both in the 2012 paper: searched whole, the
    Global Report's sentences crowded out the Issue Papers', and the answer was refused."""
    answer = assistant.ask(
        "UNODC research products in 2012: the Global Report vs the Issue Papers — how do they "
        "differ?"
    )
    assert not answer.refused
    assert "Global Report" in answer.answer and "Issue Papers" in answer.answer
    base = assistant.settings
    try:
        assistant.settings = base.model_copy(update={"ablate": ["per_side"]})
        assert assistant.ask(answer.question).refused
    finally:
        assistant.settings = base


def test_a_comparison_asked_again_at_its_end_is_answered(assistant):
    """ "what's the core difference" after the comparison was a part of its own with nothing to
    search for; refused, it refused the whole question."""
    answer = assistant.ask(
        "For my essay: how do the two 2000 protocols define smuggling vs trafficking? what's the "
        "core difference"
    )
    assert not answer.refused
    assert "Smuggling of migrants" in answer.answer and "Trafficking in persons" in answer.answer


def test_a_comparison_of_two_years_quotes_each_years_document(assistant):
    """Each year's documents are searched for their own best sentence: what the EU speaker of
    2021 said the new plan would focus on (criminal networks) beside the one of 2016 (Myria
    Vassiliadou). The 2016 side need not
    name 2021, nor the Bali Process only the 2021 side is about; and the 2021 side, searched
    with words half about 2016, is not refused as weak while the 2016 side is answered."""
    speakers = assistant.ask(
        "what did the EU official say at the 2016 GLO.ACT launch versus the EU speaker at the "
        "2021 side event?"
    )
    assert not speakers.refused
    assert "Vassiliadou" in speakers.answer and "criminal networks" in speakers.answer
    chairs = "who chaired the 2016 GLO.ACT launch compared with the 2021 Bali Process office event?"
    answer = assistant.ask(chairs)
    assert not answer.refused
    assert {2016, 2021} <= {int(c.date[:4]) for c in answer.citations if c.date}


def test_a_question_asking_how_two_terms_differ_asks_what_counts_as_each():
    assert question_parts("How does smuggling differ from trafficking?") == [
        "What counts as smuggling?",
        "What counts as trafficking?",
    ]
    assert question_parts(
        "what's the difference between people smuggling and human trafficking"
    ) == [
        "What counts as people smuggling?",
        "What counts as human trafficking?",
    ]
    documents = {"the smuggling protocol", "the trafficking protocol"}
    whole = "How does the smuggling protocol differ from the trafficking protocol?"
    assert question_parts(whole, lambda term: term in documents) == [whole]
    more = "How does smuggling differ from trafficking when the victim is a child under 18 years?"
    assert question_parts(more) == [more]  # a longer point is not a pair of definitions


def test_a_part_asking_only_how_the_things_before_it_differ_joins_the_part_before_it():
    asked = "how do the two protocols define smuggling vs trafficking?"
    for after in [
        "what's the core difference",
        "How do they differ?",
        "and how do the two compare?",
    ]:
        assert question_parts(f"{asked} {after}") == [f"{asked} {after}"]
    # a part with a point of its own stays a part
    own = "how do their start rules compare?"
    assert question_parts(f"{asked} {own}") == [asked, own]


def test_a_label_asks_nothing_while_a_question_or_a_request_does():
    for label in ["keep it short", "Minister wants to know", "For my talking points"]:
        assert asks_nothing(label)
    for asking in ["who chaired it?", "what is GLO.ACT", "list the parties", "tell me who paid"]:
        assert not asks_nothing(asking)

"""What kind of answer a question asks for, and the refusals that follow from it."""

from __future__ import annotations

import pytest

from assistant.question_kinds import (
    ASKS_FOR_CALENDAR_DATE,
    asks_for_figure,
    figures_in,
    has_calendar_date,
)


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("How many countries does GLO.ACT cover?", True),
        ("How much funding does GLO.ACT have?", True),
        ("What is GLO.ACT's budget for its work in Africa?", True),
        ("What average fee do smugglers charge on the route?", True),
        (
            "How should we tell people moved across borders for a fee from trafficking victims?",
            False,
        ),
        ("Who pays for the return of smuggled migrants?", False),
        ("What's the population of Mali?", True),
        ("what is the estimated annual profit of the networks?", True),
        ("What are the three pillars of its work?", False),
        ("What forms of exploitation does it list?", False),
    ],
)
def test_a_figure_question_asks_for_an_amount_not_merely_about_one(question, figure):
    assert asks_for_figure(question) is figure


def test_on_what_date_needs_a_year_or_month_and_when_does_not():
    assert ASKS_FOR_CALENDAR_DATE.search("On what date did the Protocol enter into force?")
    assert not ASKS_FOR_CALENDAR_DATE.search("When does a denunciation take effect?")
    assert not has_calendar_date("It enters into force on the ninetieth day after deposit.")
    assert has_calendar_date("It entered into force on 28 January 2004.")


def test_figures_are_numbers_and_number_words_but_not_years():
    assert figures_in("A four-year (2018–2022), €12 million initiative in four countries.") >= {
        "12",
        "four",
    }
    assert "2018" not in figures_in("Launched in 2018.")


def test_a_follow_up_figure_question_is_not_answered_by_the_figure_already_given(assistant):
    history = [
        {"role": "user", "content": "How much funding does GLO.ACT Asia and the Middle East have?"},
        {
            "role": "assistant",
            "content": "It is a four-year (2018–2022), €12 million joint initiative by the "
            "European Union and UNODC. [1]",
        },
    ]
    answer = assistant.ask("How much of that went to Pakistan?", history=history)
    assert answer.refused
    first = assistant.ask("How much funding does GLO.ACT Asia and the Middle East have?")
    assert not first.refused and "12 million" in first.answer


def test_a_question_about_bodies_wants_a_sentence_that_names_one():
    from assistant.question_kinds import answer_tests

    (names_a_body,) = answer_tests("Which agencies are behind GLO.ACT?")
    assert names_a_body("It is implemented by UNODC in partnership with IOM and UNICEF.")
    assert names_a_body("It is funded by the European Union.")
    assert not names_a_body("Belarus, Brazil and Colombia are all covered under GLO.ACT.")
    assert answer_tests("Which countries does GLO.ACT cover?") == []


def test_the_measure_or_thing_a_figure_question_asks_for():
    from assistant.question_kinds import asked_quantity, counted_phrases

    assert asked_quantity("What's the population of Niger? I want context.") == "population"
    assert asked_quantity("What is the total number of migrants smuggled by sea?") == (
        "migrants smuggled"
    )
    assert asked_quantity("How many officials were trained?") == "officials"
    assert asked_quantity("What is the estimated annual profit of the networks?") == ""
    # a number restated in brackets still counts what follows it
    assert "100,000 hectares of arable land" in counted_phrases(
        "The Niger loses one hundred thousand (100,000) hectares of arable land each year."
    )


def test_a_population_is_not_answered_by_hectares_or_a_growth_rate(assistant):
    """Beside the UN speeches, "what's the population of Niger?" was answered with Niger's
    lost farmland: the sentence held a number and the word "populations"."""
    from assistant.question_kinds import figure_answers

    least = assistant.settings.tuning.figure_match
    question = "What's the population of Niger?"

    def answers(sentence: str) -> bool:
        return figure_answers(question, sentence, assistant._similarity, least)

    assert not answers(
        "The Niger loses approximately one hundred thousand (100,000) hectares of arable land "
        "each year, putting our populations in a situation of food insecurity."
    )
    assert not answers("An annual population growth rate of 3.9 per cent.")
    assert answers("Niger has a population of about 24 million people.")
    assert answers("The Niger's 24 million inhabitants face food insecurity.")


def test_what_smugglers_earn_is_answered_by_an_amount_of_money(assistant):
    """ "How much do smugglers earn?" asks for money: a count of member States is no answer."""
    from assistant.question_kinds import figure_answers

    least = assistant.settings.tuning.figure_match
    question = "What is UNODC's current estimate of how much smugglers earn worldwide each year?"
    assert not figure_answers(
        question,
        "UNODC currently assists over eighty United Nations Member States.",
        assistant._similarity,
        least,
    )
    assert figure_answers(
        question, "Smugglers earned up to $7 billion in 2016.", assistant._similarity, least
    )


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("wat does 'people smuggling' actually mean in the UN protocol?", True),
        ("What is meant by illegal entry?", True),
        ("what counts as trafficking?", True),
        ("How does the Protocol define a child?", True),
        ("Does signing up to the treaty mean a government can ignore refugee law?", False),
        ("What are governments meant to make illegal?", False),
    ],
)
def test_a_definition_question_wants_a_sentence_that_defines(question, asks):
    from assistant.question_kinds import answer_tests

    tests = answer_tests(question)
    assert bool(tests) is asks
    if asks:
        (defines,) = tests
        assert defines('"Smuggling of migrants" shall mean the procurement of illegal entry.')
        assert not defines("Smugglers have taken advantage of border closures to profiteer.")
        assert defines('"Trafficking" means the recruitment of persons.')
        # the noun is no definition: Article 14's list of what to train on is not what smuggling is
        assert not defines("the means of concealment used in smuggling of migrants.")
        assert not defines("remain in the State by any other illegal means.")


def test_what_is_a_term_the_corpus_defines_asks_for_its_definition():
    from assistant.question_kinds import asks_for_definition, defined_terms

    defined = defined_terms(
        [
            'a) "Smuggling of migrants" shall mean the procurement of illegal entry;',
            "(a) “Organized criminal group” shall mean a structured group of three persons;",
            'c) "Trafficking in persons" shall mean the recruitment of persons;',
        ]
    )
    assert len(defined) == 3
    for question in [
        "What is migrant smuggling?",
        "What is migrant smuggling under the Protocol?",
        "what's human trafficking?",
        "What is an organized criminal group according to the Convention?",
    ]:
        assert asks_for_definition(question, defined), question
    for question in [
        "What is the maximum penalty for smuggling?",
        "What is GLO.ACT?",
        "What is the role of UNODC in fighting smuggling?",
        "What are the obligations of States regarding vessels?",
    ]:
        assert not asks_for_definition(question, defined), question
    assert asks_for_definition("What counts as smuggling?")  # said in words, no terms needed


def test_a_provision_number_is_not_a_count():
    """ "articles 5, 6, 8 and 23" answers no "how many years?": the numbers name provisions."""
    from assistant.question_kinds import counted_phrases

    assert counted_phrases("offences established in accordance with articles 5, 6, 8 and 23") == []
    assert counted_phrases("as set out in paragraph 2 (b) and 3 of this article") == []
    assert counted_phrases("over 2,000 officials from 70 countries") == [
        "2,000 officials from 70 countries",
        "70 countries",
    ]


def test_how_many_a_body_funds_is_a_count_not_an_amount():
    """ "how many NGOs is it funding?" counts NGOs, though "funding" is a money word; asked for
    a budget or how much, money is still what answers."""
    from assistant.question_kinds import figure_answers

    def similarity(thing: str, phrases: list[str]) -> float:
        return 0.0  # words must match: the counted thing is named in the sentence

    counted = "The Trust Fund is currently supporting 12 frontline NGOs."
    assert figure_answers("how many NGOs is it funding?", counted, similarity, 0.5)
    for amount in ["how much funding does it give NGOs?", "what's its budget, how many NGOs?"]:
        assert not figure_answers(amount, counted, similarity, 0.5), amount
    assert figure_answers(
        "how much funding does it have?", "A budget of €12 million.", similarity, 0.5
    )

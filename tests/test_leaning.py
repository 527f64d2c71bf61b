"""Which questions lean on the turns before them (`assistant.leaning`)."""

from __future__ import annotations

import pytest

from assistant.followup import condense
from assistant.leaning import leans_on_history

LEANING = [
    "Which countries does it cover?",  # what it asks for is not what "it" stands for
    "which countries have ratified it so far?",  # "ratified it": not the verb
    "what did bangladesh bring to it?",  # "to it": outside its own clause
    "And what did she say about justice?",
    "which agency does she head?",  # "she" needs a person
    "what does each do",
    "anything similar in the smuggling protocol?",
    "does the trafficking one go as far?",
    "what does the one on smuggling by sea recommend?",
    "is that non-punishment idea in the council of europe trafficking convention?",
    "which countries made that declaration and opted out?",
    "does any of that actually reach victims, or is it all government capacity stuff?",
    "what's that publication actually for, and who put it together?",
    "what if the person has no passport or ID on them?",
    "ok and has UNODC actually run anything in her country?",
    "when's the next session then?",
    "who funds the work there?",
]
STANDING_ALONE = [
    "Does the smuggling protocol require countries to tighten checks at their frontiers?",
    "What must a State ensure for the people on board when it takes measures against a "
    "smuggling vessel?",
    "Can a country turn down a request for evidence on the grounds that its banks keep client "
    "information confidential?",
    "If a woman initially agreed to the job she was recruited for, does that weaken a "
    "trafficking case?",
    "my client steered the boat but says he wasn't paid, just got a free seat. will he be "
    "convicted?",
    "hey quick q - if someone paid a people smuggler to get them into the country, can THEY be "
    "charged for it under the UN smuggling treaty?",
    "Is there anything in the protocol about warning people how dangerous it is to use smugglers?",
    "Is it true that the treaty lets foreign police operate on our territory?",
    "What sort of intel on smugglers are countries supposed to be swapping with each other?",
    "Do people who were smuggled get the same help as trafficking victims?",
    "Is just being part of a smuggling ring a crime, or do you have to be the one who organised "
    "a crossing?",
    "What's the weather forecast for Vienna this weekend?",
    "What does the Smuggling Protocol say about fraudulent documents?",
]


@pytest.mark.parametrize("question", LEANING)
def test_a_question_pointing_at_what_its_own_words_do_not_name_leans(question: str) -> None:
    assert leans_on_history(question)


@pytest.mark.parametrize("question", STANDING_ALONE)
def test_a_question_that_names_what_it_points_at_stands_alone(question: str) -> None:
    assert not leans_on_history(question)


def test_a_document_named_by_its_kind_alone_is_the_one_asked_about_before() -> None:
    asked = "does the protocol say anything about letting victims stay?"
    assert leans_on_history(asked, "What support does the trafficking protocol give victims?")
    assert not leans_on_history(asked, "Who organised the May 2021 side event?")


SIDE_EVENT = [
    {"role": "user", "content": "Who organised the side event on smuggling tools in May 2021?"},
    {
        "role": "assistant",
        "content": "The side event was jointly organised by the RSO and UNODC on 18 May 2021. [1]",
    },
]


def test_a_question_that_stands_alone_is_judged_for_scope_after_any_conversation(assistant):
    """After a turn on something else, a near miss whose pronoun its own words explain ("a
    friend ... her") was searched as a follow-up and never judged by the scope classifier, so
    it was answered; alone it is refused."""
    for near_miss in [
        "A friend paid someone to get her here. Can she get deported now?",
        "Is GLO.ACT still running in 2025, and who is funding it now?",
    ]:
        assert assistant.ask(near_miss).refused
        assert assistant.ask(near_miss, SIDE_EVENT).refused


def test_a_later_part_of_a_question_is_read_with_its_first_part() -> None:
    first = "how does the treaty define people smuggling exactly?"
    later = "does somebody have to be making money off it?"
    assert "define people smuggling" in condense(later, [{"role": "user", "content": first}])
    assert "side event" in condense("who chaired it?", SIDE_EVENT)

"""How an answer reads in the chat: the answer's own quotes shown, the context it was widened by
in a second message that the chat shows folded under one line."""

from __future__ import annotations

import re

from ui.formatting import answer_messages, messages_of, turn_of_message


def _turn(quotes: list[str], main: list[bool], refused: bool = False) -> dict:
    citations = [{"n": n + 1, "main": m} for n, m in enumerate(main)]
    answer = " ".join(f"{q} [{n + 1}]" for n, q in enumerate(quotes))
    return {
        "question": "q",
        "error": "",
        "answer": {"answer": answer, "refused": refused, "citations": citations},
    }


def _words(n: int, count: int) -> str:
    return " ".join(f"w{n}x{i}" for i in range(count)) + "."


def test_an_answer_without_context_is_one_message():
    messages = answer_messages(_turn([_words(1, 30), _words(2, 30)], [True, True]))
    assert len(messages) == 1 and "metadata" not in messages[0]
    assert messages[0]["content"].count("\n\n") == 1  # one paragraph per cited claim


def test_context_quotes_follow_the_answer_folded_and_in_order():
    quotes = [_words(1, 50), _words(2, 200), _words(3, 40), _words(4, 80)]
    answer, context = answer_messages(_turn(quotes, [True, True, False, False]))
    assert "[1]" in answer["content"] and "[2]" in answer["content"]  # the answer, however long
    assert "[3]" not in answer["content"]
    assert context["metadata"] == {
        "title": "2 more quotes from the sources (122 words)",
        "status": "done",  # shown closed until clicked
    }
    both = answer["content"] + context["content"]
    assert re.findall(r"\[(\d)\]", both) == ["1", "2", "3", "4"]  # each quote once, in order


def test_one_context_quote_is_named_in_the_singular():
    _, context = answer_messages(_turn([_words(1, 20), _words(2, 9)], [True, False]))
    assert context["metadata"]["title"] == "1 more quote from the sources (10 words)"


def test_answers_recorded_before_citations_were_marked_are_not_folded():
    turn = _turn([_words(1, 20), _words(2, 300)], [True, True])
    for citation in turn["answer"]["citations"]:
        del citation["main"]
    assert len(answer_messages(turn)) == 1


def test_a_refusal_is_one_message():
    turn = _turn([], [], refused=True)
    turn["answer"]["answer"] = "The documents in the corpus do not answer this."
    (message,) = answer_messages(turn)
    assert "do not answer" in message["content"]


def test_a_chat_message_is_traced_to_its_turn_when_replies_are_two_messages():
    folded_turn = _turn([_words(1, 20), _words(2, 9)], [True, False])
    turns = [folded_turn, _turn([_words(1, 5)], [True]), folded_turn]
    roles = [m["role"] for m in messages_of(turns)]
    assert roles == ["user", "assistant", "assistant", "user", "assistant"] + roles[:3]
    assert [turn_of_message(turns, i) for i in range(len(roles))] == [0, 0, 0, 1, 1, 2, 2, 2]

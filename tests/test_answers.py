"""Answers from the real corpus: citations verifiable, refusals, filters, follow-ups, contract."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from assistant import Filters
from assistant.followup import condense, is_dependent
from assistant.records import REFUSAL
from common.settings import Tuning
from ingest.loaders import load_file

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def test_answers_with_the_article_quoted_and_cited(assistant):
    answer = assistant.ask(
        "Can migrants be prosecuted under the Protocol for having been smuggled?"
    )
    assert not answer.refused
    assert "[1]" in answer.answer
    first = answer.citations[0]
    assert first.doc_id == "smuggling-protocol"
    assert first.section == "Article 5 — Criminal liability of migrants"
    assert "shall not become liable to criminal prosecution" in first.quote


def test_a_word_of_a_treatys_name_does_not_answer_the_question(assistant):
    """The question that opened issue 13: "Punish" stands in the Trafficking Protocol's name,
    which a UNODC paper's first sentence repeats; that sentence says nothing of punishing
    migrants, and Article 5 of the Smuggling Protocol answers."""
    answer = assistant.ask("Can migrants be punished for having been smuggled?")
    assert not answer.refused
    assert "Migrants shall not become liable to criminal prosecution" in answer.answer
    assert "As guardian" not in answer.answer


def test_what_is_a_defined_term_is_answered_with_its_definition(assistant):
    """The plainest question of all names a term the instruments define in other words."""
    for question, definition in [
        ("What is human trafficking?", '"Trafficking in persons" shall mean'),
        ("What is migrant smuggling under the Protocol?", '"Smuggling of migrants" shall mean'),
    ]:
        first_quote = assistant.ask(question).answer.split("[1]")[0]
        assert first_quote.startswith("For the purposes of this Protocol")
        assert definition in first_quote


def test_every_quote_is_the_cleaned_document_text_at_its_offsets(assistant):
    texts = {
        "smuggling-protocol": CORPUS / "instruments/smuggling-protocol.txt",
        "unodc-glo-act-launch-2016": CORPUS / "seeds/002_a513bf95ece57766.txt",
    }
    cleaned = {doc_id: next(load_file(path, 10**8)).text for doc_id, path in texts.items()}
    for question in [
        "Which countries does GLO.ACT cover?",
        "What does the Protocol require States to criminalize?",
        "Who delivers GLO.ACT together with UNODC?",
    ]:
        answer = assistant.ask(question)
        assert answer.citations, question
        for citation in answer.citations:
            stored = assistant.store.document_text(citation.doc_id)
            assert stored[citation.start : citation.end] == citation.quote
            if citation.doc_id in cleaned:
                assert cleaned[citation.doc_id][citation.start : citation.end] == citation.quote


@pytest.mark.parametrize(
    "question",
    [
        "Who won the 2018 football World Cup?",
        "What is a good recipe for lasagna?",
        "What will the weather be in Vienna tomorrow?",
        "How many migrants were smuggled into Europe in 2020?",
    ],
)
def test_refuses_what_the_documents_do_not_answer(assistant, question):
    answer = assistant.ask(question)
    assert answer.refused
    assert answer.answer.startswith(REFUSAL)
    assert answer.citations == []
    assert answer.retrieved  # the nearest passages are still offered as related


def test_a_near_miss_about_a_place_the_documents_never_name_is_refused_saying_so(assistant):
    """Close to the corpus in every word but one: the corpus has smuggling sentences, not German
    law. Asked of the Protocol instead, the same question is answered."""
    answer = assistant.ask("What prison sentence do smugglers face under German law?")
    assert answer.refused and "They never mention German." in answer.answer
    assert answer.retrieved and not answer.citations
    answered = assistant.ask("What penalties do smugglers face under the Smuggling Protocol?")
    assert not answered.refused and answered.citations


def test_a_place_that_only_sets_the_scene_is_not_what_the_question_asks_about(assistant):
    """Lyon is where the asker works: the Protocol's article on victims' safety answers, though
    the documents never mention Lyon. Asked in the same sentence, Lyon is pinned and refused."""
    asked = "Does the trafficking protocol say anything about their physical safety?"
    scene = assistant.ask(f"I run a shelter in Lyon for people who were trafficked. {asked}")
    assert not scene.refused and scene.citations
    pinned = assistant.ask(f"In Lyon, {asked[0].lower()}{asked[1:]}")
    assert pinned.refused and "They never mention Lyon." in pinned.answer


def test_a_label_that_asks_nothing_does_not_refuse_the_question_after_it(assistant):
    """ "For my talking points:" is cut off as a part and finds no support of its own; being
    no question, it is left out, and the question after it is answered. A near miss after a
    label is still refused by its own part."""
    asked = "why does UNODC say practically every country is hit by smuggling and trafficking?"
    labelled = assistant.ask(f"For my talking points: {asked}")
    assert not labelled.refused and labelled.citations
    assert "almost every country" in labelled.answer
    near_miss = assistant.ask("For my note: which countries have ratified the smuggling protocol?")
    assert near_miss.refused


def test_a_refusal_of_a_several_part_question_names_the_part_not_answered(assistant):
    """Half an answer would read as if the documents answered it all, so the whole is refused;
    the refusal says which part they do not answer, so the rest can be asked on its own."""
    answer = assistant.ask(
        "What is GLO.ACT? And which countries have ratified the smuggling protocol?"
    )
    assert answer.refused and answer.answer.startswith(REFUSAL)
    assert "they do not answer “which countries have ratified the smuggling protocol?”" in (
        " ".join(answer.answer.split())
    )
    assert "They list no countries" in answer.answer
    # every part refused: the question as a whole is not answered, and no part is singled out
    whole = assistant.ask("What is the population of Niger? And who won the 2018 World Cup?")
    assert whole.refused and "Of what it asks" not in whole.answer


def test_an_answer_quotes_the_passages_that_mention_what_the_question_names(assistant):
    """The best sentence for the Sustainable Development Goals question is a work plan's, whose
    passage never names them; the toolkit's passages under "Relevant sustainable development
    goals" do, and are quoted instead of the name check refusing."""
    answer = assistant.ask(
        "Which Sustainable Development Goals is the counter-smuggling work linked to?"
    )
    assert not answer.refused and answer.citations
    assert any("sustainable development goals" in c.section.lower() for c in answer.citations)


def test_a_comparison_of_documents_named_by_their_years_quotes_each(assistant):
    """No one passage holds both years, and the first choice held one side only: the year check
    refused it. Each year's passages shown now give the answer a sentence."""
    answer = assistant.ask(
        "UNODC's tools: what it offered in its 2012 paper versus what it launched at the 2021 "
        "side event?"
    )
    assert not answer.refused
    assert {"2012", "2021"} <= {c.date[:4] for c in answer.citations}
    placeholder = assistant.ask(
        "We froze a smuggler's flat that sits in Country Q. Can Q enforce our confiscation order?"
    )
    assert not placeholder.refused and "untoc" in {c.doc_id for c in placeholder.citations}


def test_an_instrument_named_by_its_kind_alone_is_the_held_one_the_question_asks_about(assistant):
    """ "What does the protocol say about the Vienna consular convention?" asks the Protocol's
    text, which the corpus holds (Article 16 names that convention); "the refugee convention"
    names one it does not hold."""
    held = assistant.ask(
        "if police lock up someone who was smuggled, what does the protocol say about the "
        "vienna consular convention?"
    )
    assert not held.refused and "Consular Relations" in held.answer
    other = assistant.ask("What does the refugee convention say about people arriving by boat?")
    assert other.refused and "does not hold the refugee convention" in other.answer


def test_a_figure_asked_among_other_things_may_stand_in_any_quoted_sentence(assistant):
    """Asked how the 2012 paper described UNODC's work and how many countries it helped, the
    best sentence answers the first question and the next one ("over eighty United Nations
    Member States") the second: the answer quotes both. A single figure question must find its
    figure in the best sentence: the count of another event's participants beside it does not
    say how many delegates attended the December 2021 discussion."""
    several = assistant.ask(
        "for a background note - in UNODC's 2012 paper on a rights-based criminal justice "
        "response, how did they describe their work? how many countries were they helping?"
    )
    assert not several.refused and "over eighty" in several.answer
    single = assistant.ask(
        "How many delegates attended the CCPCJ thematic discussion in December 2021?"
    )
    assert single.refused


def test_a_near_miss_asking_for_what_the_passages_cannot_hold_is_refused_saying_why(assistant):
    """The Protocol's ratification clauses are close to "which countries have signed up", but
    name no parties; a 2021 note announcing the 2022 session cannot report what it decided."""
    listed = assistant.ask("Which countries have signed up to the Smuggling Protocol?")
    assert listed.refused and "They list no countries in answer to this." in listed.answer
    assert listed.retrieved and not listed.citations
    later = assistant.ask("What were the results of the Commission session in 2022?")
    assert later.refused and "from before 2022" in later.answer
    covered = assistant.ask("Which countries does GLO.ACT cover?")
    assert not covered.refused and covered.citations
    dated = assistant.ask("What was discussed at the CCPCJ thematic discussion in 2021?")
    assert not dated.refused and dated.citations
    other = assistant.ask("What are the objectives of the Global Compact on Refugees?")
    assert other.refused and "does not hold the Global Compact on Refugees" in other.answer
    advice = assistant.ask(
        "My brother was smuggled into Italy and caught with a forged passport. Is he going to "
        "prison?"
    )
    assert advice.refused and "a lawyer or a legal aid service" in advice.answer
    cited = assistant.ask("What does the Smuggling Protocol say about the 1951 Refugee Convention?")
    assert not cited.refused and cited.citations
    part = assistant.ask("What does section 4.2 of the toolkit recommend on joint investigations?")
    assert part.refused and "do not hold section 4.2" in part.answer
    article = assistant.ask("What does article 6 of the Smuggling Protocol require?")
    assert not article.refused and article.citations
    email = assistant.ask("What's the email address of the GLO.ACT coordinator?")
    assert email.refused and "no e-mail address, telephone number" in email.answer


def test_a_users_words_for_what_the_corpus_holds_are_no_strangers(assistant):
    """ "Our NGO" (the corpus writes "NGOs") and "the Palermo trafficking protocol" (the
    Protocol's passages never say "Palermo") were refused as naming what the documents never
    mention."""
    for question in [
        "Our NGO offers counselling to survivors. Are those the sorts of services the UN "
        "victims' fund pays for?",
        "Under the Palermo trafficking protocol, does it matter that the victim agreed to the "
        "work if she was lied to?",
        "What does the TIP Protocol say about protecting victims' privacy?",
    ]:
        answer = assistant.ask(question)
        assert not answer.refused and answer.citations, question


def test_a_word_cut_short_is_the_corpus_word_it_begins(assistant):
    """ "Our Permanent Rep in Vienna" is the corpus's "Permanent Representative", and "the
    Western Med route" its "Western Mediterranean": not names it never mentions, and an answer
    must cite the word in full. A name the corpus has nothing beginning so is still a
    stranger."""
    snapshot = assistant._snapshot
    question = "what did our Permanent Rep in Vienna say GLO.ACT meant for Colombia?"
    assert snapshot.strangers(["Rep"], question) == []
    assert snapshot.in_full("Rep", question) == "Representative"
    assert snapshot.in_full("Med", "the Western Med route") == "Mediterranean"
    assert snapshot.strangers(["Zqx"], "the Western Zqx route") == ["Zqx"]
    answer = assistant.ask(question)
    assert not answer.refused and "Permanent Representative of Colombia" in answer.answer


def test_filters_restrict_retrieval(assistant):
    only_news = assistant.search("smuggling of migrants", k=10, filters=Filters(kinds=["news"]))
    assert only_news and {p.kind for p in only_news} == {"news"}
    by_doc = assistant.search("criminalization", k=5, filters=Filters(doc_ids=["untoc"]))
    assert by_doc and {p.doc_id for p in by_doc} == {"untoc"}
    years = assistant.search("CCPCJ", k=10, filters=Filters(year_from=2020, year_to=2021))
    assert years and all(p.date.startswith(("2020", "2021")) for p in years)
    publisher = assistant.search("GLO.ACT", k=10, filters=Filters(publishers=["UNODC"]))
    assert publisher and {p.publisher for p in publisher} == {"UNODC"}
    answer = assistant.ask(
        "What is GLO.ACT?", filters=Filters(doc_ids=["toolkit-transnational-response"])
    )
    assert {c.doc_id for c in answer.citations} <= {"toolkit-transnational-response"}


def test_follow_up_question_is_resolved_from_history(assistant):
    history = [
        {"role": "user", "content": "What is GLO.ACT Asia and the Middle East?"},
        {
            "role": "assistant",
            "content": "GLO.ACT Asia and the Middle East is a four-year joint initiative of the EU and UNODC. [1]",
        },
    ]
    alone = assistant.ask("Which countries does it cover?")
    followed = assistant.ask("Which countries does it cover?", history=history)
    assert "GLO.ACT" in followed.query
    assert "Afghanistan" in followed.answer
    assert followed.answer != alone.answer or "Afghanistan" in alone.answer


def test_a_follow_up_asking_another_instruments_text_is_refused(assistant):
    """The history names the Protocol, but the follow-up asks what the refugee convention
    says, a text the corpus only mentions; asked whether "it" conflicts with that convention,
    the follow-up asks the Protocol's own text, and its saving clause answers."""
    history = [
        {"role": "user", "content": "Can migrants be punished for having been smuggled?"},
        {
            "role": "assistant",
            "content": "Migrants shall not become liable to criminal prosecution under this "
            "Protocol for the fact of having been the object of conduct set forth in article 6 "
            "of this Protocol. [1]",
        },
    ]
    other = assistant.ask("what does the Refugee Convention say on the same point?", history)
    assert other.refused and "does not hold the Refugee Convention" in other.answer
    own = assistant.ask("does it conflict with the refugee convention?", history)
    assert not own.refused and "Nothing in this Protocol shall affect" in own.answer


def test_a_self_contained_question_mid_conversation_is_judged_for_scope(assistant):
    """A question that says what it asks is read by the scope classifier whether or not a
    conversation came before it: one country's own law is refused after a turn on Niger as it
    is alone, not answered from the passage that names Niger."""
    history = [
        {"role": "user", "content": "what did the niger official say at the ccpcj discussion?"},
        {
            "role": "assistant",
            "content": "Despite closed borders and mobility restrictions, irregular migration "
            "movements have not stopped. [1]",
        },
    ]
    asked = "does niger's law actually punish drivers who take migrants up to the border?"
    for answer in (assistant.ask(asked), assistant.ask(asked, history)):
        assert answer.refused and "one country's own law" in answer.answer


def test_a_question_comparing_what_came_before_is_a_follow_up():
    """ "what does each do" and "anything similar in the protocol?" name nothing of their own:
    they are read with the turn before them, and a question that names its subject is not."""
    history = [{"role": "user", "content": "the UN.GIFT initiative vs the trust fund for victims"}]
    for leaning in [
        "what does each do",
        "anything similar in the smuggling protocol?",
        "does the trafficking one go as far?",  # "one" stands for what was said before
    ]:
        assert is_dependent(leaning) and "UN.GIFT" in condense(leaning, history)
    assert not is_dependent("What does the Smuggling Protocol say about fraudulent documents?")


def test_a_follow_up_moves_on_from_what_was_already_said(assistant):
    history = [
        {"role": "user", "content": "How does the trafficking protocol protect victims' identity?"},
        {
            "role": "assistant",
            "content": "In appropriate cases and to the extent possible under its domestic law, "
            "each State Party shall protect the privacy and identity of victims of trafficking "
            "in persons, including, inter alia, by making legal proceedings relating to such "
            "trafficking confidential. [1]",
        },
    ]
    then = assistant.ask("And what does the next paragraph require?", history=history)
    assert "court and administrative proceedings" in then.answer
    assert "privacy and identity" not in then.citations[0].quote


def test_answer_json_contract(assistant):
    data = assistant.ask("What is the purpose of the Smuggling of Migrants Protocol?").to_json()
    assert set(data) >= {
        "question",
        "answer",
        "refused",
        "citations",
        "retrieved",
        "timings_ms",
        "corpus_version",
    }
    assert isinstance(data["refused"], bool) and data["corpus_version"]
    citation_keys = {
        "n",
        "doc_id",
        "title",
        "publisher",
        "date",
        "section",
        "page",
        "quote",
        "start",
        "end",
        "score",
    }
    assert data["citations"] and all(citation_keys <= set(c) for c in data["citations"])
    assert [c["n"] for c in data["citations"]] == list(range(1, len(data["citations"]) + 1))
    assert data["retrieved"] and all(citation_keys - {"n"} <= set(p) for p in data["retrieved"])
    assert data["timings_ms"]["total"] > 0


def test_concurrent_callers_get_their_own_answers(assistant):
    from concurrent.futures import ThreadPoolExecutor

    questions = [
        "Can migrants be prosecuted under the Protocol for having been smuggled?",
        "Which countries does GLO.ACT cover?",
    ] * 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(assistant.ask, questions))
    for question, answer in zip(questions, answers, strict=True):
        assert answer.question == question
    assert answers[0].citations[0].doc_id == "smuggling-protocol"
    assert answers[1].citations[0].doc_id == "unodc-glo-act-launch-2016"


def test_ingest_and_answer_make_no_connection_outside_loopback(
    tmp_path, small_corpus, no_outside_network
):
    import socket

    from assistant import Assistant, Settings
    from ingest.pipeline import ingest

    with pytest.raises(OSError, match="forbids"):  # the guard is armed (nothing is sent)
        socket.create_connection(("192.0.2.1", 80), timeout=1)
    no_outside_network.clear()
    settings = Settings(home=tmp_path / "home", corpus_dir=small_corpus)
    assert ingest(None, settings, progress=False).ok
    answer = Assistant.open(settings).ask("Which countries does GLO.ACT cover?")
    assert not answer.refused
    assert no_outside_network == []


def test_a_document_named_by_its_alias_is_searched_first(assistant):
    passages = assistant.search("What does the Smuggling Protocol say about training?", k=6)
    assert passages[0].doc_id == "smuggling-protocol"
    both = assistant.search(
        "Compare the Smuggling Protocol and the Trafficking Protocol on return", k=6
    )
    assert {p.doc_id for p in both[:2]} == {"smuggling-protocol", "trafficking-protocol"}


def _quoted(lines: list[str], best: int, tuning: Tuning | None = None) -> list[str]:
    """The lines `select` quotes when line `best` scores highest, in reading order."""
    from assistant.choosing import select

    chosen = select(_list_candidates(lines, best), most=1, tuning=tuning or Tuning())
    return [c.text for c in sorted(chosen, key=lambda c: c.start)]


def _list_candidates(lines: list[str], best: int):
    import numpy as np

    from assistant.candidates import Candidate, link_lists
    from assistant.records import Passage

    passage = Passage("p:0", "doc", "T", "", "", "", "", None, "\n".join(lines), 0, 0)
    candidates, start = [], 0
    for number, line in enumerate(lines):
        candidate = Candidate(line, start, start + len(line), 0, passage, np.zeros(3))
        candidate.score = 1.0 if number == best else 0.1
        candidate.meaning = 0.5  # on the question's topic
        candidates.append(candidate)
        start += len(line) + 1
    link_lists(candidates)
    return candidates


def test_a_document_name_inside_another_title_does_not_name_that_document(assistant):
    snapshot = assistant._snapshot
    guide = "Who put together the 2021 Understanding the Smuggling of Migrants Protocol guide?"
    assert snapshot.mentioned(guide) == []
    assert snapshot.without_names(guide) == guide
    assert snapshot.mentioned("Under Article 8 of the Smuggling Protocol, who may board?") == [
        "smuggling-protocol"
    ]
    answer = assistant.ask(guide)
    assert "jointly developed by the RSO" in answer.answer


def test_a_document_name_inside_another_instruments_name_does_not_name_that_document(assistant):
    """ "The firearms protocol to the Palermo Convention" is the firearms protocol: naming the
    Convention there would switch off the check for instruments the corpus does not hold."""
    snapshot = assistant._snapshot
    firearms = "How must guns be marked under the firearms protocol to the Palermo Convention?"
    assert snapshot.mentioned(firearms) == []
    assert (
        snapshot.mentioned(
            "What does the Firearms Protocol supplementing the Organized Crime Convention require?"
        )
        == []
    )
    assert snapshot.mentioned("the Smuggling Protocol to the Palermo Convention") == [
        "smuggling-protocol"
    ]
    assert "untoc" in snapshot.mentioned("What do the protocols to the Palermo Convention add?")
    answer = assistant.ask(firearms)
    assert answer.refused and "does not hold the firearms protocol" in answer.answer


def test_an_instrument_named_with_one_for_its_kind_names_it(assistant):
    """ "the trafficking one" is the Trafficking Protocol: a comparison of "the smuggling one"
    and "the trafficking one" is searched in each protocol, not in whatever mentions both."""
    snapshot = assistant._snapshot
    asked = "is the smuggling one any different from the trafficking one on this?"
    assert snapshot.mentioned(asked) == ["smuggling-protocol", "trafficking-protocol"]
    assert snapshot.mentioned("does the firearms one say so?") == []  # not held
    assert snapshot.mentioned("the database one") == []
    answer = assistant.ask(
        "can either protocol be used to get around refugee law and return people to persecution?"
        " is the smuggling one any different from the trafficking one here?"
    )
    quoted = {c.doc_id for c in answer.citations}
    assert {"smuggling-protocol", "trafficking-protocol"} <= quoted
    assert "non-refoulement" in answer.answer


def test_a_list_lead_in_brings_its_own_items_but_not_the_parent_list():
    from assistant.choosing import select

    lines = [
        "a) The smuggling of migrants;",
        "b) When committed for the purpose of enabling the smuggling of migrants:",
        "(i) Producing a fraudulent travel or identity document;",
        "(ii) Procuring, providing or possessing such a document;",
        "c) Enabling a person to remain in the State concerned by illegal means.",
    ]
    chosen = [c.text for c in select(_list_candidates(lines, best=1), most=1, tuning=Tuning())]
    assert chosen == lines[1:4]


def test_a_chosen_list_item_is_quoted_with_its_lead_in_and_the_other_items():
    lines = [
        "Each State Party shall establish as criminal offences:",
        "a) The smuggling of migrants;",
        "b) When committed for the purpose of enabling the smuggling of migrants:",
        "(i) Producing a fraudulent travel or identity document;",
        "(ii) Procuring, providing or possessing such a document;",
        "c) Enabling a person to remain in the State concerned by illegal means.",
        "Each State Party shall establish aggravating circumstances.",
    ]
    assert _quoted(lines, best=5) == lines[:6]  # the whole list, not the sentence after it


def test_an_answer_is_widened_by_the_best_sentence_of_each_shown_passage_it_does_not_quote():
    """A lay question's best-scoring sentence is often a neighbour of the one that answers, in
    another passage shown beside it: that passage's best sentence joins the answer when it
    scores `other_passage_share` of the best and the answer has room; a weak one does not."""
    from types import SimpleNamespace

    from assistant.choosing import with_other_passages

    passages = [
        _list_candidates([f"Passage {n} says one thing here.", f"Passage {n} says more."], 0)
        for n in range(3)
    ]
    for number, sentences in enumerate(passages):
        sentences[0].passage = replace(sentences[0].passage, chunk_id=f"p:{number}")
        sentences[1].passage = sentences[0].passage
    passages[1][0].score, passages[1][1].score = 0.2, 0.7  # 0.7 of the best sentence
    passages[2][0].score = 0.3  # the third passage's best is far weaker
    candidates = [c for sentences in passages for c in sentences]
    shown = [sentences[0].passage for sentences in passages]
    chosen = [passages[0][0]]
    question = SimpleNamespace(off=frozenset(), tuning=Tuning())
    widened = with_other_passages(question, candidates, shown, chosen)
    assert widened == [passages[0][0], passages[1][1]]
    no_room = SimpleNamespace(off=frozenset(), tuning=Tuning(max_widened_words=8))
    assert with_other_passages(no_room, candidates, shown, chosen) == chosen
    ablated = SimpleNamespace(off=frozenset({"other_passages"}), tuning=Tuning())
    assert with_other_passages(ablated, candidates, shown, chosen) == chosen


def test_the_passages_of_the_best_quotes_are_quoted_whole():
    """A key fact an answer misses most often stands in a passage it quotes, away from the quote:
    the passages of the two best quotes come whole, a weaker quote's passage does not."""
    from types import SimpleNamespace

    from assistant.choosing import with_whole_passages

    passages = [
        _list_candidates([f"Passage {n} opens here.", f"It goes on {n}.", f"It ends {n}."], 0)
        for n in range(3)
    ]
    for number, sentences in enumerate(passages):
        for sentence in sentences:
            sentence.passage = replace(sentences[0].passage, chunk_id=f"p:{number}")
            sentence.score = 0.1
    passages[1][0].score, passages[0][2].score, passages[2][1].score = 0.9, 0.6, 0.3
    candidates = [c for sentences in passages for c in sentences]
    chosen = [passages[1][0], passages[0][2], passages[2][1]]
    question = SimpleNamespace(off=frozenset(), tuning=Tuning(), said_terms=set())
    whole = with_whole_passages(question, candidates, chosen)
    assert set(whole) == {*passages[0], *passages[1], passages[2][1]}
    assert whole[:3] == chosen  # the chosen quotes keep their order; compose reorders by passage
    one = SimpleNamespace(off=frozenset(), tuning=Tuning(whole_passages=1), said_terms=set())
    assert set(with_whole_passages(one, candidates, chosen)) == {*passages[1], *chosen}
    ablated = SimpleNamespace(off=frozenset({"whole_passages"}), tuning=Tuning(), said_terms=set())
    assert with_whole_passages(ablated, candidates, chosen) == chosen
    # a sentence off the question's topic (or an instruction planted in a document) stays out
    passages[0][1].meaning = 0.0
    assert passages[0][1] not in with_whole_passages(question, candidates, chosen)


def test_a_paragraph_number_comes_whole_with_its_paragraph_never_alone():
    """A passage quoted whole keeps "2." before the paragraph it numbers; when that paragraph is
    left out (off the question's topic), its number is not quoted on its own."""
    from types import SimpleNamespace

    from assistant.choosing import with_whole_passages

    sentences = _list_candidates(
        ["Each State Party shall act.", "2.", "Off the topic here.", "3.", "On the topic here."], 0
    )
    sentences[2].meaning = 0.0
    question = SimpleNamespace(off=frozenset(), tuning=Tuning(), said_terms=set())
    texts = [c.text for c in with_whole_passages(question, sentences, [sentences[0]])]
    assert texts == ["Each State Party shall act.", "3.", "On the topic here."]


def test_a_passage_quoted_whole_leaves_out_its_byline_headline_and_footnotes():
    """A paper's byline and footnote, or a news item's headline, are no sentences that answer:
    neither chosen nor quoted with their passage; a short list item is."""
    from types import SimpleNamespace

    from assistant.candidates import quotable
    from assistant.choosing import with_whole_passages

    lines = [
        "Migrant Smuggling on the United Nations Intergovernmental Agenda",
        "United Nations Office on Drugs and Crime (UNODC)",
        "¹ The views expressed in the paper do not imply any opinion of the Secretariat.",
        "Smuggling of migrants is a crime affecting almost every country.",
        "It endangers the lives of migrants (see below).",
        "b) Illegal entry;",
    ]
    sentences = _list_candidates(lines, 3)
    for sentence in sentences:
        sentence.quotable = quotable(sentence.text)
    assert [s.quotable for s in sentences] == [False, False, False, True, True, False]
    question = SimpleNamespace(off=frozenset(), tuning=Tuning(), said_terms=set())
    texts = [c.text for c in with_whole_passages(question, sentences, [sentences[3]])]
    assert texts == lines[3:]


def test_the_answer_opens_the_text_and_the_context_it_was_widened_by_follows():
    """The passages of the sentences chosen as the answer come first, even when a passage added
    by the widening scores higher; their citations are `main` (the chat folds the others), and
    a whole passage merged around a chosen sentence is one main quote."""
    from assistant.compose import compose

    answer, context = (
        _list_candidates([f"Answer {n} here." for n in range(3)], 1),
        _list_candidates(["Context opens.", "Context ends."], 0),
    )
    for sentence in context:
        sentence.passage = replace(context[0].passage, chunk_id="p:1")
        sentence.score = 2.0
    text, citations = compose([answer[1], context[0], answer[0], answer[2]], [answer[1]])
    assert text == "Answer 0 here.\nAnswer 1 here.\nAnswer 2 here. [1] Context opens. [2]"
    assert [c.main for c in citations] == [True, False]
    assert all(c.main for c in compose([answer[1], context[0]])[1])  # default: all the answer


def test_the_document_a_question_names_opens_the_answer():
    """Asked what the Smuggling Protocol says, the answer opens with the Protocol's quote, not
    with a paper that discusses it and scores higher; unnamed, the higher score leads."""
    from assistant.compose import compose

    paper = _list_candidates(["A paper on smugglers says this."], 0)[0]
    protocol = _list_candidates(["Each State Party shall criminalize smuggling."], 0)[0]
    paper.passage = replace(paper.passage, chunk_id="paper:0", doc_id="paper")
    protocol.passage = replace(protocol.passage, chunk_id="protocol:0", doc_id="protocol")
    paper.score, protocol.score = 0.6, 0.5
    text, citations = compose([paper, protocol], named=["protocol"])
    assert text.startswith("Each State Party") and [c.doc_id for c in citations] == [
        "protocol",
        "paper",
    ]
    assert compose([paper, protocol])[0].startswith("A paper")


def test_an_overview_quotes_each_document_in_its_own_order():
    """A summary for a note reads a news item from its opening paragraph, not from the speech
    quoted further down that scored best; the best document still comes first."""
    from assistant.compose import compose

    speech, opening, other = (
        _list_candidates([text], 0)[0]
        for text in ["The ambassador said it matters.", "The initiative opened.", "Elsewhere."]
    )
    speech.passage = replace(speech.passage, chunk_id="news:2", doc_id="news", start=900)
    opening.passage = replace(opening.passage, chunk_id="news:0", doc_id="news", start=0)
    other.passage = replace(other.passage, chunk_id="paper:0", doc_id="paper", start=0)
    speech.score, other.score, opening.score = 0.9, 0.8, 0.5
    text, _ = compose([speech, other, opening], overview=True)
    assert text.index("The initiative") < text.index("The ambassador") < text.index("Elsewhere")
    assert compose([speech, other, opening])[0].startswith("The ambassador")


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        (
            "When a flag country agrees, what can our coast guard do with the ship?",
            "persons and cargo on board",
        ),
        (
            "What training should border officials get under the smuggling protocol?",
            "conventional and non-conventional points of entry",
        ),
    ],
)
def test_a_fact_away_from_the_best_quote_comes_with_its_passage(assistant, question, fact):
    """Article 8's list of what the flag State may authorise, and Article 14's training topics,
    share no word with these questions; their passages' best sentences do, and bring them."""
    base = assistant.settings
    assert fact in " ".join(assistant.ask(question).answer.split())
    try:
        assistant.settings = base.model_copy(update={"ablate": ["whole_passages"]})
        assert fact not in " ".join(assistant.ask(question).answer.split())
    finally:
        assistant.settings = base


def test_the_settings_tuning_reaches_retrieval_and_ranking(assistant):
    """What `Settings.tuning` says is what the engine uses: no copy of a value is left behind."""
    question = "Can smuggled migrants be prosecuted under the Protocol?"
    base = assistant.settings
    before = assistant.ask(question), assistant.search(question, k=3)
    try:
        tuning = Tuning(meaning_weight=0.0, rrf_k=1)
        assistant.settings = base.model_copy(update={"tuning": tuning})
        after = assistant.ask(question), assistant.search(question, k=3)
    finally:
        assistant.settings = base
    assert after[0].support_score < before[0].support_score  # meaning no longer counts
    assert after[1][0].score > before[1][0].score  # reciprocal ranks of 1 / (1 + rank + 1)


@pytest.mark.parametrize(
    "filters",
    [Filters(doc_ids=["untoc"]), Filters(kinds=["news"]), Filters(year_from=2020, year_to=2021)],
)
def test_in_memory_filtered_search_finds_what_chroma_finds(assistant, filters):
    """A narrow filter (or a named document) is searched in memory instead of by a Chroma `where`
    query; it must rank the same passages and sentences with the same cosines."""
    from assistant.retrieval import dense_search, sentence_search

    snapshot = assistant._snapshot
    rows = snapshot.filtered.usable(filters)
    assert rows is not None and 0 < len(rows) < len(snapshot.ids)
    embedding = assistant._embed("what must states do to protect smuggled migrants")
    dense, by_sentence = snapshot.filtered.search(rows, embedding, 12, 24)
    chroma_dense = dense_search(assistant.store, embedding, 12, filters)
    chroma_sentences = sentence_search(assistant.store, embedding, 24, filters)
    assert [c for c, _ in dense] == [c for c, _ in chroma_dense]
    assert [c for c, _ in by_sentence] == [c for c, _ in chroma_sentences]
    for ours, theirs in ((dense, chroma_dense), (by_sentence, chroma_sentences)):
        assert all(abs(a - b) < 1e-4 for (_, a), (_, b) in zip(ours, theirs, strict=True))


def test_the_corpus_acronyms_are_counted_at_ingest(assistant):
    """ "IOM" is spelled out in the corpus, so a question using it names nothing unknown; the
    acronyms come with the derived index, not from reading every passage at the first question."""
    derived = assistant.store.load_derived()
    assert derived is not None and "IOM" in derived.acronyms
    assert assistant._snapshot.corpus_acronyms == derived.acronyms
    assert assistant._snapshot.strangers(["IOM", "ZQXW"]) == ["ZQXW"]
    # the instruments' headings spell in any case what their text never writes as an acronym
    assert assistant._snapshot.strangers(["TIP", "MLA", "FATF"]) == ["FATF"]


def test_a_comparison_is_answered_from_each_document_it_compares(assistant):
    """ "How do A and B differ" quotes A and B, each on the point, not a third text that talks
    about both (here a toolkit's advice to distinguish the two crimes)."""
    from assistant import Assistant

    question = (
        "How do the Smuggling Protocol and the Trafficking Protocol differ in how they define "
        "the crime?"
    )
    cited = {c.doc_id for c in assistant.ask(question).citations}
    assert cited == {"smuggling-protocol", "trafficking-protocol"}
    whole = Assistant(
        assistant.settings.model_copy(update={"ablate": ["per_document"]}),
        assistant.store,
        assistant.embedder,
    )
    assert {c.doc_id for c in whole.ask(question).citations} != cited


def test_a_follow_up_stays_with_the_document_the_conversation_is_about(assistant):
    """ "Which countries does it cover?" after a quote about GLO.ACT Asia and the Middle East
    is answered from the toolkit that describes it, not from the 2016 launch news of the other
    GLO.ACT that names thirteen countries."""
    from assistant import Assistant
    from assistant.retrieval import conversation_documents

    said = (
        "The Global Action against Trafficking in Persons and the Smuggling of Migrants – Asia "
        "and the Middle East (GLO.ACT Asia and the Middle East) is a four-year (2018–2022), "
        "€12 million joint initiative by the European Union and the United Nations Office on "
        "Drugs and Crime (UNODC) [1]"
    )
    history = [
        {"role": "user", "content": "What is GLO.ACT Asia and the Middle East?"},
        {"role": "assistant", "content": said},
    ]
    snapshot = assistant._loaded[0]
    assert conversation_documents(snapshot, said) == ["toolkit-transnational-response"]
    followed = assistant.ask("Which countries does it cover?", history=history)
    assert followed.citations[0].doc_id == "toolkit-transnational-response"
    assert "Afghanistan" in followed.citations[0].quote
    elsewhere = Assistant(
        assistant.settings.model_copy(update={"ablate": ["conversation_document"]}),
        assistant.store,
        assistant.embedder,
    )
    unanchored = elsewhere.ask("Which countries does it cover?", history=history)
    assert unanchored.citations[0].doc_id != "toolkit-transnational-response"


def test_taking_names_out_leaves_other_coordinated_words_as_asked(assistant):
    snapshot = assistant._snapshot
    question = "Are migrants and asylum seekers protected?"
    assert snapshot.without_names(question) == question  # not "migrants seeker and asylum seeker"
    both = snapshot.without_names(
        "What do the smuggling and trafficking protocols say on children?"
    )
    assert "smuggling" not in both and "trafficking" not in both and "children" in both


def test_an_answer_says_how_long_each_step_took(assistant):
    timings = assistant.ask("What is GLO.ACT?").timings_ms
    assert {"embed", "retrieve", "answer", "total"} <= set(timings)
    assert timings["total"] >= timings["embed"] + timings["retrieve"] + timings["answer"] - 1


def test_a_question_in_another_language_is_asked_again_in_english(assistant):
    """Asked in French, the engine matched "Protocole" and "migrants" and quoted an article on
    training officials; it now says it reads English only. The same question in English is
    answered by Article 5."""
    from assistant.language import NOT_ENGLISH

    french = assistant.ask("Les migrants peuvent-ils être poursuivis pour avoir été introduits?")
    assert french.refused and french.answer == NOT_ENGLISH and not french.citations
    english = assistant.ask("Can migrants be prosecuted for having been smuggled?")
    assert not english.refused
    assert "Migrants shall not become liable to criminal prosecution" in english.answer


def test_a_lists_items_keep_their_own_lines_in_the_answer(assistant):
    """A list quoted whole read as one run-on line ("... (UNTOC) - b. Use transnational ...");
    its items now stand on lines of their own, as in the document, and the briefing note's
    bullet for it is one line."""
    from assistant.briefing import claims
    from assistant.compose import as_shown

    assert (
        as_shown("For the purposes:\n\na)  One;\nb) Two.") == "For the purposes:\na) One;\nb) Two."
    )
    assert as_shown("- a. Promote it\n- b. Use it") == "- a. Promote it\n- b. Use it"
    assert as_shown("a sentence wrapped\nat the margin.") == "a sentence wrapped at the margin."
    assert as_shown("She said: “We act.”\nThe next paragraph.") == (
        "She said: “We act.”\nThe next paragraph."
    )
    answer = assistant.ask("What are aggravating circumstances for smuggling?")
    listed = [c for c in answer.citations if "\n" in c.quote]
    assert listed, answer.answer
    for citation in listed:
        assert as_shown(citation.quote) + f" [{citation.n}]" in answer.answer
    assert "\na) That endanger, or are likely to endanger" in answer.answer
    assert all("\n" not in claim for claim, _ in claims(answer.to_json()))


def test_chat_shorthand_is_read_as_the_word_it_stands_for(assistant):
    """ "how many yrs" asks for a count of years: spelled out, "at least four years" answers it;
    read as written, no sentence counts "yrs" and the figure question is refused."""
    history = [
        {
            "role": "user",
            "content": "How does the organised crime convention define an organized "
            "criminal group?",
        },
        {
            "role": "assistant",
            "content": "A structured group of three or more persons acting in concert to commit "
            "serious crimes for a financial or other material benefit. [1]",
        },
    ]
    question = "so what counts as serious - how many yrs of prison?"
    answer = assistant.ask(question, history)
    assert not answer.refused and "at least four years" in " ".join(answer.answer.split())
    base = assistant.settings
    try:
        assistant.settings = base.model_copy(update={"ablate": ["shorthand"]})
        assert assistant.ask(question, history).refused
    finally:
        assistant.settings = base


def test_a_question_in_headline_case_is_answered_as_in_sentence_case(assistant):
    """Every capitalised word was read as a name the evidence must mention, so a question typed
    in headline case or capitals was refused ("They never mention Say")."""
    plain = assistant.ask("what does the smuggling protocol say about prosecuting migrants?")
    for typed in [
        "What Does The Smuggling Protocol Say About Prosecuting Migrants?",
        "WHAT DOES THE SMUGGLING PROTOCOL SAY ABOUT PROSECUTING MIGRANTS?",
    ]:
        answer = assistant.ask(typed)
        assert not answer.refused and answer.answer == plain.answer, typed


def test_a_briefing_frame_naming_an_office_is_answered(assistant):
    """ "For the Minister:", "the Board", "Monday" and "FYI" were read as names the documents
    never mention, and refused."""
    for framed in [
        "For the Minister: can migrants be punished for being smuggled?",
        "My Director asks whether migrants can be punished for being smuggled under the protocol?",
        "FYI for the Board, for Monday's meeting: can migrants be punished for being smuggled?",
    ]:
        answer = assistant.ask(framed)
        assert not answer.refused and "shall not become liable" in answer.answer, framed


def test_a_question_typed_as_in_chat_is_judged_as_the_same_question(assistant):
    """The scope classifier learnt from questions ending in "?": typed without it, or with an
    emoji or in quotes, "who has ratified the trafficking protocol" read as within the
    documents and was answered from the Protocol's signature clause."""
    for typed in [
        "who has ratified the trafficking protocol",
        "who has ratified the trafficking protocol? 🙏",
        '"Who has ratified the trafficking protocol?"',
    ]:
        assert assistant.ask(typed).refused, typed
    base = assistant.settings
    try:
        assistant.settings = base.model_copy(update={"ablate": ["typing"]})
        assert not assistant.ask("who has ratified the trafficking protocol").refused
    finally:
        assistant.settings = base


def test_a_country_typed_in_lower_case_is_a_country(assistant):
    """ "is australia a party ..." was answered: the party-status and country checks know a
    country by its capital letter."""
    question = "is australia a party to the trafficking protocol?"
    assert assistant.ask(question).refused
    base = assistant.settings
    try:
        assistant.settings = base.model_copy(update={"ablate": ["country_case"]})
        assert not assistant.ask(question).refused
    finally:
        assistant.settings = base


def test_a_typo_is_read_as_the_corpus_word_it_misspells(assistant):
    """ "the smuglging protocol" was taken for an instrument the corpus does not hold."""
    plain = assistant.ask("How does the smuggling protocol define smuggling of migrants?")
    question = "How does the smuglging protocol define smuggling of migrants?"
    answer = assistant.ask(question)
    assert not answer.refused and answer.answer == plain.answer
    base = assistant.settings
    try:
        assistant.settings = base.model_copy(update={"ablate": ["spelling"]})
        assert assistant.ask(question).refused
    finally:
        assistant.settings = base

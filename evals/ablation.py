"""`palermo eval --ablate`: what each component of the engine is worth, set by set.

Every component named here can be switched off through `Settings.ablate`; the table shows each
set's figures with the whole engine and with one component off. A component whose removal does
not lower the test set's figures does not earn its place (evals/README.md).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from tqdm import tqdm

from evals.answering import evaluate
from evals.engines import PalermoEngine
from evals.metrics import aggregate
from evals.sets import EvalSetError, load_set

# component -> what it does (one line each; the code that honours it names it the same way)
COMPONENTS = {
    "strangers": "refuse when the question names something the corpus never mentions",
    "threshold": "refuse when the best sentence scores below refusal_threshold",
    "meaning_floor": "... unless a sentence stands as near in meaning as meaning_floor",
    "figure_refusal": "refuse a figure question whose best sentence has no such figure",
    "date_refusal": "refuse an on-what-date question whose best sentence has no date",
    "personal_advice": "refuse advice on one person's own case ('my cousin ... jail?')",
    "contact_details": "refuse a request for an e-mail, phone number or address, or for where to"
    " download or order a copy, when no cited passage gives an e-mail, phone or web address",
    "party_status": "refuse 'is X a party to ...' when no quote names X with its status",
    "country_named": "refuse when a country the question names is in no cited passage",
    "country_list": "refuse a 'which countries' question whose quotes name fewer than two (and"
    " no kind of country, 'developing countries', unless it asks who joined)",
    "other_instrument": "refuse a question about an instrument the corpus does not hold",
    "lower_instrument": "... also when named in lower case ('the refugee convention')",
    "names_cited": "refuse when a name the question pins down ('Italian', 'Dhaka') is in no cited passage",
    "name_passages": "... after first quoting, from the shown passages that mention those names,"
    " when some do",
    "numbered_part": "refuse when no cited passage holds a numbered part the question names"
    " ('tool number 5', 'section 4.2')",
    "setting_names": "strangers, names_cited, country_named and after_date's 'now' read only the"
    " sentences that ask, not those setting the scene ('I work at a shelter in Greece.')",
    "year_refusal": "refuse when a year in the question is in no cited passage",
    "after_date": "refuse a question about a year after every cited document was written",
    "scope": "refuse a question the scope classifier reads as one person's own case, as after"
    " the documents' dates or as asking which States joined a treaty (corpus/scope-classifier.npz)",
    "doubted_support": "... or as beyond them of any kind, when support is below doubted_support",
    "question_bank": "lift the pool passages holding the evidence of near training questions"
    " (corpus/question-bank.npz)",
    "bank_passages": "bring into the pool the passages holding near training questions'"
    " evidence (up to 4); they widen an answer, never make one",
    "parts": "answer each part of a question that asks several things, refuse if one is not"
    " ('how does X differ from Y?' asks what counts as each)",
    "per_document": "a comparison of named documents is answered from each of them in turn",
    "per_year": "... else a comparison of years is answered from each year's documents in turn"
    " ('the 2012 paper vs the 2016 article')",
    "per_side": "... else each side of an 'X vs Y' is searched in turn, the rest of the question"
    " asked of each ('witness protection vs victim protection')",
    "weak_together": "a comparison's sides are judged weak together: while one is answered, one"
    " refused for weak support alone is answered too",
    "idle_labels": "a part that asks nothing ('keep it short', 'For my talking points') refused"
    " for weak support alone is left out instead of refusing the whole question",
    "typing": "what chat and phones add is taken off before the question is read (curly"
    " quotes, emoji, 'hi', 'thanks', '??', enclosing quotes) and a missing '?' put back",
    "headline_case": "a question in headline case or capitals ('What Does The Protocol Say')"
    " is read in lower case, not as names the evidence must mention",
    "spelling": "a word neither the corpus nor the embedding model knows ('smuglging') is read"
    " as the one corpus word a single edit away",
    "country_case": "a country typed in lower case ('australia', 'pakistani') is read"
    " capitalised, as the checks that want it in the evidence know it",
    "shorthand": "chat shorthand is spelled out before the question is read ('how r they',"
    " 'how many yrs', 'ppl')",
    "condense": "expand a follow-up with the previous turn before retrieval",
    "query_adapter": "rank sentences by the question's vector moved towards the documents' "
    "wording (corpus/query-adapter.npz, `palermo adapt`)",
    "glossary": "lay words bring the documents' terms for them (corpus/glossary.toml) into retrieval",
    "follow_on": "a follow-up prefers what was not said yet",
    "named_search": "search a document the question names first",
    "conversation_document": "a follow-up naming no document searches the one last quoted first",
    "seats": "each ranking's best passages keep a place near the top",
    "definition_terms": "a definition question also looks for 'shall mean' in BM25",
    "bm25": "BM25 ranking in the fusion",
    "dense": "whole-passage embedding ranking in the fusion",
    "sentences": "sentence embedding ranking in the fusion",
    "meaning": "a sentence's cosine to the question in its score",
    "words": "the share of the question's words a sentence holds, in its score",
    "topic_idf": "question words weighed by IDF among the 100 passages nearest the question",
    "nearby": "a sentence's word score counts the question's words met within 20 running words",
    "soft_words": "words of like meaning count in part ('boat' for 'vessel')",
    "defined_terms": "'what is X?' of a term the corpus defines is a definition question",
    "name_words": "the words of a held instrument's name ('to Prevent, Suppress and Punish ...')"
    " are not question words met",
    "document_topic": "sentences of a document far from the question's topic score lower",
    "passage_prior": "sentences of better-ranked passages score a little higher",
    "year_nudge": "a year in the question prefers passages of that year",
    "kind_tests": "a figure/date/person/body question prefers sentences of that kind",
    "overview": "a request for a briefing, summary or key points quotes up to 3x more",
    "other_passages": "a shown passage no quote comes from adds its best sentence while there is room",
    "whole_passages": "the passages of the answer's two best quotes are quoted whole",
}
SHOWN = ("all_facts", "citation_support", "hit@5", "refusal_recall", "false_refusal")


def rows_asked(names: list[str]) -> list[str]:
    """The table's rows: every component when none is named, else those named ('a+b' is one row
    with a and b off together). An unknown name is an error that lists the components."""
    unknown = [n for row in names for n in row.split("+") if n not in COMPONENTS]
    if unknown:
        raise EvalSetError(
            f"--ablate: unknown component(s) {', '.join(unknown)}; choose from "
            + ", ".join(COMPONENTS)
        )
    return names or list(COMPONENTS)


def ablate(assistant: Any, set_paths: list[Path], components: list[str]) -> dict[str, Any]:
    """{set: {"all": figures, component: figures with it off}} for the default engine (the
    whole table is one run of every set per component: a progress bar counts the components).
    A component 'a+b' switches a and b off together."""
    base = assistant.settings
    table: dict[str, dict[str, dict[str, float]]] = {p.stem: {} for p in set_paths}
    cases = {p.stem: load_set(p) for p in set_paths}
    try:
        for off in tqdm(["", *components], desc="Ablating", unit="component"):
            assistant.settings = base.model_copy(update={"ablate": off.split("+") if off else []})
            for name, members in cases.items():
                rows = evaluate(members, PalermoEngine(assistant), assistant.embedder, False)
                overall = aggregate([(r["case"], r["metrics"]) for r in rows])
                table[name][off or "all"] = {m: overall.get(m, float("nan")) for m in SHOWN}
    finally:
        assistant.settings = base
    return table


def markdown(table: dict[str, Any]) -> str:
    """One row per component: each set's all-facts, evidence cited, refusals with it off."""
    sets = list(table)
    head = " | ".join(f"{s} facts | {s} cited | {s} refused | {s} false ref." for s in sets)
    lines = [
        "# Ablation: each component switched off in turn",
        "",
        "| component | " + head + " | what it does |",
        "|---|" + "---|" * (4 * len(sets) + 1),
    ]
    for component in table[sets[0]]:
        cells = []
        for s in sets:
            row, full = table[s][component], table[s]["all"]
            for metric in ("all_facts", "citation_support", "refusal_recall", "false_refusal"):
                value = row[metric]
                if math.isnan(value):  # a set with no case of the kind ("refused": none beyond)
                    cells.append("–")
                    continue
                delta = "" if component == "all" else f" ({value - full[metric]:+.3f})"
                cells.append(f"{value:.3f}{delta}")
        what = (
            " and ".join(COMPONENTS[c] for c in component.split("+"))
            if component != "all"
            else "the whole engine"
        )
        lines.append(f"| {component} | " + " | ".join(cells) + f" | {what} |")
    return "\n".join(lines) + "\n"

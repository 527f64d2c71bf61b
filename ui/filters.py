"""The search filters (documents, publishers, kinds, years) and the corpus catalog they offer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.records import Filters


@dataclass
class FilterBox:
    """The filter components, in the order the answer callback takes their values."""

    docs: gr.Dropdown
    publishers: gr.Dropdown
    kinds: gr.CheckboxGroup
    year_from: gr.Dropdown
    year_to: gr.Dropdown

    def inputs(self) -> list[Any]:
        return [self.docs, self.publishers, self.kinds, self.year_from, self.year_to]


def filters_of(
    doc_ids: list[str] | None,
    publishers: list[str] | None,
    kinds: list[str] | None,
    year_from: Any,
    year_to: Any,
) -> Filters | None:
    filters = Filters(
        doc_ids=list(doc_ids or []),
        publishers=list(publishers or []),
        kinds=list(kinds or []),
        year_from=int(year_from) if year_from not in (None, "") else None,
        year_to=int(year_to) if year_to not in (None, "") else None,
    )
    return None if filters.is_empty() else filters


def catalog(assistant: Any) -> tuple[list, list, list, list]:
    """The filters' choices from the documents indexed: documents, publishers, kinds, years."""
    documents = assistant.documents()
    docs = [(f"{d.title[:80]} ({d.doc_id})", d.doc_id) for d in documents]
    publishers = sorted({d.publisher for d in documents if d.publisher})
    kinds = sorted({d.kind for d in documents if d.kind})
    years = sorted({int(d.date[:4]) for d in documents if d.date[:4].isdigit()})
    return docs, publishers, kinds, years


def filter_box(docs: list, publishers: list, kinds: list, years: list) -> FilterBox:
    """The Filters accordion below the chat."""
    with (
        gr.Column(min_width=320),
        gr.Accordion("Filters", open=False, elem_id="filters"),
    ):
        doc_filter = gr.Dropdown(docs, multiselect=True, label="Documents", elem_id="filter-docs")
        publisher_filter = gr.Dropdown(
            publishers,
            multiselect=True,
            label="Publishers",
            elem_id="filter-publishers",
        )
        kind_filter = gr.CheckboxGroup(kinds, label="Kinds", elem_id="filter-kinds")
        with gr.Row():
            year_from = gr.Dropdown(
                years, value=None, label="From year", elem_id="filter-year-from"
            )
            year_to = gr.Dropdown(years, value=None, label="To year", elem_id="filter-year-to")
    return FilterBox(doc_filter, publisher_filter, kind_filter, year_from, year_to)

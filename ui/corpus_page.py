"""The Corpus tab: the documents indexed, and adding or removing them when the server allows."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.library import Library, UploadsDisabledError
from common.settings import Settings
from ui.filters import FilterBox, catalog
from ui.formatting import error_message

log = logging.getLogger("palermo.app")


@dataclass
class CorpusTab:
    table: gr.Dataframe
    status: gr.Markdown
    files: gr.File
    add: gr.Button
    remove_pick: gr.Dropdown
    remove_button: gr.Button


def _supported() -> tuple[str, ...]:
    from ingest.loaders import SUPPORTED

    return SUPPORTED


def corpus_tab(library: Library, settings: Settings, docs: list) -> CorpusTab:
    """The Corpus tab's contents: the documents table, then upload and removal if allowed."""
    gr.Markdown(
        "The documents Palermo answers from, with their metadata and the number of "
        "passages indexed."
    )
    table = gr.Dataframe(
        library.rows(),
        headers=["ID", "Title", "Publisher", "Date", "Kind", "Passages", "State"],
        interactive=False,
        wrap=True,
        column_widths=[190, 350, 230, 100, 110, 85, 75],  # px: scrolls sideways on a phone
        elem_id="documents",
    )
    corpus_status = gr.Markdown(elem_id="corpus-status")
    with gr.Row(visible=library.enabled):
        with gr.Column():
            files = gr.File(
                label=f"Add documents ({', '.join(s.lstrip('.') for s in _supported())}; at most {settings.max_file_mb:g} MB each)",
                file_count="multiple",
                file_types=list(_supported()),
                elem_id="upload-files",
            )
            add = gr.Button("Add to the index", variant="primary", elem_id="upload")
        with gr.Column():
            remove_pick = gr.Dropdown(docs, label="Document to remove", elem_id="remove-doc")
            remove_button = gr.Button("Remove document", variant="stop", elem_id="remove")
    if not library.enabled:
        gr.Markdown("*Adding and removing documents is turned off on this server.*")
    return CorpusTab(table, corpus_status, files, add, remove_pick, remove_button)


class CorpusPage:
    """The corpus callbacks around the one Assistant and Library all sessions share."""

    def __init__(self, assistant: Any, library: Library) -> None:
        self.assistant = assistant
        self.library = library

    def catalog_updates(self) -> tuple[Any, ...]:
        docs, publishers, kinds, years = catalog(self.assistant)
        return (
            gr.update(choices=docs),
            gr.update(choices=publishers),
            gr.update(choices=kinds),
            gr.update(choices=years),
            gr.update(choices=years),
            gr.update(choices=docs, value=None),
            self.library.rows(),
        )

    def upload(
        self,
        files: list[Any] | None,
        progress: Any = gr.Progress(track_tqdm=True),  # noqa: B008
    ) -> Iterator[tuple[Any, ...]]:
        """Check and index uploaded files, showing progress and every refusal's reason."""
        paths = [Path(f if isinstance(f, str) else getattr(f, "name", f)) for f in files or []]
        if not paths:
            yield ("Choose one or more files first.", *(gr.skip(),) * 7)
            return
        yield (f"Checking and indexing {len(paths)} file(s)…", *(gr.skip(),) * 7)
        try:
            report = self.library.add(paths, progress=True)
        except UploadsDisabledError as err:
            yield (f"⚠ {str(err).capitalize()}.", *(gr.skip(),) * 7)
            return
        except Exception as err:
            log.exception("upload failed")
            yield (f"⚠ {error_message(err, 'index the files')}", *(gr.skip(),) * 7)
            return
        yield (report.message(), *self.catalog_updates())

    def remove(self, doc_id: str | None) -> tuple[Any, ...]:
        if not doc_id:
            return ("Choose a document to remove.", *(gr.skip(),) * 7)
        try:
            message = self.library.remove(doc_id)
        except UploadsDisabledError as err:
            return (f"⚠ {str(err).capitalize()}.", *(gr.skip(),) * 7)
        return (message, *self.catalog_updates())


def wire(app: gr.Blocks, tab: CorpusTab, page: CorpusPage, filters: FilterBox) -> None:
    """Upload and removal refresh the filters and the table; so does every page load."""
    catalog_outputs = [*filters.inputs(), tab.remove_pick, tab.table]
    tab.add.click(
        page.upload,
        [tab.files],
        [tab.status, *catalog_outputs],
        api_name="upload",
        concurrency_limit=1,
    )
    tab.remove_button.click(
        page.remove,
        [tab.remove_pick],
        [tab.status, *catalog_outputs],
        api_name="remove",
        concurrency_limit=1,
    )
    app.load(page.catalog_updates, None, catalog_outputs, api_visibility="private")

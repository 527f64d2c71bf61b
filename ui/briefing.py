"""Briefing notes: the export button, the note's options and its DOCX and Markdown downloads."""

from __future__ import annotations

import atexit
import datetime as dt
import math
import shutil
import tempfile
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.briefing import note_from_turns, to_docx, to_markdown
from ui.formatting import turn_choices


class NoteFolders:
    """The folders one app writes its notes into. Gradio serves a copy from its own cache as soon
    as an export returns, so each folder is removed at a later export once `keep` seconds old,
    and every one when the app's process exits: the app leaves no note behind in /tmp."""

    def __init__(self, keep: float = 60.0) -> None:
        self.keep = keep
        self._made: list[tuple[float, Path]] = []
        self._lock = threading.Lock()
        atexit.register(self.clear)

    def new(self) -> Path:
        """A new folder for one export (older ones removed)."""
        now = time.monotonic()
        self._remove_made_by(now - self.keep)
        folder = Path(tempfile.mkdtemp(prefix="palermo-note-"))
        with self._lock:
            self._made.append((now, folder))
        return folder

    def clear(self) -> None:
        self._remove_made_by(math.inf)

    def _remove_made_by(self, moment: float) -> None:
        with self._lock:
            gone = [folder for made, folder in self._made if made <= moment]
            self._made = [(made, folder) for made, folder in self._made if made > moment]
        for folder in gone:
            shutil.rmtree(folder, ignore_errors=True)


def export_button() -> gr.Button:
    return gr.Button("Export briefing note", variant="secondary", elem_id="export-note")


def note_outputs() -> tuple[gr.File, gr.Markdown]:
    """Under the chat: the note's files to download, and what was made."""
    note_files = gr.File(
        label="Briefing note (DOCX and Markdown)",
        visible=False,
        elem_id="note-files",
        file_count="multiple",
        interactive=False,
    )
    note_status = gr.Markdown(elem_id="note-status")
    return note_files, note_status


def note_options() -> tuple[gr.Textbox, gr.CheckboxGroup]:
    """The Briefing-note-options accordion below the chat: a title and the answers to include."""
    with (
        gr.Column(min_width=320),
        gr.Accordion("Briefing note options", open=False),
    ):
        note_title = gr.Textbox(label="Title", value="Briefing note")
        note_pick = gr.CheckboxGroup([], label="Answers to include (none ticked: all)")
    return note_title, note_pick


def export_note(
    folders: NoteFolders, title: str, selected: list[int], turns: list[dict[str, Any]]
) -> tuple[Any, str]:
    """Write the conversation (or the selected answers) as a DOCX and a Markdown note."""
    if not turn_choices(turns):
        return gr.update(
            value=None, visible=False
        ), "Ask a question first: the note is made from the answers."
    note = note_from_turns(turns, title, [int(i) for i in selected] if selected else None)
    folder = folders.new()
    stem = f"briefing-note-{dt.date.today().isoformat()}"
    docx_path = to_docx(note, folder / f"{stem}.docx")
    md_path = folder / f"{stem}.md"
    md_path.write_text(to_markdown(note), encoding="utf-8")
    count = len(note.sections)
    status = f"Briefing note ready: {count} question{'s' if count != 1 else ''}, {len(note.footnotes)} footnotes."
    return gr.update(value=[str(docx_path), str(md_path)], visible=True), status


def wire(
    export: gr.Button,
    note_title: gr.Textbox,
    note_pick: gr.CheckboxGroup,
    turns: gr.State,
    note_files: gr.File,
    note_status: gr.Markdown,
) -> None:
    export.click(
        partial(export_note, NoteFolders()),
        [note_title, note_pick, turns],
        [note_files, note_status],
        api_name="export_note",
    )

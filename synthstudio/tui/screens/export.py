"""Export the pool from the studio: a format, which items, and a path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from synthstudio.errors import SynthError
from synthstudio.records import ACCEPTED, PROPOSED, REJECTED
from synthstudio.tui import bindings
from synthstudio.tui.screens.confirm import ConfirmScreen

FALLBACK_FORMATS = ("alpaca", "self-instruct", "sharegpt", "messages", "textbook")
STATUSES = (ACCEPTED, PROPOSED, REJECTED, "all")


def formats() -> tuple[str, ...]:
    try:
        from synthstudio.datasets.export import FORMATS
    except ImportError:
        return FALLBACK_FORMATS
    return tuple(FORMATS)


class ExportRequest:
    def __init__(self, fmt: str, path: Path, status: str) -> None:
        self.fmt, self.path, self.status = fmt, path, status


#: writes one export and returns its summary line; raises SynthError or OSError
Exporter = Callable[[ExportRequest], str]


class ExportScreen(ModalScreen[str | None]):
    """Asks before replacing a file; runs the export itself (in a thread) and stays open
    with the error when it fails, so the person can fix the path. Dismissed with the
    summary line once the file is written."""

    BINDINGS = bindings.MODAL

    def __init__(self, default_path: Path, exporter: Exporter) -> None:
        super().__init__(classes="dialog-screen")
        self.default_path = default_path
        self.exporter = exporter
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content("Export — Enter in the path exports, Escape cancels"),
                         classes="dialog-question")
            yield Label("Format")
            yield Select([(f, f) for f in formats()], value=formats()[0], allow_blank=False,
                         id="export-format", compact=True)
            yield Label("Items")
            yield Select([(s, s) for s in STATUSES], value=ACCEPTED, allow_blank=False,
                         id="export-status", compact=True)
            yield Label("Path")
            yield Input(str(self.default_path), id="export-path", compact=True)
            yield Static(id="export-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export", id="export-go", variant="primary", compact=True)
                yield Button("Cancel", id="export-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def _error(self, text: str) -> None:
        self.query_one("#export-error", Static).update(Content(text))

    def _go(self) -> None:
        if self.busy:
            return
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            self._error("Give a file path.")
            return
        fmt = str(self.query_one("#export-format", Select).value)
        status = str(self.query_one("#export-status", Select).value)
        req = ExportRequest(fmt, Path(text).expanduser(), status)
        self._error("")
        self.busy = True
        self._check_and_write(req)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _check_and_write(self, req: ExportRequest) -> None:
        if req.path.is_dir():
            self.app.call_from_thread(self._failed, f"{req.path} is a folder; give a file "
                                                    f"name.")
        elif req.path.exists():
            self.app.call_from_thread(self._ask_replace, req)
        else:
            self._write(req)

    def _ask_replace(self, req: ExportRequest) -> None:
        def answer(yes: bool | None) -> None:
            if yes:
                self._write_in_thread(req)
            else:
                self.busy = False
                self.query_one("#export-path", Input).focus()

        self.app.push_screen(ConfirmScreen(f"{req.path} exists. Replace it?",
                                           yes="Replace", no="Keep it"), answer)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _write_in_thread(self, req: ExportRequest) -> None:
        self._write(req)

    def _write(self, req: ExportRequest) -> None:
        """In a worker thread: write the file, then close, or show the error and stay."""
        try:
            summary: Any = self.exporter(req)
        except (SynthError, OSError) as exc:
            text = exc.full() if isinstance(exc, SynthError) else str(exc)
            self.app.call_from_thread(self._failed, f"Export failed: {text}")
            return
        self.app.call_from_thread(self.dismiss, str(summary))

    def _failed(self, text: str) -> None:
        self.busy = False
        self._error(text)
        self.query_one("#export-path", Input).focus()

    @on(Input.Submitted, "#export-path")
    def _submitted(self) -> None:
        self._go()

    @on(Button.Pressed, "#export-go")
    def _pressed(self) -> None:
        self._go()

    @on(Button.Pressed, "#export-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

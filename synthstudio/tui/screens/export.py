"""Export the pool from the studio: a format, which items, and a path."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from synthstudio.records import ACCEPTED, PROPOSED, REJECTED
from synthstudio.tui import bindings

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


class ExportScreen(ModalScreen[ExportRequest | None]):
    BINDINGS = bindings.MODAL

    def __init__(self, default_path: Path) -> None:
        super().__init__(classes="dialog-screen")
        self.default_path = default_path

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

    def _go(self) -> None:
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            self.query_one("#export-error", Static).update(Content("Give a file path."))
            return
        fmt = str(self.query_one("#export-format", Select).value)
        status = str(self.query_one("#export-status", Select).value)
        self.dismiss(ExportRequest(fmt, Path(text).expanduser(), status))

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

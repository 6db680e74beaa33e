"""The exact prompt of a request: every message with its role, as the model got it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from synthstudio.tui import bindings
from synthstudio.tui.text import safe


class PromptScreen(ModalScreen[None]):
    BINDINGS = bindings.MODAL

    def __init__(self, title: str, messages: list[dict[str, str]]) -> None:
        super().__init__(classes="dialog-screen")
        self.heading = title
        self.messages = messages

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog"):
            yield Static(Content(f"{self.heading} — Escape closes"), classes="dialog-question")
            with VerticalScroll(id="prompt-body"):
                if not self.messages:
                    yield Static(Content("No request yet."))
                for m in self.messages:
                    yield Static(safe(f"{m.get('role', '?')}:", "bold $accent"),
                                 classes="prompt-role")
                    yield Static(safe(str(m.get("content", ""))), classes="prompt-message")

    def on_mount(self) -> None:
        self.query_one("#prompt-body").focus()

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

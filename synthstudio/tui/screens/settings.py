"""Recipe, model and options, one tab per recipe; saved to the config file so the next
start remembers them. The sections are in :mod:`settings_sections`."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TabbedContent, TabPane

from synthstudio.config.settings import Settings
from synthstudio.tui import bindings
from synthstudio.tui.screens.settings_sections import SECTIONS, SettingsSection

__all__ = ["SettingsScreen"]


class SettingsScreen(ModalScreen[Settings | None]):
    BINDINGS = [*bindings.MODAL, *bindings.EDIT[:1]]

    def __init__(self, settings: Settings, tab: str = "general") -> None:
        super().__init__(classes="dialog-screen")
        self.settings = settings
        self.tab = tab

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog settings-dialog"):
            yield Static(Content("Settings — ctrl+s saves, Escape cancels"),
                         classes="dialog-question")
            with TabbedContent(initial=f"tab-{self.tab}", id="settings-tabs"):
                for section in SECTIONS:
                    with TabPane(section.TITLE, id=f"tab-{section.KEY}"):
                        yield section(self.settings)
            yield Static(id="settings-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", id="settings-save", variant="primary", compact=True)
                yield Button("Cancel", id="settings-cancel", compact=True)

    def action_save(self) -> None:
        new = self.settings
        for section in self.query(SettingsSection):
            try:
                new = section.apply(new)
            except ValueError as exc:
                self.query_one("#settings-error", Static).update(Content(str(exc)))
                self.query_one(TabbedContent).active = f"tab-{section.KEY}"
                return
        self.dismiss(new)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#settings-save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#settings-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

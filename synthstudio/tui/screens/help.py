"""``?``: every key binding, as remapped by the config, with its binding id."""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from synthstudio.tui import bindings
from synthstudio.tui.text import cell

INTRO = ("Walk the queue with a (accept), r (reject), e (edit, then accept), s (skip). "
         "Remap any key in the config file's [keys] table: binding id = \"keys\". "
         "ctrl+p opens the command palette.")


def display_keys(keys: str) -> str:
    names = {"question_mark": "?", "slash": "/", "left_square_bracket": "[",
             "right_square_bracket": "]", "space": "space", "less_than_sign": "<",
             "greater_than_sign": ">"}
    return ", ".join(names.get(k.strip(), k.strip()) for k in keys.split(","))


class HelpScreen(ModalScreen[None]):
    BINDINGS = bindings.MODAL

    def __init__(self, remap: Mapping[str, str]) -> None:
        super().__init__(classes="dialog-screen")
        self.remap = dict(remap)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog"):
            yield Static(Content("Keys — Escape closes"), classes="dialog-question")
            yield Static(Content(INTRO), classes="dialog-hint")
            yield DataTable(id="help-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        # where a key works is a heading row, not a column: key, action and binding id
        # then fit in an 80-column terminal
        table = self.query_one(DataTable)
        table.add_columns("key", "action", "binding id")
        for scope in bindings.SCOPES:
            table.add_row("", Content.styled(scope.title, "bold $accent"), "")
            for b in scope.items:
                table.add_row(cell(display_keys(bindings.keys_for(b, self.remap))),
                              cell(b.description), cell(b.id or ""))
        table.focus()

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

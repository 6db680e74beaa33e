"""Edit a candidate (instruction, instances, text, thinking, answer), then save it.

Opened with ``e`` on the queue (saving accepts it) or on a pool item (saving keeps its
status). ctrl+s saves, Escape cancels. Model text is loaded as plain text.
"""

from __future__ import annotations

import copy

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Label, Static, TextArea

from synthstudio.boundary.inert import inert
from synthstudio.records import Candidate, Instance
from synthstudio.tui import bindings
from synthstudio.tui.panes.seed_editor import InstanceRow


class EditScreen(ModalScreen[Candidate | None]):
    BINDINGS = bindings.EDIT

    def __init__(self, candidate: Candidate, accept: bool = True) -> None:
        super().__init__(classes="dialog-screen")
        self.original = candidate
        self.accept = accept

    def _area(self, text: str, name: str, placeholder: str) -> TextArea:
        return TextArea(inert(text), id=f"edit-{name}", compact=True, placeholder=placeholder,
                        classes="edit-area")

    def compose(self) -> ComposeResult:
        c = self.original
        verb = "save and accept" if self.accept else "save"
        with Vertical(classes="dialog wide-dialog"):
            yield Static(Content(f"Edit #{c.id} ({c.recipe}) — ctrl+s {verb}, Escape cancel"),
                         classes="dialog-question")
            with VerticalScroll(id="edit-body"):
                if c.instruction or c.recipe != "textbook":
                    yield Label("Instruction" if c.recipe != "reasoning" else "Problem")
                    yield self._area(c.instruction, "instruction", "instruction")
                if c.recipe == "self-instruct" or c.instances:
                    yield Checkbox("classification task", bool(c.is_classification),
                                   id="edit-cls")
                    yield Label("Instances (input, output)")
                    with Vertical(id="edit-instances"):
                        for inst in c.instances:
                            yield InstanceRow(Instance(inert(inst.input), inert(inst.output)))
                    yield Button("+ instance", id="edit-add-instance", compact=True)
                if c.text or c.recipe == "textbook":
                    yield Label("Text")
                    yield self._area(c.text, "text", "text")
                if c.thinking or c.answer or c.recipe == "reasoning":
                    yield Label("Thinking")
                    yield self._area(c.thinking, "thinking", "thinking")
                    yield Label("Answer")
                    yield self._area(c.answer, "answer", "answer")
            with Horizontal(classes="dialog-buttons"):
                yield Button(verb.capitalize(), id="edit-save", variant="primary",
                             compact=True)
                yield Button("Cancel", id="edit-cancel", compact=True)

    def on_mount(self) -> None:
        areas = self.query(TextArea)
        if areas:
            areas.first().focus()

    def _text(self, name: str, default: str) -> str:
        found = self.query(f"#edit-{name}")
        return found.first(TextArea).text if found else default

    def edited(self) -> Candidate:
        """A copy of the candidate with the widgets' values."""
        c = copy.deepcopy(self.original)
        c.instruction = self._text("instruction", c.instruction)
        c.text = self._text("text", c.text)
        c.thinking = self._text("thinking", c.thinking)
        c.answer = self._text("answer", c.answer)
        if self.query("#edit-cls"):
            c.is_classification = self.query_one("#edit-cls", Checkbox).value
            c.instances = [row.value() for row in self.query(InstanceRow)]
        return c

    def action_save(self) -> None:
        self.dismiss(self.edited())

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#edit-save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#edit-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#edit-add-instance")
    async def _add(self) -> None:
        row = InstanceRow(Instance())
        await self.query_one("#edit-instances").mount(row)
        row.query_one(".inst-input", TextArea).focus()

    @on(Button.Pressed, ".inst-remove")
    async def _remove(self, event: Button.Pressed) -> None:
        if isinstance(event.button.parent, InstanceRow):
            await event.button.parent.remove()

"""``g`` with an unfinished run in the pool: resume it, or start the recipe chosen now."""

from __future__ import annotations

from typing import Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from synthstudio.records import Run
from synthstudio.tui import bindings

RunChoice = Literal["resume", "new"]


def run_question(run: Run, made: int, recipe: str) -> str:
    """``Resume run #3 (textbook, 0 of 4) or start self-instruct?``"""
    target = run.target or "?"
    return (f"Resume run #{run.id} ({run.recipe}, {made} of {target}) "
            f"or start {recipe}?")


class ChooseRunScreen(ModalScreen["RunChoice | None"]):
    """r resumes the unfinished run, n starts a new run of ``recipe``, Escape neither."""

    BINDINGS = bindings.CHOOSE_RUN

    def __init__(self, run: Run, made: int, recipe: str) -> None:
        super().__init__(classes="dialog-screen")
        self.run = run
        self.question = run_question(run, made, recipe)
        self.recipe = recipe

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.question), classes="dialog-question")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"Resume #{self.run.id} (r)", id="run-resume",
                             variant="primary", compact=True)
                yield Button(f"Start {self.recipe} (n)", id="run-new", compact=True)

    def on_mount(self) -> None:
        self.query_one("#run-resume", Button).focus()

    def action_choose(self, choice: str) -> None:
        self.dismiss("resume" if choice == "resume" else "new")

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss("resume" if event.button.id == "run-resume" else "new")

"""The editor for one seed task: instruction, classification flag, input/output pairs.

Every change is saved to the pool shortly after typing stops (debounced), when focus
leaves the editor, when another seed is selected and when the studio quits, so nothing
typed is lost. Problems are shown inline and do not block saving.
"""

from __future__ import annotations

import contextlib

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.events import DescendantBlur
from textual.message import Message
from textual.widgets import Button, Checkbox, Static, TextArea

from synthstudio.records import Instance, SeedTask
from synthstudio.store import Pool
from synthstudio.tui import bindings
from synthstudio.tui.debounce import Debouncer
from synthstudio.tui.pool_thread import PoolThread

SAVE_DELAY_S = 0.4


def problems(seed: SeedTask) -> list[str]:
    """What is wrong with a seed, in plain words (empty when it is fine)."""
    out = []
    if not seed.instruction.strip():
        out.append("The instruction is empty.")
    for n, inst in enumerate(seed.instances, 1):
        if not inst.output.strip():
            out.append(f"Instance {n} has no output.")
    if not seed.instances:
        out.append("No instances yet (press i to add one).")
    return out


class InstanceRow(Horizontal):
    def __init__(self, instance: Instance) -> None:
        super().__init__(classes="instance-row")
        self._instance = instance

    def compose(self) -> ComposeResult:
        yield TextArea(self._instance.input, compact=True, classes="inst-input",
                       placeholder="input (may be empty)")
        yield TextArea(self._instance.output, compact=True, classes="inst-output",
                       placeholder="output")
        yield Button("✕", compact=True, classes="inst-remove", tooltip="Remove this instance")

    def value(self) -> Instance:
        """What the row holds: its text boxes, or, while they are not mounted yet (a focus
        change can ask in between), the instance it was made with: nothing was typed."""
        try:
            return Instance(self.query_one(".inst-input", TextArea).text,
                            self.query_one(".inst-output", TextArea).text)
        except NoMatches:
            return self._instance


class SeedEditor(VerticalScroll):
    """Edits ``seed`` in place and saves it to ``pool``."""

    BINDINGS = bindings.EDITOR

    class Saved(Message):
        def __init__(self, seed: SeedTask) -> None:
            super().__init__()
            self.seed = seed

    def __init__(self, pool: Pool, jobs: PoolThread, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.pool = pool
        self.jobs = jobs
        self.seed: SeedTask | None = None
        self._saved: SeedTask | None = None
        self._loading = False
        self._saver = Debouncer(self, SAVE_DELAY_S, self.flush)

    def compose(self) -> ComposeResult:
        yield TextArea(id="seed-instruction", compact=True, placeholder="instruction")
        yield Checkbox("classification task", id="seed-cls")
        yield Vertical(id="seed-instances")
        yield Button("+ instance", id="seed-add-instance", compact=True)
        yield Static(id="seed-errors")

    # -- loading and reading -------------------------------------------------------------

    async def load(self, seed: SeedTask | None) -> None:
        self.flush()
        self._loading = True
        try:
            self.seed = seed
            self.display = seed is not None
            box = self.query_one("#seed-instances", Vertical)
            await box.remove_children()
            if seed is None:
                self._saved = None
                return
            self.query_one("#seed-instruction", TextArea).load_text(seed.instruction)
            self.query_one("#seed-cls", Checkbox).value = seed.is_classification
            await box.mount_all([InstanceRow(i) for i in seed.instances])
            self._saved = self.current()
        finally:
            self._loading = False
        self.show_problems()

    def current(self) -> SeedTask | None:
        """The seed as the widgets show it now."""
        if self.seed is None:
            return None
        return SeedTask(
            instruction=self.query_one("#seed-instruction", TextArea).text,
            instances=[row.value() for row in self.query(InstanceRow)],
            is_classification=self.query_one("#seed-cls", Checkbox).value,
            name=self.seed.name, key=self.seed.key, id=self.seed.id,
        )

    def show_problems(self) -> None:
        seed = self.current()
        found = problems(seed) if seed else []
        errors = self.query_one("#seed-errors", Static)
        errors.update("\n".join(f"⚠ {p}" for p in found))
        errors.display = bool(found)

    # -- saving --------------------------------------------------------------------------

    def changed(self) -> None:
        if self._loading or self.seed is None:
            return
        self.show_problems()
        self._saver.poke()

    def flush(self) -> bool:
        """Save what is typed now if it differs from the pool; True if it wrote."""
        self._saver.cancel()
        if self._loading or self.seed is None or not self.is_mounted:
            return False
        seed = self.current()
        if seed is None or seed == self._saved:
            return False
        self.jobs.submit("save the seed", self.pool.update_seed, seed)
        self._saved = seed
        self.seed = seed
        self.post_message(self.Saved(seed))
        return True

    def on_unmount(self) -> None:
        with contextlib.suppress(NoMatches):
            self.flush()

    @on(TextArea.Changed)
    @on(Checkbox.Changed)
    def _on_edit(self) -> None:
        self.changed()

    def on_descendant_blur(self, event: DescendantBlur) -> None:
        self.flush()

    def action_leave(self) -> None:
        self.flush()
        self.post_message(self.Left())

    class Left(Message):
        """Escape in the editor: focus goes back to the list."""

    # -- instances -----------------------------------------------------------------------

    async def add_instance(self) -> None:
        if self.seed is None:
            return
        row = InstanceRow(Instance())
        await self.query_one("#seed-instances", Vertical).mount(row)
        row.query_one(".inst-input", TextArea).focus()
        self.scroll_to_widget(row)
        self.changed()

    @on(Button.Pressed, "#seed-add-instance")
    async def _add_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        await self.add_instance()

    @on(Button.Pressed, ".inst-remove")
    async def _remove_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        row = event.button.parent
        if isinstance(row, InstanceRow):
            await row.remove()
            self.changed()

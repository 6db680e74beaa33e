"""Pane 1: the seed tasks, searchable, with an editor for the selected one.

The pane reads and writes the pool only through the studio's pool thread (``jobs``):
every change is submitted there, in order, and the list comes back as
:class:`SeedsPane.Loaded`. The editor shows the seed held in the list (read with its
instances), so moving through the list never waits for the pool.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static

from synthstudio.records import SeedTask
from synthstudio.store import Pool
from synthstudio.tui import bindings
from synthstudio.tui.panes import Pane
from synthstudio.tui.panes.seed_editor import SeedEditor, problems
from synthstudio.tui.pool_thread import PoolThread
from synthstudio.tui.record_list import RecordList
from synthstudio.tui.screens.confirm import ConfirmScreen
from synthstudio.tui.search import SearchInput
from synthstudio.tui.text import one_line


def seed_label(seed: SeedTask) -> str:
    mark = "⚠ " if problems(seed) and seed.instruction.strip() == "" else ""
    text = one_line(seed.instruction, 120) or "(empty instruction)"
    return f"{mark}{text}"


class SeedsPane(Pane):
    BORDER_TITLE = "1 Seeds"
    BINDINGS = bindings.SEEDS

    @dataclass
    class Loaded(Message):
        """The seeds read for ``search``; select ``select``; ``then``: "edit" focuses the
        editor, any other text is said to the person."""

        seeds: list[SeedTask]
        search: str
        select: int | None = None
        then: str = ""

    @dataclass
    class Deleted(Message):
        seed: SeedTask | None
        after: int | None

    def __init__(self, pool: Pool, jobs: PoolThread, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.pool = pool
        self.jobs = jobs
        self.seeds: list[SeedTask] = []
        self.selected_id: int | None = None
        self.undo: SeedTask | None = None

    def compose(self) -> ComposeResult:
        yield SearchInput(placeholder="search seeds (/)", id="seed-search", compact=True)
        yield RecordList(lambda s: s.id, seed_label, id="seed-list")
        yield Static("No seed tasks. Press n to add one.", id="seed-empty")
        yield SeedEditor(self.pool, self.jobs, id="seed-editor")

    @property
    def primary(self) -> Widget:
        return self.listing

    @property
    def listing(self) -> RecordList[SeedTask]:
        return self.query_one("#seed-list", RecordList)

    @property
    def editor(self) -> SeedEditor:
        return self.query_one(SeedEditor)

    def on_mount(self) -> None:
        self.query_one("#seed-empty").display = False
        self.reload()

    # -- the list -----------------------------------------------------------------------

    @property
    def search(self) -> str:
        return self.query_one("#seed-search", Input).value.strip()

    def _read(self, what: str, change: Callable[[], Any] | None = None,
              select: int | None = None, then: str | Callable[[Any], str] = "",
              key: str | None = None) -> None:
        """On the pool thread: ``change()`` (may return the id to select), then the list."""
        pool, search = self.pool, self.search

        def job() -> None:
            chosen = change() if change is not None else None
            message = then(chosen) if callable(then) else then
            self.post_message(self.Loaded(pool.list_seeds(search), search,
                                          chosen if chosen is not None else select, message))

        self.jobs.submit(what, job, key=key)

    def reload(self, select: int | None = None) -> None:
        """Read the seeds again (with the search) and select ``select`` or the same one."""
        self.editor.flush()
        self._read("read the seeds", select=select, key="seeds")

    @on(Loaded)
    async def _loaded(self, event: Loaded) -> None:
        event.stop()
        if event.search != self.search:
            return  # typed on since: a newer read is on its way
        self.seeds = event.seeds
        self.query_one("#seed-empty").display = not self.seeds
        self.border_subtitle = f"{len(self.seeds)} seeds"
        want = event.select if event.select is not None else self.selected_id
        self.listing.show(self.seeds, want)
        await self._show(self.listing.current(), again=event.select is not None)
        if event.then == "edit":
            self.editor.query_one("#seed-instruction").focus()
        elif event.then:
            self.notify(event.then)

    async def _show(self, seed: SeedTask | None, again: bool = False) -> None:
        if (seed is not None and seed.id == self.selected_id and self.editor.seed is not None
                and not again):
            return
        self.selected_id = seed.id if seed else None
        await self.editor.load(seed)

    @on(OptionList.OptionHighlighted, "#seed-list")
    async def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        await self._show(self.listing.record(event.option_id))

    @on(OptionList.OptionSelected, "#seed-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.editor.query_one("#seed-instruction").focus()

    @on(Input.Changed, "#seed-search")
    def _search(self, event: Input.Changed) -> None:
        event.stop()
        self.reload()

    @on(Input.Submitted, "#seed-search")
    def _search_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.primary.focus()

    @on(SearchInput.Left)
    def _search_left(self, event: SearchInput.Left) -> None:
        event.stop()
        self.primary.focus()

    async def action_clear_search(self) -> None:
        """Escape on the list: clear the search if there is one, else leave the zoom."""
        box = self.query_one("#seed-search", Input)
        if box.value:
            box.value = ""  # Input.Changed reloads the list
        else:
            await self.app.run_action("leave")

    @on(SeedEditor.Left)
    def _left(self, event: SeedEditor.Left) -> None:
        event.stop()
        self.primary.focus()

    @on(SeedEditor.Saved)
    def _saved(self, event: SeedEditor.Saved) -> None:
        event.stop()
        self.seeds = [event.seed if s.id == event.seed.id else s for s in self.seeds]
        self.listing.update(event.seed)  # (if it is still in the filtered list)

    # -- actions ------------------------------------------------------------------------

    def selected(self) -> SeedTask | None:
        """The seed in the editor, as typed (what was typed is being saved)."""
        self.editor.flush()
        if self.selected_id is None:
            return None
        return self.editor.current() or next(
            (s for s in self.seeds if s.id == self.selected_id), None)

    def action_new_seed(self) -> None:
        self.editor.flush()
        seed = SeedTask(instruction="", instances=[])
        pool, above = self.pool, self._held_id()
        with self.prevent(Input.Changed):
            self.query_one("#seed-search", Input).value = ""
        self._read("add a seed", lambda: pool.add_seeds([seed], above=above)[0], then="edit")

    def action_duplicate_seed(self) -> None:
        seed = self.selected()
        if seed is None:
            return
        copy = SeedTask(instruction=seed.instruction, instances=list(seed.instances),
                        is_classification=seed.is_classification,
                        name=f"{seed.name} (copy)" if seed.name else "")
        pool, above = self.pool, self._held_id()
        self._read("duplicate the seed", lambda: pool.add_seeds([copy], above=above)[0],
                   then=lambda new: f"Duplicated seed #{seed.id} as #{new}.")

    def action_delete_seed(self) -> None:
        seed = self.selected()
        if seed is None:
            return
        question = f"Delete seed #{seed.id}: {one_line(seed.instruction, 60)!r}?"

        def answer(yes: bool | None) -> None:
            if not yes or seed.id is None:
                return
            index = next((i for i, s in enumerate(self.seeds) if s.id == seed.id), 0)
            after = self.seeds[index + 1].id if index + 1 < len(self.seeds) else (
                self.seeds[index - 1].id if index > 0 else None)
            pool, seed_id = self.pool, seed.id
            self.editor.flush()

            def job() -> None:
                self.post_message(self.Deleted(pool.delete_seed(seed_id), after))

            self.jobs.submit("delete the seed", job)

        self.app.push_screen(ConfirmScreen(question), answer)

    @on(Deleted)
    async def _deleted(self, event: Deleted) -> None:
        event.stop()
        if event.seed is None:
            return
        self.undo = event.seed
        self.selected_id = None
        await self.editor.load(None)
        self.primary.focus()  # the cursor on the neighbour (when the list comes), in view
        self._read("read the seeds", select=event.after,
                   then=f"Deleted seed #{event.seed.id}. Press u to undo.")

    def _held_id(self) -> int:
        """The id of the deleted seed held for undo: new seeds must not take it."""
        return self.undo.id or 0 if self.undo is not None else 0

    def action_undo_delete(self) -> None:
        if self.undo is None:
            self.notify("Nothing to undo.", severity="warning")
            return
        undo, pool = self.undo, self.pool
        self.undo = None
        self._read("restore the seed", lambda: pool.restore_seed(undo),
                   then=lambda new: f"Restored seed #{new}.")

    async def action_add_instance(self) -> None:
        await self.editor.add_instance()

    def action_search(self) -> None:
        self.query_one("#seed-search", Input).focus()

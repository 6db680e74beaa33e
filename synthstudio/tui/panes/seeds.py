"""Pane 1: the seed tasks, searchable, with an editor for the selected one."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from synthstudio.records import SeedTask
from synthstudio.store import Pool
from synthstudio.tui import bindings
from synthstudio.tui.panes import Pane
from synthstudio.tui.panes.seed_editor import SeedEditor, problems
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

    def __init__(self, pool: Pool, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.pool = pool
        self.seeds: list[SeedTask] = []
        self.selected_id: int | None = None
        self.undo: SeedTask | None = None

    def compose(self) -> ComposeResult:
        yield SearchInput(placeholder="search seeds (/)", id="seed-search", compact=True)
        yield OptionList(id="seed-list")
        yield Static("No seed tasks. Press n to add one.", id="seed-empty")
        yield SeedEditor(self.pool, id="seed-editor")

    @property
    def primary(self) -> Widget:
        return self.query_one("#seed-list", OptionList)

    @property
    def editor(self) -> SeedEditor:
        return self.query_one(SeedEditor)

    async def on_mount(self) -> None:
        await self.reload()

    # -- the list -----------------------------------------------------------------------

    async def reload(self, select: int | None = None) -> None:
        """Re-read the seeds (with the search) and select ``select`` or the same one."""
        search = self.query_one("#seed-search", Input).value.strip()
        self.seeds = self.pool.list_seeds(search)
        listing = self.query_one("#seed-list", OptionList)
        listing.set_options([Option(seed_label(s), id=str(s.id)) for s in self.seeds])
        self.query_one("#seed-empty").display = not self.seeds
        self.border_subtitle = f"{len(self.seeds)} seeds"
        want = select if select is not None else self.selected_id
        ids = [s.id for s in self.seeds]
        index = ids.index(want) if want in ids else (0 if ids else None)
        listing.highlighted = index
        await self._show(self.seeds[index] if index is not None else None)

    async def _show(self, seed: SeedTask | None) -> None:
        if seed is not None and seed.id == self.selected_id and self.editor.seed is not None:
            return
        self.selected_id = seed.id if seed else None
        await self.editor.load(self.pool.get_seed(seed.id) if seed and seed.id else None)

    @on(OptionList.OptionHighlighted, "#seed-list")
    async def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        seed = next((s for s in self.seeds if str(s.id) == event.option_id), None)
        await self._show(seed)

    @on(OptionList.OptionSelected, "#seed-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.editor.query_one("#seed-instruction").focus()

    @on(Input.Changed, "#seed-search")
    async def _search(self, event: Input.Changed) -> None:
        event.stop()
        self.editor.flush()
        await self.reload()

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
        listing = self.query_one("#seed-list", OptionList)
        self.seeds = [event.seed if s.id == event.seed.id else s for s in self.seeds]
        try:
            listing.replace_option_prompt(str(event.seed.id), seed_label(event.seed))
        except Exception:  # noqa: BLE001 - the seed may have left the filtered list
            pass

    # -- actions ------------------------------------------------------------------------

    def selected(self) -> SeedTask | None:
        self.editor.flush()
        if self.selected_id is None:
            return None
        return self.pool.get_seed(self.selected_id)

    async def action_new_seed(self) -> None:
        self.editor.flush()
        seed = SeedTask(instruction="", instances=[])
        self.pool.add_seeds([seed], above=self._held_id())
        self.query_one("#seed-search", Input).value = ""
        await self.reload(select=seed.id)
        self.editor.query_one("#seed-instruction").focus()

    async def action_duplicate_seed(self) -> None:
        seed = self.selected()
        if seed is None:
            return
        copy = SeedTask(instruction=seed.instruction, instances=list(seed.instances),
                        is_classification=seed.is_classification,
                        name=f"{seed.name} (copy)" if seed.name else "")
        self.pool.add_seeds([copy], above=self._held_id())
        await self.reload(select=copy.id)
        self.notify(f"Duplicated seed #{seed.id} as #{copy.id}.")

    def action_delete_seed(self) -> None:
        seed = self.selected()
        if seed is None:
            return
        question = f"Delete seed #{seed.id}: {one_line(seed.instruction, 60)!r}?"

        async def answer(yes: bool | None) -> None:
            if not yes or seed.id is None:
                return
            self.undo = self.pool.delete_seed(seed.id)
            self.selected_id = None
            await self.editor.load(None)
            index = next((i for i, s in enumerate(self.seeds) if s.id == seed.id), 0)
            after = self.seeds[index + 1].id if index + 1 < len(self.seeds) else (
                self.seeds[index - 1].id if index > 0 else None)
            await self.reload(select=after)
            self.primary.focus()  # the cursor on the neighbour, in view
            self.notify(f"Deleted seed #{seed.id}. Press u to undo.")

        self.app.push_screen(ConfirmScreen(question), answer)

    def _held_id(self) -> int:
        """The id of the deleted seed held for undo: new seeds must not take it."""
        return self.undo.id or 0 if self.undo is not None else 0

    async def action_undo_delete(self) -> None:
        if self.undo is None:
            self.notify("Nothing to undo.", severity="warning")
            return
        seed_id = self.pool.restore_seed(self.undo)
        self.undo = None
        await self.reload(select=seed_id)
        self.notify(f"Restored seed #{seed_id}.")

    async def action_add_instance(self) -> None:
        await self.editor.add_instance()

    def action_search(self) -> None:
        self.query_one("#seed-search", Input).focus()

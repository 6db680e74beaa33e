"""Pane 4: the accepted items (newest first, growing live), counts and search."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.content import Content
from textual.events import DescendantFocus
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from synthstudio.records import ACCEPTED, Candidate
from synthstudio.store import Pool
from synthstudio.tui import bindings
from synthstudio.tui.messages import CandidateFocused
from synthstudio.tui.panes import Pane
from synthstudio.tui.search import SearchInput
from synthstudio.tui.text import candidate_line, one_line

LIST_LIMIT = 300


def counts_line(pool: Pool) -> Content:
    """Accepted, proposed and rejected counts."""
    counts = pool.counts()
    return Content.assemble(
        (f"✓{counts['accepted']} accepted", "bold $success"), "  ",
        (f"●{counts['proposed']} proposed", "bold"), "  ",
        (f"✗{counts['rejected']} rejected", "bold $error"))


def reasons_line(reasons: dict[str, int]) -> Content:
    """Every rejection reason with its count, most frequent first, on one line (the pane
    cuts it at its edge; the tooltip and D list them all)."""
    if not reasons:
        return Content("")
    shown = [f"{one_line(r.removeprefix('filter:'), 24)} {n}"
             for r, n in sorted(reasons.items(), key=lambda rn: -rn[1])]
    return Content.styled("✗ " + " · ".join(shown), "dim")


class PoolPane(Pane):
    BORDER_TITLE = "4 Pool"
    BINDINGS = bindings.POOL

    def __init__(self, pool: Pool, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.pool = pool
        self.items: list[Candidate] = []

    def compose(self) -> ComposeResult:
        yield Static(id="pool-counts")
        yield Static(id="pool-reasons")
        yield SearchInput(placeholder="search accepted items (/)", id="pool-search", compact=True)
        yield OptionList(id="pool-list")

    def on_mount(self) -> None:
        self.reload()

    @property
    def primary(self) -> Widget:
        return self.query_one("#pool-list", OptionList)

    def reload(self, focus_id: int | None = None) -> None:
        """Re-read the counts and the accepted items (with the search)."""
        self.refresh_counts()
        search = self.query_one("#pool-search", Input).value.strip()
        self.items = self.pool.candidates(status=ACCEPTED, search=search,
                                          limit=LIST_LIMIT, newest_first=True)
        listing = self.query_one("#pool-list", OptionList)
        old = listing.highlighted_option
        keep = focus_id if focus_id is not None else (int(old.id) if old and old.id else None)
        listing.set_options([Option(candidate_line(c), id=str(c.id)) for c in self.items])
        ids = [c.id for c in self.items]
        if keep in ids:
            listing.highlighted = ids.index(keep)
        elif ids:
            listing.highlighted = 0
        self.border_subtitle = f"{len(self.items)} shown" + (" (search)" if search else "")

    def refresh_counts(self) -> None:
        self.query_one("#pool-counts", Static).update(counts_line(self.pool))
        reasons = self.pool.rejection_reasons()
        line = self.query_one("#pool-reasons", Static)
        line.update(reasons_line(reasons))
        line.display = bool(reasons)
        line.tooltip = "\n".join(f"{r}: {n}" for r, n in reasons.items()) or None

    def highlighted(self) -> Candidate | None:
        option = self.query_one("#pool-list", OptionList).highlighted_option
        if option is None:
            return None
        return next((c for c in self.items if str(c.id) == option.id), None)

    @on(OptionList.OptionHighlighted, "#pool-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        c = next((q for q in self.items if str(q.id) == event.option_id), None)
        self.post_message(CandidateFocused(c, "pool"))

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        if event.widget.id == "pool-list":
            self.post_message(CandidateFocused(self.highlighted(), "pool"))

    @on(OptionList.OptionSelected, "#pool-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open_item()

    @on(Input.Changed, "#pool-search")
    def _search(self, event: Input.Changed) -> None:
        event.stop()
        self.reload()

    @on(Input.Submitted, "#pool-search")
    def _search_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.primary.focus()

    @on(SearchInput.Left)
    def _search_left(self, event: SearchInput.Left) -> None:
        event.stop()
        self.primary.focus()

    async def action_clear_search(self) -> None:
        """Escape on the list: clear the search if there is one, else leave the zoom."""
        box = self.query_one("#pool-search", Input)
        if box.value:
            box.value = ""  # Input.Changed reloads the list
        else:
            await self.app.run_action("leave")

    def action_search(self) -> None:
        self.query_one("#pool-search", Input).focus()

    def action_open_item(self) -> None:
        c = self.highlighted()
        if c is not None:
            self.app.open_editor(c, accept=False)  # type: ignore[attr-defined]

"""Pane 4: the accepted items (newest first, growing live), counts and search.

The pane never reads the pool itself: the app reads the list on its pool thread and
hands it over (:meth:`PoolPane.show_items`); accepting and un-accepting change the list
in memory at once. The counts come from the app's :class:`~synthstudio.tui.tally.Tally`.
Typing in the search box asks for a new list a moment after the last key.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static

from synthstudio.records import ACCEPTED, PROPOSED, REJECTED, Candidate
from synthstudio.tui import bindings
from synthstudio.tui.debounce import Debouncer
from synthstudio.tui.messages import CandidateFocused
from synthstudio.tui.panes.candidate_pane import CandidateListPane
from synthstudio.tui.record_list import RecordList
from synthstudio.tui.search import SearchInput
from synthstudio.tui.tally import Tally
from synthstudio.tui.text import one_line

LIST_LIMIT = 300
SEARCH_DELAY_S = 0.15


def counts_line(tally: Tally) -> Content:
    """Accepted, proposed and rejected counts (as the tally keeps them)."""
    if not tally.known:
        return Content.styled("counting…", "dim")
    counts = tally.counts
    return Content.assemble(
        (f"✓{counts[ACCEPTED]} accepted", "bold $success"), "  ",
        (f"●{counts[PROPOSED]} proposed", "bold"), "  ",
        (f"✗{counts[REJECTED]} rejected", "bold $error"))


def reasons_line(reasons: list[tuple[str, int]]) -> Content:
    """Every rejection reason with its count, most frequent first, on one line (the pane
    cuts it at its edge; the tooltip and D list them all)."""
    if not reasons:
        return Content("")
    shown = [f"{one_line(r.removeprefix('filter:'), 24)} {n}" for r, n in reasons]
    return Content.styled("✗ " + " · ".join(shown), "dim")


class PoolPane(CandidateListPane):
    BORDER_TITLE = "4 Pool"
    BINDINGS = bindings.POOL
    LIST_ID = "pool-list"
    SOURCE = "pool"

    @dataclass
    class Wanted(Message):
        """The pane wants its list read again (with this search)."""

        search: str
        focus_id: int | None = None
        #: "arrival", or by judge score: "best" or "worst" first (a search is by arrival)
        order: str = "arrival"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.search = ""
        self._searcher = Debouncer(self, SEARCH_DELAY_S, self.reload)
        #: arrival (newest first), or by judge score: best or worst first
        self.order = "arrival"
        #: what the last key did to the list, said before the count until the list
        #: changes otherwise (an item un-accepted: where it went)
        self.note = ""
        #: the rejection reasons shown (None: none shown yet)
        self._reasons: list[tuple[str, int]] | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content.styled("counting…", "dim"), id="pool-counts")
        reasons = Static(id="pool-reasons")
        reasons.display = False  # until a rejection is counted
        yield reasons
        yield SearchInput(placeholder="search accepted items (/)", id="pool-search",
                          compact=True)
        yield RecordList(lambda c: c.id, self._line, id=self.LIST_ID)

    @property
    def primary(self) -> Widget:
        return self.listing

    @property
    def items(self) -> list[Candidate]:
        return list(self.listing.records.values())

    def reload(self, focus_id: int | None = None) -> None:
        """Ask for the accepted items again (with the search in the box)."""
        self._searcher.cancel()
        search = self.query_one("#pool-search", Input).value.strip()
        self.post_message(self.Wanted(search, focus_id, self.order))

    def show_items(self, items: list[Candidate], search: str,
                   focus_id: int | None = None, order: str = "arrival") -> None:
        """The list read for ``search`` in ``order`` (ignored if the box says something
        else now, or the order changed since it was asked for)."""
        if search != self.query_one("#pool-search", Input).value.strip():
            return
        if order != self.order and not search:
            return
        self.search = search
        self.note = ""
        self.listing.show(items, focus_id)
        self._subtitle()

    def _subtitle(self) -> None:
        by_score = self.order != "arrival" and not self.search
        subtitle = (f"{len(self.listing.records)} shown" + (" (search)" if self.search else "")
                    + (f", by score ({self.order} first)" if by_score else ""))
        if self.note:
            subtitle = f"{self.note} · {subtitle}"
        self.set_subtitle(subtitle)  # only when it changed, and only the frame's last row

    def accepted(self, c: Candidate) -> None:
        """``c`` was accepted: it heads the list (a search, or a list ordered by score,
        reads the list again)."""
        if self.search or self.order != "arrival":
            self.reload(focus_id=c.id)
            return
        self.note = ""
        self.listing.prepend(c, LIST_LIMIT)
        self._subtitle()

    def left(self, c: Candidate, focus: Candidate | None = None) -> Candidate | None:
        """``c`` is no longer accepted: it leaves the list (the item highlighted now is the
        one in focus if this list is in use, even if the highlight did not move).
        Returns the item highlighted now."""
        self.listing.drop(c, focus.id if focus is not None else None)
        self._subtitle()
        now = self.listing.current()
        self.post_message(CandidateFocused(now, self.SOURCE))
        return now

    def changed(self, c: Candidate) -> None:
        self.listing.update(c)

    def show_counts(self, tally: Tally) -> None:
        # both lines are one row high whatever they say: no layout of the screen
        self.query_one("#pool-counts", Static).update(counts_line(tally), layout=False)
        reasons = tally.top_reasons()
        if reasons == self._reasons:  # an accept leaves them as they were: not drawn again
            return
        self._reasons = reasons
        line = self.query_one("#pool-reasons", Static)
        line.update(reasons_line(reasons), layout=False)
        line.display = bool(reasons)
        line.tooltip = "\n".join(f"{r}: {n}" for r, n in reasons) or None

    @on(OptionList.OptionSelected, "#pool-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open_item()

    @on(Input.Changed, "#pool-search")
    def _search(self, event: Input.Changed) -> None:
        event.stop()
        self._searcher.poke()

    @on(Input.Submitted, "#pool-search")
    def _search_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.reload()
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

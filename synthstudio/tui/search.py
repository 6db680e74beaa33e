"""The search box of a list pane: Escape leaves it (the filter stays), Enter too.

A second Escape, now on the list, clears the filter (the pane's ``clear-search`` binding),
so the box never keeps the keyboard and later hot keys never land in it.
"""

from __future__ import annotations

from textual.message import Message
from textual.widgets import Input

from synthstudio.tui import bindings


class SearchInput(Input):
    BINDINGS = bindings.SEARCH

    class Left(Message):
        """The person left the search box (Escape or Enter): focus goes back to the list."""

    def action_leave(self) -> None:
        self.post_message(self.Left())

"""The search box of a list pane: Escape leaves it (the filter stays), Enter too.

A second Escape, now on the list, clears the filter (the pane's ``clear-search`` binding),
so the box never keeps the keyboard and later hot keys never land in it.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input

from synthstudio.tui import bindings


class SearchInput(Input):
    BINDINGS = bindings.SEARCH

    class Left(Message):
        """The person left the search box (Escape or Enter): focus goes back to the list."""

    def action_leave(self) -> None:
        self.post_message(self.Left())

    def _watch_value(self, value: str) -> None:
        """``Input``'s, with its text's new width set without a layout of the screen: a
        new virtual size asks for one, and each letter typed laid out and drew the whole
        screen (the box is one row and as wide as its pane whatever it holds)."""
        self.set_reactive(Widget.virtual_size, Size(self.content_width, 1))
        super()._watch_value(value)

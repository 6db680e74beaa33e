"""The four panes of the studio's one screen."""

from __future__ import annotations

from textual.containers import Vertical
from textual.widget import Widget


class Pane(Vertical):
    """A bordered pane with a numbered title; ``primary`` gets the focus on its key."""

    ALLOW_MAXIMIZE = True

    @property
    def primary(self) -> Widget:
        return self

    def focus_primary(self) -> None:
        self.primary.focus()

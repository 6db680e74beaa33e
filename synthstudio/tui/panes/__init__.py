"""The four panes of the studio's one screen."""

from __future__ import annotations

from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Region
from textual.widget import Widget


class Pane(Vertical):
    """A bordered pane with a numbered title; ``primary`` gets the focus on its key."""

    ALLOW_MAXIMIZE = True

    def __init__(self, *children: Widget, **kwargs: object) -> None:
        super().__init__(*children, **kwargs)  # type: ignore[arg-type]
        self._subtitle_text = ""

    @property
    def primary(self) -> Widget:
        return self

    def focus_primary(self) -> None:
        self.primary.focus()

    def set_subtitle(self, text: str) -> None:
        """Show ``text`` (plain) in the bottom border. Only that line is drawn again:
        setting ``border_subtitle`` redraws every line of the pane's frame, and the
        Scores pane's changes with every candidate."""
        if text == self._subtitle_text:
            return
        self._subtitle_text = text
        self._border_subtitle = Content(text).expand_tabs(4).split()[0]
        width, height = self.outer_size  # the frame's size (``size`` is inside it)
        if not height:
            self.refresh()
            return
        # a region is given in content coordinates: the frame's last row is below them
        self.refresh(Region(0, height - 1, width, 1).translate(-self.content_offset))

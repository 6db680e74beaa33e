"""Scroll bars that are drawn again only when they would look different.

Textual draws a scroll bar again whenever its view's length or position is set, even to
values that put the thumb in the same cells: a queue of 2,000 lines that loses one,
or a page that still fits its view (an empty track either way). Each such bar is about
a millisecond of every key press, and on the 1,000,000-item pool three of them did it on
every decision. :class:`QuietScrollBars` sets the new values on the bar in every case
(they stay true), and asks for a redraw only when the thumb moves to other cells.

The thumb's cells are worked out as Textual's ``ScrollBarRender.render_bar`` does
(eighths of a cell); ``tests/test_tui_scrollbars.py`` checks the two agree.
"""

from __future__ import annotations

from math import ceil

from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar, ScrollBarRender

#: an empty track (no thumb), as render_bar draws it when there is nothing to scroll
EMPTY = (-1, -1)


def thumb_cells(size: int, virtual_size: float, window_size: float,
                position: float) -> tuple[int, int] | None:
    """Where ``render_bar`` puts the thumb, in eighths of a cell (start, end), or
    :data:`EMPTY`; None when it cannot say (the bar is then drawn again)."""
    if not (window_size and size and virtual_size and size != virtual_size):
        return EMPTY
    if virtual_size == window_size:
        return None
    eighths = len(ScrollBarRender.VERTICAL_BARS)
    thumb = max(1, window_size / (virtual_size / size))
    at = (size - thumb) * (position / (virtual_size - window_size))
    start = int(at * eighths)
    return start, start + ceil(thumb * eighths)


def _look(bar: ScrollBar, virtual_size: float, window_size: float,
          position: float) -> tuple[int, int] | None:
    """The thumb's cells with the values ``ScrollBar._render_bar`` hands the renderer."""
    size = bar.size.height if bar.vertical else bar.size.width
    window = window_size if window_size < virtual_size else 0
    return thumb_cells(size, ceil(virtual_size), ceil(window), position)


def set_bar(bar: ScrollBar, virtual_size: int | None = None, window_size: int | None = None,
            position: float | None = None) -> None:
    """Give ``bar`` new values; draw it again only if its thumb moves."""
    new = (bar.window_virtual_size if virtual_size is None else virtual_size,
           bar.window_size if window_size is None else window_size,
           bar.position if position is None else bar.validate_position(position))
    before = _look(bar, bar.window_virtual_size, bar.window_size, bar.position)
    after = _look(bar, *new)
    bar.set_reactive(ScrollBar.window_virtual_size, new[0])
    bar.set_reactive(ScrollBar.window_size, new[1])
    bar.set_reactive(ScrollBar.position, new[2])
    if before is None or after is None or before != after:
        bar.refresh()


class QuietScrollBars(ScrollView):
    """A scroll view whose scroll bars are drawn again only when they look different
    (``ScrollView`` and ``Widget`` as of Textual 8.2, with :func:`set_bar`). Textual
    takes styles and component classes along each class's first base only: a widget
    class that has another scroll view (``OptionList``) names it first, this second."""

    def _scroll_update(self, virtual_size: Size) -> None:
        self._refresh_scrollbars()
        width, height = self.container_size
        if self.show_vertical_scrollbar and self.styles.scrollbar_size_vertical:
            set_bar(self.vertical_scrollbar, virtual_size.height,
                    height - self.scrollbar_size_horizontal)
        if self.show_horizontal_scrollbar and self.styles.scrollbar_size_horizontal:
            set_bar(self.horizontal_scrollbar, virtual_size.width,
                    width - self.scrollbar_size_vertical)
        self.scroll_x = self.validate_scroll_x(self.scroll_x)
        self.scroll_y = self.validate_scroll_y(self.scroll_y)

    def watch_scroll_x(self, old_value: float, new_value: float) -> None:
        if self.show_horizontal_scrollbar:
            set_bar(self.horizontal_scrollbar, position=new_value)
        if round(old_value) != round(new_value):
            self.refresh(self.size.region)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        if self.show_vertical_scrollbar:
            set_bar(self.vertical_scrollbar, position=new_value)
        if round(old_value) != round(new_value):
            self.refresh(self.size.region)

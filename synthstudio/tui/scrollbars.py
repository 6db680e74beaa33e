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

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip

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


class QuickScrollBar(ScrollBar):
    """A scroll bar that makes its lines straight from ``ScrollBarRender.render_bar``'s
    cells (with the colours and values ``ScrollBar.render`` picks), once for each look,
    instead of through Rich's console and the widget's styles (about 0.05 ms a line: a
    long page's bar was 2-3 ms of a key press). The lines are those ``ScrollBar`` draws
    (``tests/test_tui_scrollbars.py`` compares them in every state: thumb anywhere,
    hovered, grabbed, both directions, thicker bars)."""

    def __init__(self, vertical: bool = True, name: str | None = None, *,
                 thickness: int = 1) -> None:
        super().__init__(vertical, name, thickness=thickness)
        self._drawn: tuple[tuple[object, ...], list[Strip]] | None = None
        #: a vertical bar's line for each kind of cell, for one width and base style
        self._cells: dict[Segment, Strip] = {}
        self._cells_for: tuple[int, Style] | None = None

    def _lines(self, width: int, height: int) -> list[Strip]:
        # Textual's own choice of colours and values (grabbed, hovered, a screen that
        # hides its bars), as the renderable it would draw through Rich
        bar = self.render()
        assert isinstance(bar, ScrollBarRender) and isinstance(bar.style, Style)
        style, virtual, window, position = (bar.style, bar.virtual_size, bar.window_size,
                                            bar.position)
        base = self.visual_style.rich_style  # under every cell, as a widget's render
        key = (width, height, virtual, window, position, self.vertical, style, base)
        if self._drawn is not None and self._drawn[0] == key:
            return self._drawn[1]
        size, thickness = (height, width) if self.vertical else (width, height)
        cells = self.renderer.render_bar(
            size=size, virtual_size=virtual, window_size=window, position=position,
            thickness=thickness, vertical=self.vertical,
            back_color=style.bgcolor or Color.parse("#555555"),
            bar_color=style.color or Color.parse("bright_magenta"))
        segments = [s for s in cells.segments if s.text != "\n"]
        if self.vertical:  # a handful of different cells: one strip for each, kept
            if self._cells_for != (width, base):
                self._cells_for, self._cells = (width, base), {}
            cell_lines = self._cells
            lines = []
            for cell in segments[:height]:
                line = cell_lines.get(cell)
                if line is None:
                    line = cell_lines[cell] = Strip(
                        [Segment(cell.text, base + cell.style)]).adjust_cell_length(width)
                lines.append(line)
        else:
            row = Strip([Segment(s.text, base + s.style) for s in segments[:width]])
            lines = [row.adjust_cell_length(width)] * height
        lines += [Strip.blank(width)] * (height - len(lines))
        self._drawn = (key, lines)
        return lines

    def render_lines(self, crop: Region) -> list[Strip]:
        width, height = self.size
        lines = self._lines(width, height)[crop.y:crop.bottom]
        if crop.column_span != (0, width):
            lines = [line.crop(*crop.column_span) for line in lines]
        background = self.background_colors[1]
        for line_filter in self.get_line_filters():
            lines = [line.apply_filter(line_filter, background) for line in lines]
        return lines


class QuietScrollBars(ScrollView):
    """A scroll view whose scroll bars are drawn again only when they look different
    (``ScrollView`` and ``Widget`` as of Textual 8.2, with :func:`set_bar`). Textual
    takes styles and component classes along each class's first base only: a widget
    class that has another scroll view (``OptionList``) names it first, this second."""

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """``Widget.vertical_scrollbar``, made a :class:`QuickScrollBar`."""
        if self._vertical_scrollbar is None:
            self._vertical_scrollbar = self._new_bar(QuickScrollBar(
                vertical=True, name="vertical", thickness=self.scrollbar_size_vertical))
        return self._vertical_scrollbar

    @property
    def horizontal_scrollbar(self) -> ScrollBar:
        """``Widget.horizontal_scrollbar``, made a :class:`QuickScrollBar`."""
        if self._horizontal_scrollbar is None:
            self._horizontal_scrollbar = self._new_bar(QuickScrollBar(
                vertical=False, name="horizontal",
                thickness=self.scrollbar_size_horizontal))
        return self._horizontal_scrollbar

    def _new_bar(self, bar: QuickScrollBar) -> QuickScrollBar:
        bar.display = False
        self.app._start_widget(self, bar)
        return bar

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

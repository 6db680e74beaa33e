"""A read-only page of text blocks and tables, drawn by one widget as lines.

The Scores pane showed a candidate with six widgets (five ``Static`` and a
``DataTable``): each new candidate updated all six, the screen laid out all of them
again, and the table measured its cells anew; that was most of the cost of moving the
highlight in the queue. A :class:`Sheet` takes the whole page at once
(:meth:`Sheet.show`), wraps its text to the width once, and draws only the lines in view
(Textual's line API). Its size changes only its own scroll bars, so no layout of the
screen follows unless a scroll bar comes or goes. The vertical one is always there (an
empty track when the page fits): one that came and went with the length of each
candidate laid out the whole screen and drew all of it again, on a third of the key
presses in the queue.

A table looks as a ``DataTable`` with zebra stripes and no cursor does (the same
component styles, one cell of padding each side, columns as wide as their widest cell);
a table wider than the view scrolls sideways with the page.

The last pages drawn are kept, by what they show and the width and look they were
drawn for, and a page can be drawn ahead (:meth:`Sheet.prepare`) while the person reads:
the Scores pane draws the neighbours of the candidate in focus that way, so the next
decision shows a page that is drawn already (a long one took 5-10 ms).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.visual import Visual

from synthstudio.tui.scrollbars import QuietScrollBars


@dataclass(frozen=True)
class Block:
    """Text wrapped to the width, ``pad`` blank lines above it; an empty block (only
    whitespace) is left out unless ``keep``."""

    name: str
    content: Content
    pad: int = 0
    keep: bool = False

    @property
    def shown(self) -> bool:
        return self.keep or bool(self.content.plain.strip())


@dataclass(frozen=True)
class Table:
    """A header and rows of one-line cells (left out when it has no rows)."""

    name: str
    columns: tuple[str, ...]
    rows: list[list[Text]] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return bool(self.rows)


Part = Block | Table
#: pages kept drawn (the one shown, the neighbours drawn ahead, the last few shown)
PAGES_KEPT = 8


def part_key(part: Part) -> Hashable:
    """What ``part`` shows, hashable: equal keys draw equal lines (``Content`` and
    ``Text`` compare their plain text only, so their styles are added here)."""
    if isinstance(part, Table):
        return ("table", part.name, part.columns, tuple(
            tuple((c.plain, c.style, tuple(c.spans), c.justify, c.overflow, c.no_wrap)
                  for c in row) for row in part.rows))
    content = part.content
    return ("block", part.name, content.plain, tuple(content.spans), part.pad, part.keep)


class Sheet(QuietScrollBars, can_focus=True):
    ALLOW_MAXIMIZE = False  # the pane is zoomed, not the page in it

    COMPONENT_CLASSES = {"sheet--header", "sheet--even-row", "sheet--odd-row"}

    # the look of Textual's DataTable (zebra stripes, no cursor), unfocused
    DEFAULT_CSS = """
    Sheet {
        overflow-y: scroll;
        &:dark {
            & > .sheet--even-row {
                background: $surface-darken-1 40%;
            }
        }
        & > .sheet--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .sheet--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .sheet--odd-row {
        }
        & > .sheet--even-row {
            background: $surface-lighten-1 50%;
        }
    }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.parts: list[Part] = []
        self._lines: list[Strip] = []
        self._width = -1  # the width the lines were drawn for
        #: the width and style the lines on screen were drawn with (a change of either
        #: redraws the whole view; otherwise only the lines that changed)
        self._drawn_for: tuple[int, object] | None = None
        #: the page's style and view width while its lines are drawn (render_lines)
        self._pass: tuple[Style, int] | None = None
        #: pages drawn, by what they show, the width and the look (see the module)
        self._pages: LRUCache[Hashable, list[Strip]] = LRUCache(PAGES_KEPT)

    # -- what is shown -----------------------------------------------------------------

    def show(self, parts: Sequence[Part]) -> None:
        """Show ``parts`` in place of what is shown (the scroll position stays)."""
        self.parts = list(parts)
        self._width = -1
        self._draw()

    def text(self, name: str) -> str:
        """The plain text of the block ``name`` as shown ("" when it is left out)."""
        for part in self.parts:
            if isinstance(part, Block) and part.name == name and part.shown:
                return part.content.plain
        return ""

    def table_rows(self, name: str) -> list[list[str]]:
        """The rows of the table ``name`` as shown, each cell's plain text."""
        for part in self.parts:
            if isinstance(part, Table) and part.name == name:
                return [[c.plain for c in row] for row in part.rows]
        return []

    def shown_text(self) -> str:
        """Every line as drawn (all of them, not only those in view), as plain text."""
        return "\n".join(s.text.rstrip() for s in self._lines)

    # -- drawing -------------------------------------------------------------------------

    def _draw(self) -> None:
        """Draw every line for the current width; the view's size follows (a scroll bar
        that comes or goes changes the width: drawn once more for that one)."""
        if not self.is_attached or not self.size:
            return
        before, drawn_for, offset = self._lines, self._drawn_for, self.scroll_offset
        for _ in range(2):
            width = self.scrollable_content_region.width
            if width == self._width:
                break
            self._width = width
            self._lines = self._page(self.parts, width)
            wide = max((s.cell_length for s in self._lines), default=0)
            self._resize(Size(max(width, wide), len(self._lines)))
        self._drawn_for = (self._width, self.visual_style)
        if drawn_for == self._drawn_for and self.scroll_offset == offset:
            self._refresh_changed(before)
        else:
            self.refresh()

    def _refresh_changed(self, before: list[Strip]) -> None:
        """Redraw only the lines from the first that differs from ``before`` to the last
        (the same candidate shown again with a new status changes a line or two, not the
        page)."""
        after = self._lines
        longest = max(len(before), len(after))
        first = next((i for i, (a, b) in enumerate(zip(before, after, strict=False))
                      if a != b),
                     min(len(before), len(after)))
        if first == longest:
            return  # the same lines
        last = longest - 1
        if len(before) == len(after):
            while last > first and before[last] == after[last]:
                last -= 1
        self.refresh_lines(first, last - first + 1)

    def _resize(self, size: Size) -> None:
        if size == self.virtual_size:
            return
        # no layout of the screen (which a new virtual size asks for): the view's own
        # size does not change, only its scroll bars (which ask for one if they change)
        self.set_reactive(Sheet.virtual_size, size)
        self._scroll_update(size)

    def prepare(self, parts: Sequence[Part]) -> None:
        """Draw ``parts`` for the view's width without showing them: a :meth:`show` of
        the same parts later takes the lines drawn here."""
        if self.is_attached and self.size:
            self._page(parts, self.scrollable_content_region.width)

    def _page(self, parts: Sequence[Part], width: int) -> list[Strip]:
        """The lines of ``parts`` at ``width``: kept ones, else drawn (and kept)."""
        key = (tuple(part_key(p) for p in parts if p.shown), width, self.visual_style)
        lines = self._pages.get(key)
        if lines is None:
            lines = self._pages[key] = self._render_parts(parts, width)
        return lines

    def _render_parts(self, parts: Sequence[Part], width: int) -> list[Strip]:
        lines: list[Strip] = []
        style = self.visual_style
        for part in parts:
            if not part.shown:
                continue
            if isinstance(part, Table):
                lines += self._render_table(part, width)
                continue
            lines += [Strip.blank(0)] * part.pad
            lines += Visual.to_strips(self, part.content, width, None, style)
        return lines

    def _render_table(self, table: Table, width: int) -> list[Strip]:
        """The table as a ``DataTable`` draws it: header, then rows in zebra stripes,
        each row's style filling the width."""
        console = self.app.console
        header = [Text(c) for c in table.columns]
        widths = [c.cell_len for c in header]
        for row in table.rows:
            widths = [max(w, c.cell_len) for w, c in zip(widths, row, strict=True)]
        widths = [w + 2 for w in widths]  # one cell of padding each side
        rest = max(0, width - sum(widths))
        base = self.rich_style
        rows = [(header, self.get_component_rich_style("sheet--header"))]
        even = self.get_component_rich_style("sheet--even-row")
        odd = self.get_component_rich_style("sheet--odd-row")
        rows += [(row, odd if i % 2 else even) for i, row in enumerate(table.rows)]
        lines = []
        null = Style.null()
        for index, (cells, row_style) in enumerate(rows, -1):
            segments: list[Segment] = []
            for column, (cell, w) in enumerate(zip(cells, widths, strict=True)):
                # each cell marked with its place, as a DataTable does (which also keeps
                # the cells apart on screen and in screenshots)
                style = row_style + Style.from_meta({"row": index, "column": column})
                pad = Segment(" ", style)
                # a Text without spans renders without its own style: add it here
                own = style if cell.spans else style + console.get_style(cell.style,
                                                                         default=null)
                segments += [pad, *Segment.apply_style(cell.render(console), own),
                             Segment(" " * (w - 1 - cell.cell_len), style)]
            segments.append(Segment(" " * rest, row_style + Style.from_meta(
                {"row": index, "column": 0, "out_of_bounds": True})))
            lines.append(Strip(segments).adjust_cell_length(max(width, sum(widths)), base)
                         .simplify())
        return lines

    def on_resize(self) -> None:
        self._draw()

    def on_mount(self) -> None:
        super().on_mount()
        self._draw()

    def notify_style_update(self) -> None:
        """New styles (a theme): draw again with their colours when next in view."""
        super().notify_style_update()
        self._width = -1
        self._pages.clear()
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines in ``crop``; the style and width are looked up once for all of them
        (``rich_style`` walks every ancestor's styles: most of a line's cost)."""
        self._pass = (self.rich_style, self.scrollable_content_region.width)
        if self._pass[1] != self._width:  # a scroll bar came or went: draw again (checked
            self.call_later(self._draw)  # whatever rows are drawn, not only the first)
        try:
            return super().render_lines(crop)
        finally:
            self._pass = None

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        style, width = self._pass or (self.rich_style, self.scrollable_content_region.width)
        index = scroll_y + y
        if index >= len(self._lines):
            return Strip.blank(width, style)
        return self._lines[index].crop_extend(scroll_x, scroll_x + width, style)

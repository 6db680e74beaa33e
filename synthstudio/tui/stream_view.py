"""A text that grows at its end: the model's reply as it streams, wrapped, read while it runs.

New text is appended, never re-rendered whole: finished paragraphs are wrapped once and
kept as lines; only the paragraph still being written is wrapped again when text arrives.
Only the lines in view are drawn (Textual's line API), so a long reply costs no more per
update than a short one; a line drawn before is given again as it was (its styled strip
is kept while its wrapped line, the scroll column, the width and the style stay the
same), so a redraw styles only the open paragraph's lines. The view scrolls only when the
text gained a line, not at every token (a scroll lays the whole screen out again).

The view follows the stream (keeps its end in view) until the person scrolls up; then it
stays put while text keeps arriving, and ``End`` (or scrolling back to the bottom)
follows again. ``following`` says which; the pane shows it. All text is shown inert.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from synthstudio.boundary.inert import inert


@dataclass
class FollowChanged(Message):
    """The view started or stopped following the end of the stream."""

    following: bool


class StreamView(ScrollView, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("end", "follow", "Follow the stream", id="stream-follow", show=False),
        Binding("home", "scroll_home", "Top", show=False),
        Binding("up", "scroll_up", "Up", show=False),
        Binding("down", "scroll_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]

    #: True while the view keeps the end of the text in view
    following: reactive[bool] = reactive(True)

    def __init__(self, placeholder: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.placeholder = placeholder
        self._paras: list[str] = []  # finished paragraphs (inert)
        self._tail = ""  # the paragraph being written (inert)
        self._done: list[Strip] = []  # wrapped lines of the finished paragraphs
        self._tail_lines: list[Strip] = []
        self._width = 0
        self._moving = False  # our own scrolling, not the person's
        self._empty = True
        #: drawn lines: index -> (wrapped line, the line as drawn) for :attr:`_drawn_for`
        self._drawn: dict[int, tuple[Strip, Strip]] = {}
        self._drawn_for: tuple[object, ...] = ()

    # -- the text --------------------------------------------------------------------------

    @property
    def text(self) -> str:
        return "\n".join([*self._paras, self._tail]) if not self._empty else ""

    def clear(self) -> None:
        self.set_text("")

    def set_text(self, text: str) -> None:
        """Show ``text`` in place of what is shown (wrapped in full once)."""
        self._paras, self._tail, self._done, self._tail_lines = [], "", [], []
        self._empty = True
        self.following = True
        self.append(text)
        self._update()  # every line may have changed, and fewer may be left

    def append(self, text: str) -> None:
        """Add ``text`` at the end (the only per-token cost: the open paragraph re-wraps)."""
        if not text:
            return
        self._empty = False
        changed_from = len(self._done)  # the open paragraph's first line
        parts = inert_lines(self._tail + text)
        for para in parts[:-1]:
            self._paras.append(para)
            self._done.extend(self._wrap(para))
        self._tail = parts[-1]
        self._tail_lines = self._wrap(self._tail)
        self._update(changed_from)

    # -- wrapping and drawing ------------------------------------------------------------

    def _wrap(self, para: str) -> list[Strip]:
        width = self._width
        if width <= 0 or not self.is_attached:
            return []
        if not para:
            return [Strip.blank(0)]
        console = self.app.console
        lines = Text(para, no_wrap=False, overflow="fold").wrap(console, width)
        return [Strip(list(line.render(console)), line.cell_len) for line in lines]

    def _rewrap(self) -> None:
        self._done = [s for p in self._paras for s in self._wrap(p)]
        self._tail_lines = self._wrap(self._tail)

    @property
    def line_count(self) -> int:
        return len(self._done) + len(self._tail_lines)

    def _update(self, changed_from: int | None = None) -> None:
        """Size, scroll and redraw after a change; ``changed_from``: only lines from that
        one on changed (an append), so while the view does not scroll only they are drawn."""
        size = Size(self._width, self.line_count or 1)
        height = self.size.height
        if size != self.virtual_size:
            if height and min(size.height, self.virtual_size.height) > height:
                # taller than the view before and after: the view's own size does not
                # change, so no layout of the whole screen (which a new virtual size
                # asks for), only the scroll bar
                self.set_reactive(StreamView.virtual_size, size)
                self._scroll_update(size)
            else:
                self.virtual_size = size
        if self.following and self.scroll_offset.y != self.max_scroll_y:
            self._moving = True
            try:
                self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
            finally:
                self._moving = False
            changed_from = None  # every line in view moved
        if changed_from is None:
            self.refresh()
        else:
            self.refresh_lines(changed_from, max(1, self.line_count - changed_from))

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width != self._width:
            self._width = width
            self._rewrap()
            self._update()

    def on_mount(self) -> None:
        self._width = self.scrollable_content_region.width
        self._rewrap()
        self._update()

    def render_lines(self, crop: Region) -> list[Strip]:
        # a scroll bar came or went: wrap again (checked whatever rows are drawn: a frame
        # draws only the rows that changed, often not the first)
        if self.scrollable_content_region.width != self._width:
            self.call_later(self.on_resize)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        style = self.rich_style
        if self._empty and index == 0 and self.placeholder:
            strip = Strip([*Text(self.placeholder).render(self.app.console)])
        elif index < len(self._done):
            strip = self._done[index]
        elif index - len(self._done) < len(self._tail_lines):
            strip = self._tail_lines[index - len(self._done)]
        else:
            return Strip.blank(width, style)
        key = (scroll_x, width, style)
        if key != self._drawn_for or len(self._drawn) > 4 * max(self.size.height, 50):
            self._drawn, self._drawn_for = {}, key
        kept = self._drawn.get(index)
        if kept is not None and kept[0] is strip:
            return kept[1]
        drawn = strip.crop_extend(scroll_x, scroll_x + width, style).apply_style(style)
        self._drawn[index] = (strip, drawn)
        return drawn

    # -- following -------------------------------------------------------------------------

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._moving:
            return
        if new_value < old_value and new_value < self.max_scroll_y:
            self.following = False
        elif new_value >= self.max_scroll_y:
            self.following = True

    def action_follow(self) -> None:
        self.following = True
        self._update()

    def action_scroll_up(self) -> None:
        self.following = False
        super().action_scroll_up()

    def action_page_up(self) -> None:
        self.following = False
        super().action_page_up()

    def action_scroll_home(self) -> None:
        self.following = False
        super().action_scroll_home()

    def watch_following(self, value: bool) -> None:
        self.post_message(FollowChanged(value))


def inert_lines(text: str) -> list[str]:
    """``text`` split into lines, each made inert (a reply's CR and LF end lines)."""
    return [inert(line) for line in text.replace("\r\n", "\n").split("\n")]

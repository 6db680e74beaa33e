"""One list of records (candidates, seeds, topics, problems), kept in step with its options.

The panes and screens that list records each did the same things: show a list and keep
the highlight on the same record, find the record behind an option, drop one, add one.
:class:`RecordList` does them once, with the records kept by option id, so finding one
is a dict lookup and a change to one record redraws one option, not the whole list.

Every record is one line (long ones are cut with an ellipsis): ``OptionList`` measures
the height of every option again after each removal, which costs tens of milliseconds
per key on a queue of 2,000; a list of one-line options needs no measuring.

``OptionList`` also forgets every option's drawing when one is removed, because each
drawing carries the option's position (for the mouse), and a removal shifts the rest.
Here a drawing carries the option's id instead, so it stays right after a removal and
an accept redraws only what changed, not every row in view.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from typing import Generic, NamedTuple, Self, TypeVar

from textual import events
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Region, Size, Spacing
from textual.reactive import reactive
from textual.strip import Strip
from textual.style import Style
from textual.visual import Padding, Visual
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from synthstudio.tui.scrollbars import QuietScrollBars

R = TypeVar("R")


class _Pass(NamedTuple):
    """What every line of a drawing pass needs, looked up once for all of them."""

    padding: Spacing
    width: int
    scroll_y: int
    highlighted: int | None
    hover: int | None
    styles: dict[str, Style]  # by kind of option, filled as lines need them


class Row(Option):
    """An option hashed by identity in C: ``Option.__hash__`` (``id(self)`` in Python)
    runs for every dict operation on the options, thousands per key press on a long
    queue."""

    __hash__ = object.__hash__


class RecordList(OptionList, QuietScrollBars, Generic[R]):
    DEFAULT_CSS = """
    RecordList > .option-list--option {
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    #: ``OptionList``'s, without drawing the whole list again when it moves: the line it
    #: leaves and the line it reaches are drawn (:meth:`_watch_highlighted`), and a
    #: scroll that comes with it draws the view
    highlighted: reactive[int | None] = reactive(None, repaint=False)

    def __init__(self, key: Callable[[R], Hashable], label: Callable[[R], Content | str],
                 **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._key = key
        self._label = label
        self.records: dict[str, R] = {}
        self._made: dict[str, tuple[R, Option]] = {}
        self._drawn: LRUCache[tuple[Option, Style, Spacing, int], tuple[Visual, list[Strip]]]
        self._drawn = LRUCache(maxsize=2048)
        #: (options, width) the line table was last made for
        self._lines_for = (-1, -1)
        #: while lines are drawn (render_lines): what every line needs, looked up once
        self._pass: _Pass | None = None
        #: while options are inserted or removed: the first line that changes (the lines
        #: above it in view stay as they are drawn)
        self._changed_from: int | None = None
        #: while options are inserted or removed: the finished lines of the options in
        #: view below the change, to be put where those options land
        self._kept: dict[Option, Strip] = {}
        self._kept_width = -1  # the view's width the kept lines were drawn for

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._kept:  # scrolled by an insertion or removal: every line is drawn again
            top = self.scroll_offset.y
            self._reuse_lines(top, top + self.scrollable_content_region.height)

    def _watch_highlighted(self, old: int | None, new: int | None) -> None:
        for line in (old, new):
            if line is not None:
                self.refresh_lines(line)

    @contextmanager
    def _changing_from(self, line: int) -> Iterator[None]:
        """Options are inserted or removed from ``line`` on: the lines above it in view
        stay as they are drawn (see :meth:`_clear_caches`)."""
        self._changed_from = line
        self._kept = self._plain_lines_in_view()
        self._kept_width = self.scrollable_content_region.width
        try:
            yield
        finally:
            self._changed_from = None
            self._kept = {}

    def _plain_line(self, index: int) -> bool:
        """Whether option ``index`` is drawn as a plain option (not highlighted, under
        the mouse or disabled): its drawing does not depend on where it is."""
        return (index != self.highlighted and index != self._mouse_hovering_over
                and not self._options[index].disabled)

    def _plain_lines_in_view(self) -> dict[Option, Strip]:
        """The finished lines (styles applied) of the plain options in view, by option,
        as Textual's styles cache holds them now."""
        cache, top = self._styles_cache, self.content_offset.y
        scroll_y = self.scroll_offset.y
        kept: dict[Option, Strip] = {}
        for index in range(scroll_y, min(len(self._options),
                                         scroll_y + self.scrollable_content_region.height)):
            y = index - scroll_y + top
            strip = cache._cache.get(y)
            if strip is not None and y not in cache._dirty_lines and self._plain_line(index):
                kept[self._options[index]] = strip
        return kept

    def _reuse_lines(self, start: int, end: int) -> None:
        """Lines ``start`` to ``end`` (options, in view) are to be drawn again: those that
        show a plain option kept by :meth:`_changing_from` take its finished line from
        where it was, instead of being styled again (an insertion or a removal moves
        every line below it by one, and a scroll that keeps the highlight in view every
        line; each costs as much to style as to draw)."""
        if not self._kept:
            return
        if self.scrollable_content_region.width != self._kept_width:
            self._kept = {}  # a scroll bar came or went: the kept lines are too wide or short
            return
        cache, top = self._styles_cache, self.content_offset.y
        scroll_y = self.scroll_offset.y
        for index in range(start, min(end, len(self._options))):
            strip = self._kept.get(self._options[index])
            if strip is not None and self._plain_line(index):
                y = index - scroll_y + top
                cache._cache[y] = strip
                cache._dirty_lines.discard(y)

    def set_border_title(self, title: str) -> None:
        """Put ``title`` on the top border, drawing only that row: ``Widget.border_title``
        draws the whole list again (Textual 8.2 keeps the title as ``_border_title``, made
        as its setter makes it), and the queue's count changes with every decision."""
        if title == self.border_title:
            return
        self._border_title = self.render_str(title).expand_tabs(4).split()[0]
        offset = self.content_offset
        self.refresh(Region(-offset.x, -offset.y, self.outer_size.width, 1))

    def _refresh_from(self, start: int | None) -> None:
        """Draw the view again from line ``start`` down (all of it when ``start`` is None
        or above the view: every line in view moved)."""
        top = self.scroll_y
        if start is None or start < top or top != int(top):
            self.refresh()
            return
        end = int(top) + self.scrollable_content_region.height
        if start < end:
            self.refresh_lines(start, end - start)
            self._reuse_lines(start, end)

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines in ``crop``; what every line needs (the options' padding and width,
        the scroll position, the highlight, the styles) is looked up once for all of
        them, not once a line."""
        self._update_lines()
        self._pass = _Pass(
            self.get_component_styles("option-list--option").padding,
            self.scrollable_content_region.width - self._get_left_gutter_width(),
            self.scroll_offset.y, self.highlighted, self._mouse_hovering_over, {})
        try:
            return super().render_lines(crop)
        finally:
            self._pass = None

    def render_line(self, y: int) -> Strip:
        """``OptionList.render_line``, with what it looks up for every line looked up once
        a pass (:meth:`render_lines`)."""
        if self._pass is None:
            return super().render_line(y)
        _padding, _width, scroll_y, highlighted, hover, styles = self._pass
        try:
            index, offset = self._line_cache.lines[scroll_y + y]
            option = self._options[index]
        except IndexError:
            return super().render_line(y)  # below the last option: a blank line
        if option.disabled:
            kind = "option-list--option-disabled"
        elif index == highlighted:
            kind = "option-list--option-highlighted"
        elif index == hover:
            kind = "option-list--option-hover"
        else:
            kind = ""
        style = styles.get(kind)
        if style is None:
            style = styles[kind] = (self.get_visual_style("option-list--option", kind)
                                    if kind else self.get_visual_style("option-list--option"))
        strips = self._get_option_render(option, style)
        return strips[offset] if offset < len(strips) else super().render_line(y)

    def _get_option_render(self, option: Option, style: Style) -> list[Strip]:
        """The option's drawing, kept across removals (see the module's docstring)."""
        drawing = self._pass
        padding, width = (drawing.padding, drawing.width) if drawing else (
            self.get_component_styles("option-list--option").padding,
            self.scrollable_content_region.width - self._get_left_gutter_width())
        visual = self._get_visual(option)  # a new one when the prompt was replaced
        key = (option, style, padding, width)
        kept = self._drawn.get(key)
        if kept is not None and kept[0] is visual:
            return kept[1]
        shown: Visual = Padding(visual, padding) if padding else visual
        meta = {"option_id": option.id}
        strips = [strip.extend_cell_length(width, style.rich_style).apply_meta(meta)
                  for strip in shown.to_strips(self, shown, width, None, style)]
        self._drawn[key] = (visual, strips)
        return strips

    def _clear_caches(self) -> None:
        """After a change of options: one line per option, so the line table only has to
        follow their number (``OptionList`` rebuilds it whole, once per key press). The
        table and the view's size follow at once, not when the list is next drawn: a
        size that changes then refreshes the scroll bar after the screen was drawn, and
        the screen is drawn a second time for it."""
        cache = self._line_cache
        count = len(self._options)
        for index in range(count, len(cache.lines)):
            cache.index_to_line.pop(index, None)
            cache.heights.pop(index, None)
        del cache.lines[count:]
        self._update_lines()
        self._refresh_from(self._changed_from)

    def _remove_option(self, option: Option) -> Self:
        """``OptionList._remove_option``, with the options after it renumbered in one
        pass in C rather than one at a time in Python (a queue holds thousands)."""
        index = self._option_to_index.pop(option)
        self._mouse_hovering_over = None
        self._pre_remove_option(option, index)
        del self._options[index]
        if option.id is not None:
            del self._id_to_option[option.id]
        after = self._options[index:]
        self._option_to_index.update(zip(after, range(index, index + len(after)), strict=True))
        self.highlighted = self.highlighted
        self._clear_caches()
        return self

    def _index_at(self, meta: dict[str, object]) -> int | None:
        key = meta.get("option_id")
        if isinstance(key, str) and key in self.records:
            return self.get_option_index(key)
        return None

    async def _on_click(self, event: events.Click) -> None:
        index = self._index_at(event.style.meta)
        if index is not None and not self._options[index].disabled:
            self.highlighted = index
            self.action_select()

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        self._mouse_hovering_over = self._index_at(event.style.meta)

    def _update_lines(self) -> None:
        """One line per option: nothing to measure (see the module's docstring). Called
        many times a key press (every render, scroll and highlight): when neither the
        options nor the width changed since the last time, there is nothing to do."""
        if self._pass is not None:  # lines being drawn: made just before
            return
        region = self.scrollable_content_region
        if not region:
            return
        cache = self._line_cache
        lines = cache.lines
        width = region.width - self._get_left_gutter_width()
        if (len(lines), width) == self._lines_for and len(lines) == len(self._options):
            return
        for index in range(lines[-1][0] + 1 if lines else 0, len(self._options)):
            cache.index_to_line[index] = len(lines)
            cache.heights[index] = 1
            lines.append((index, 0))
        self._lines_for = (len(lines), width)
        size = Size(width, len(lines))
        if size != self.virtual_size:
            height = self.size.height
            if height and min(size.height, self.virtual_size.height) > height:
                # longer than the view before and after: its own size stays, so no
                # layout of the whole screen (which a new virtual size asks for)
                self.set_reactive(RecordList.virtual_size, size)
            else:
                self.virtual_size = size
            self._scroll_update(size)

    def _option(self, key: str, record: R) -> Option:
        """The option for ``record`` (the one made before if the record is the same)."""
        made = self._made.get(key)
        if made is not None and made[0] is record:
            return made[1]
        option = Row(self._label(record), id=key)
        self._made[key] = (record, option)
        return option

    def option_id(self, record: R) -> str:
        return str(self._key(record))

    def show(self, records: Iterable[R], focus: Hashable | None = None) -> None:
        """Show ``records``; highlight ``focus`` (a key), else the same record, else the
        first."""
        keep = focus if focus is not None else self.current_key()
        self.records = {self.option_id(r): r for r in records}
        self._made = {k: m for k, m in self._made.items() if k in self.records}
        self.set_options([self._option(k, r) for k, r in self.records.items()])
        self.highlight(keep)

    def highlight(self, key: Hashable | None) -> None:
        if key is not None and str(key) in self.records:
            self.highlighted = self.get_option_index(str(key))
        elif self.records:
            self.highlighted = 0

    def current_key(self) -> str | None:
        option = self.highlighted_option
        return option.id if option is not None else None

    def current(self) -> R | None:
        key = self.current_key()
        return self.records.get(key) if key is not None else None

    def neighbours(self, record: R) -> list[R]:
        """The records after and before ``record`` in the list (the next one first)."""
        key = self.option_id(record)
        if key not in self.records:
            return []
        index = self.get_option_index(key)
        near = [self._options[i].id for i in (index + 1, index - 1)
                if 0 <= i < len(self._options)]
        return [self.records[k] for k in near if k is not None and k in self.records]

    def record(self, option_id: str | None) -> R | None:
        return self.records.get(option_id) if option_id is not None else None

    def drop(self, record: R, focus: Hashable | None = None) -> None:
        """Remove ``record``'s option (if shown) and highlight ``focus``."""
        key = self.option_id(record)
        if self.records.pop(key, None) is None:
            self.highlight(focus)
            return
        with self._changing_from(self.get_option_index(key)):
            self.remove_option(key)
            self.highlight(focus)

    def prepend(self, record: R, limit: int) -> None:
        """Put ``record`` first (moving it if it is shown) and keep at most ``limit``;
        the highlight stays on the record it was on."""
        self.insert(0, record, limit)

    def insert(self, index: int, record: R, limit: int | None = None) -> None:
        """Put ``record`` at ``index`` (moving it if it is shown), keep at most ``limit``;
        the highlight stays on the record it was on. The other options are kept as they
        are (``show`` would make the list anew: tens of milliseconds for 2,000)."""
        keep = self.current_key()
        key = self.option_id(record)
        index = max(0, index)
        shown = key in self.records
        first = min(index, self.get_option_index(key) if shown else len(self._options))
        with self._changing_from(first):
            if self.records.pop(key, None) is not None:
                self.remove_option(key)
            self._insert(index, key, record, limit)
            self._highlight_again(keep)

    def _insert(self, index: int, key: str, record: R, limit: int | None) -> None:
        index = min(index, len(self._options))
        option = self._option(key, record)
        self._options.insert(index, option)
        self._id_to_option[key] = option
        after = self._options[index:]
        self._option_to_index.update(zip(after, range(index, index + len(after)), strict=True))
        items = list(self.records.items())
        items.insert(index, (key, record))
        self.records = dict(items)
        if limit is not None:
            for extra in list(self.records)[limit:]:
                del self.records[extra]
                self.remove_option(extra)
        self._clear_caches()
        self._update_lines()

    def _highlight_again(self, key: str | None) -> None:
        """Highlight ``key`` at its new index without saying so: it is the same record,
        and ``OptionHighlighted`` (which a new index posts) goes up to the app as a new
        candidate in focus, on every accept for the Pool pane's list."""
        if key is None or key not in self.records:
            self.highlight(key)
            return
        index = self.get_option_index(key)
        if index != self.highlighted:
            before = self.highlighted
            self.set_reactive(OptionList.highlighted, index)
            self.scroll_to_highlight()
            self._watch_highlighted(before, index)

    def append(self, record: R) -> None:
        key = self.option_id(record)
        if key in self.records:
            self.update(record)
            return
        self.records[key] = record
        self.add_option(self._option(key, record))
        if self.highlighted is None:
            self.highlighted = 0

    def update(self, record: R) -> None:
        """Redraw ``record``'s option (its label may have changed)."""
        key = self.option_id(record)
        if key in self.records:
            self.records[key] = record
            self._made.pop(key, None)
            self.replace_option_prompt(key, self._label(record))

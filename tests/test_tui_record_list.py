"""RecordList keeps its drawings and its line table across removals: what it shows, where a
click lands and what is highlighted must stay right after every change."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.strip import Strip

from synthstudio.tui.record_list import RecordList
from tests.tui_kit import Item


class ListApp(App[None]):
    CSS = "RecordList { border: none; padding: 0; }"

    def compose(self) -> ComposeResult:
        yield RecordList[Item](key=lambda r: r.id, label=lambda r: r.text, id="list")

    @property
    def listing(self) -> RecordList[Item]:
        return self.query_one(RecordList)


def rows(app: ListApp, n: int) -> list[str]:
    """The first ``n`` rows as drawn on screen."""
    return [app.listing.render_line(y).text.rstrip() for y in range(n)]


async def test_rows_and_clicks_follow_a_removal() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 12)) as pilot:
        items = [Item(i, f"item {i}") for i in range(30)]
        app.listing.show(items)
        await pilot.pause()
        assert rows(app, 3) == ["item 0", "item 1", "item 2"]
        app.listing.drop(items[1], focus=2)
        await pilot.pause()
        assert rows(app, 3) == ["item 0", "item 2", "item 3"]
        assert len(app.listing._line_cache.lines) == 29
        # a click on the second row picks the record drawn there, not the one that was
        await pilot.click(RecordList, offset=(2, 1))
        assert app.listing.current() is items[2]
        await pilot.click(RecordList, offset=(2, 2))
        assert app.listing.current() is items[3]


async def test_a_changed_label_is_drawn_anew() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 12)) as pilot:
        items = [Item(i, f"item {i}") for i in range(5)]
        app.listing.show(items)
        await pilot.pause()
        assert rows(app, 1) == ["item 0"]
        app.listing.update(Item(0, "changed"))
        await pilot.pause()
        assert rows(app, 1) == ["changed"]


async def test_prepend_moves_to_the_top_keeps_the_limit_and_the_highlight() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 12)) as pilot:
        items = [Item(i, f"item {i}") for i in range(5)]
        app.listing.show(items, focus=3)
        await pilot.pause()
        app.listing.prepend(Item(9, "new"), limit=5)
        await pilot.pause()
        assert list(app.listing.records) == ["9", "0", "1", "2", "3"]
        assert rows(app, 5) == ["new", "item 0", "item 1", "item 2", "item 3"]
        assert app.listing.current_key() == "3"
        app.listing.prepend(items[2], limit=5)  # already shown: moves up, no duplicate
        await pilot.pause()
        assert list(app.listing.records) == ["2", "9", "0", "1", "3"]
        assert rows(app, 5) == ["item 2", "new", "item 0", "item 1", "item 3"]
        assert app.listing.current_key() == "3"
        await pilot.click(RecordList, offset=(2, 1))
        assert app.listing.current_key() == "9"


async def test_insert_puts_a_record_in_its_place_and_keeps_the_rest() -> None:
    """An item back in the queue goes to its place; the other options stay as they were
    (not made anew), the highlight stays on its record, clicks land right."""
    app = ListApp()
    async with app.run_test(size=(40, 12)) as pilot:
        items = [Item(i, f"item {i}") for i in range(0, 40, 2)]
        app.listing.show(items, focus=4)
        await pilot.pause()
        before = list(app.listing._options)
        back = Item(3, "item 3")
        app.listing.insert(2, back)
        await pilot.pause()
        assert rows(app, 4) == ["item 0", "item 2", "item 3", "item 4"]
        assert list(app.listing.records)[:4] == ["0", "2", "3", "4"]
        assert app.listing.current() is items[2]  # still item 4
        kept = [o for o in app.listing._options if o.id != "3"]
        assert all(a is b for a, b in zip(kept, before, strict=True))
        assert len(app.listing._line_cache.lines) == len(items) + 1
        await pilot.click(RecordList, offset=(2, 2))
        assert app.listing.current() is back
        app.listing.insert(0, Item(4, "item 4"))  # moving one that is shown
        await pilot.pause()
        assert rows(app, 2) == ["item 4", "item 0"] and len(app.listing.records) == 21


async def test_lines_drawn_in_one_pass_are_the_lines_option_list_draws() -> None:
    """``render_lines`` looks the highlight, hover, scroll row and styles up once a pass;
    each line must still be what ``OptionList.render_line`` draws for it: the highlighted,
    hovered and disabled options in their own styles, blank below the last option."""
    from textual.geometry import Region
    from textual.widgets import OptionList

    app = ListApp()
    async with app.run_test(size=(40, 12)) as pilot:
        items = [Item(i, f"item {i}") for i in range(16)]
        app.listing.show(items)
        await pilot.pause()
        listing = app.listing
        listing.disable_option("7")
        listing.highlighted = 5
        listing._mouse_hovering_over = 6
        listing.scroll_to(y=3, animate=False, immediate=True)
        await pilot.pause()
        assert listing.scroll_offset.y == 3
        height = listing.size.height
        drawn = listing.render_lines(Region(0, 0, listing.size.width, height))
        listing._styles_cache.clear()
        expected = listing._styles_cache.render_widget(  # each line on its own
            listing, Region(0, 0, listing.size.width, height))
        assert [s.text for s in drawn] == [s.text for s in expected]
        assert drawn == expected
        # and the styles differ where they should: highlighted, hovered, disabled, plain
        own = [OptionList.render_line(listing, y) for y in (2, 3, 4, 5)]
        assert len({tuple(seg.style for seg in s) for s in own}) == 4
        listing.show(items[:4])  # fewer options than rows: blank lines below them
        await pilot.pause()
        drawn = listing.render_lines(Region(0, 0, listing.size.width, height))
        listing._styles_cache.clear()
        assert drawn == listing._styles_cache.render_widget(
            listing, Region(0, 0, listing.size.width, height))
        assert drawn[3].text.strip() == "item 3" and drawn[-1].text.strip() == ""


class BorderedApp(ListApp):
    CSS = "RecordList { border: round $primary; padding: 0; height: 12; }"


def dirty_rows(app: ListApp) -> list[list[int] | None]:
    """Record which lines of the list each refresh marks, in its content's coordinates
    (-1 is the top border), None for a refresh of the whole list."""
    marked: list[list[int] | None] = []
    real = app.listing._set_dirty

    def spy(*regions):  # type: ignore[no-untyped-def]
        marked.append(sorted({y for r in regions for y in range(r.y, r.bottom)})
                      if regions else None)
        real(*regions)

    app.listing._set_dirty = spy  # type: ignore[method-assign]
    return marked


def lines_of(marked: list[list[int] | None]) -> list[int]:
    assert None not in marked, "the whole list was drawn again"
    return sorted({y for m in marked if m is not None for y in m})


async def test_a_moving_highlight_and_a_changed_title_draw_only_their_rows() -> None:
    """Down redraws the line it leaves and the line it reaches; the title, the top border
    row; a removal or an insertion, the lines from it down; OptionList drew the whole
    list for each."""
    app = BorderedApp()
    async with app.run_test(size=(40, 14)) as pilot:
        items = [Item(i, f"item {i}") for i in range(30)]
        app.listing.show(items)
        app.listing.focus()
        await pilot.pause()
        marked = dirty_rows(app)
        await pilot.press("down")
        assert lines_of(marked) == [0, 1]
        marked.clear()
        app.listing.set_border_title("queue · 29 waiting")
        assert lines_of(marked) == [-1]
        marked.clear()
        app.listing.drop(items[5], focus=1)
        assert min(lines_of(marked)) == 5
        await pilot.pause()
        assert rows(app, 6) == ["item 0", "item 1", "item 2", "item 3", "item 4", "item 6"]
        marked.clear()
        app.listing.insert(3, Item(99, "back"))
        assert min(lines_of(marked)) == 3
        await pilot.pause()
        assert rows(app, 5) == ["item 0", "item 1", "item 2", "back", "item 3"]
        assert app.listing.current() is items[1]  # the highlight stayed on its record


def on_screen(listing: RecordList[Item]) -> list[Strip]:
    """The list's finished lines as the screen takes them (from Textual's styles cache,
    where a line drawn before is reused)."""
    return list(listing._styles_cache.render_widget(listing, listing.outer_size.region))


def drawn_anew(listing: RecordList[Item]) -> list[Strip]:
    """The same lines drawn from nothing."""
    listing._styles_cache.clear()
    return on_screen(listing)


async def test_lines_moved_by_a_change_are_reused_and_stay_right() -> None:
    """An insertion or a removal moves the lines below it by one (and a scroll that keeps
    the highlight in view, all of them): the moved lines are taken from where they were
    drawn, not styled again, and every line is still what a drawing from nothing gives
    (a line that changes its look, the highlight, is drawn again)."""
    app = BorderedApp()
    async with app.run_test(size=(40, 14)) as pilot:
        items = [Item(i, f"item {i}") for i in range(30)]
        listing = app.listing
        listing.show(items)
        listing.focus()
        listing.highlighted = 4
        await pilot.pause()
        styled: list[int] = []
        real = listing._styles_cache.render_line

        def spy(styles, y, *args):  # type: ignore[no-untyped-def]
            styled.append(y)
            return real(styles, y, *args)

        listing._styles_cache.render_line = spy  # type: ignore[method-assign]
        height = listing.scrollable_content_region.height

        listing.drop(items[2], focus=items[4].id)  # a removal above the highlight
        await pilot.pause()
        shown = on_screen(listing)
        assert listing.current() is items[4]
        # the last row (a new option) and the highlight's old and new rows, not the rest
        assert 0 < len(styled) <= 4, styled
        assert shown == drawn_anew(listing)

        styled.clear()
        listing.drop(items[4], focus=items[5].id)  # the highlighted one goes
        await pilot.pause()
        shown = on_screen(listing)
        assert listing.current() is items[5]
        assert 0 < len(styled) <= 4, styled
        assert shown == drawn_anew(listing)

        # the highlight on the last row: an insertion above it scrolls the view by one
        listing.highlighted = height - 1
        await pilot.pause()
        keep = listing.current()
        top = listing.scroll_offset.y
        styled.clear()
        listing.insert(1, Item(99, "back"))
        await pilot.pause()
        assert listing.scroll_offset.y == top + 1 and listing.current() is keep
        shown = on_screen(listing)
        assert 0 < len(styled) <= 4, styled
        assert shown == drawn_anew(listing)
        assert "back" in [s.text.strip("│ ") for s in shown]


async def test_lines_are_drawn_anew_when_a_change_takes_the_scroll_bar_away() -> None:
    """A removal that makes the list fit its view takes the scroll bar away and widens
    the lines: the kept lines, drawn for the narrower view, are not reused."""
    app = BorderedApp()
    async with app.run_test(size=(40, 14)) as pilot:
        listing = app.listing
        height = listing.scrollable_content_region.height
        items = [Item(i, f"item {i} " + "long words " * 6) for i in range(height + 1)]
        listing.show(items)
        listing.focus()
        await pilot.pause()
        assert listing.show_vertical_scrollbar
        narrow = listing.scrollable_content_region.width
        listing.drop(items[1], focus=items[0].id)  # in view: the lines below it move
        await pilot.pause()
        assert not listing.show_vertical_scrollbar
        assert listing.scrollable_content_region.width > narrow
        shown = on_screen(listing)
        assert shown == drawn_anew(listing)

"""Scroll bars drawn again only when they would look different (tui/scrollbars.py): the
thumb's cells as worked out agree with Textual's own drawing, and a bar on screen still
follows its list."""

from __future__ import annotations

import random

from textual.app import App, ComposeResult
from textual.scrollbar import ScrollBarRender

from synthstudio.tui.record_list import RecordList
from synthstudio.tui.scrollbars import EMPTY, thumb_cells
from tests.tui_kit import Item


def drawn(size: int, virtual: int, window: int, position: float) -> list[tuple[str, object]]:
    bar = ScrollBarRender.render_bar(size=size, virtual_size=virtual, window_size=window,
                                     position=position)
    return [(s.text, s.style) for s in bar.segments]


def test_the_same_cells_are_the_same_drawing_and_other_cells_another() -> None:
    rng = random.Random(7)
    seen: dict[tuple[int, int, object], list[tuple[str, object]]] = {}
    for _ in range(4000):
        size = rng.choice([5, 10, 21])
        virtual = rng.choice([0, 3, 10, 21, 22, 40, 300, 1999, 2000])
        window = rng.choice([0, size, size - 1])
        if virtual == window:
            assert thumb_cells(size, virtual, window, 0) in (None, EMPTY)
            continue
        top = max(0, virtual - window)
        position = int(rng.uniform(0, top) * 8) / 8 if top else 0
        key = (size, virtual > 0, thumb_cells(size, virtual, window, position))
        picture = drawn(size, virtual, window, position)
        assert seen.setdefault(key, picture) == picture, key
    # thumbs in other cells are drawn differently
    pictures = {(k[0], k[2]): p for k, p in seen.items() if k[2] not in (None, EMPTY)}
    by_size: dict[int, set[str]] = {}
    for (size, _cells), picture in pictures.items():
        by_size.setdefault(size, set()).add(repr(picture))
    assert all(len(v) == sum(1 for k in pictures if k[0] == s) for s, v in by_size.items())


class Long(App[None]):
    CSS = "RecordList { border: none; padding: 0; height: 10; }"

    def compose(self) -> ComposeResult:
        yield RecordList[Item](key=lambda r: r.id, label=lambda r: r.text)


def bar_on_screen(app: Long) -> list[str]:
    bar = app.query_one(RecordList).vertical_scrollbar
    region = bar.region
    strips = app.screen._compositor.render_strips()
    return [repr(list(strips[y].crop(region.x, region.right))) for y in range(region.y,
                                                                               region.bottom)]


async def test_a_long_list_keeps_its_bar_true_after_removals_and_scrolling() -> None:
    app = Long()
    async with app.run_test(size=(30, 12)) as pilot:
        listing = app.query_one(RecordList)
        items = [Item(i, f"item {i}") for i in range(2000)]
        listing.show(items)
        await pilot.pause()
        top = bar_on_screen(app)
        bar = listing.vertical_scrollbar
        redrawn = []
        refresh = bar.refresh
        bar.refresh = lambda *a, **k: redrawn.append(1) or refresh(*a, **k)  # type: ignore[method-assign]
        listing.drop(items[5])
        await pilot.pause()
        assert not redrawn  # 1999 lines put the thumb in the same cells as 2000
        assert bar.window_virtual_size == 1999  # the values are true even when not redrawn
        assert bar_on_screen(app) == top
        listing.scroll_end(animate=False)
        await pilot.pause()
        assert bar.position == listing.scroll_y > 0
        assert bar_on_screen(app) != top  # the thumb moved to the end, on screen
        listing.scroll_home(animate=False)
        await pilot.pause()
        assert bar_on_screen(app) == top


class SheetApp(App[None]):
    CSS = "Sheet { scrollbar-size-vertical: 2; scrollbar-size-horizontal: 2; }"

    def compose(self) -> ComposeResult:
        from synthstudio.tui.sheet import Sheet

        yield Sheet(id="sheet")


async def test_quick_bars_draw_what_textual_draws_in_every_state() -> None:
    """QuickScrollBar makes its lines itself: they must be the lines ``ScrollBar`` draws
    through Rich and the widget's styles, cell for cell and colour for colour, for a
    thumb anywhere, hovered or grabbed, both directions, thick bars and both themes, with
    the app's line filters applied the same way."""
    from rich.text import Text
    from textual.geometry import Offset
    from textual.scrollbar import ScrollBar

    from synthstudio.tui.scrollbars import QuickScrollBar
    from synthstudio.tui.sheet import Table

    app = SheetApp()
    async with app.run_test(size=(40, 12)) as pilot:
        sheet = app.query_one("#sheet")
        sheet.show([Table("t", ("a", "b"), [[Text("x" * 70), Text(str(i))]  # type: ignore[attr-defined]
                                            for i in range(40)])])
        await pilot.pause()
        bars = [sheet.vertical_scrollbar, sheet.horizontal_scrollbar]
        assert all(type(b) is QuickScrollBar and b.size for b in bars)
        compared = 0
        assert bars[0].get_line_filters()  # the true-colour filter of a headless app
        for theme in ("textual-dark", "textual-light"):
            app.theme = theme
            for at in (0, 3, 17, 100):
                sheet.scroll_to(x=at, y=at, animate=False, immediate=True)
                for hover, grab in ((False, False), (True, False), (False, True)):
                    for bar in bars:
                        bar.mouse_over, bar.grabbed = hover, Offset(0, 0) if grab else None
                    await pilot.pause()
                    for bar in bars:
                        region = bar.size.region
                        quick = bar.render_lines(region)
                        bar._styles_cache.clear()
                        bar.refresh()
                        assert quick == ScrollBar.render_lines(bar, region), (theme, at)
                        part = region.crop_size((region.width, 1))  # a crop of one row
                        assert bar.render_lines(part) == quick[:1]
                        compared += 1
        assert compared == 2 * 4 * 3 * 2

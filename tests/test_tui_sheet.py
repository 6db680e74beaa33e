"""The Sheet that draws the Scores pane: text blocks wrapped, a table in a DataTable's
looks, sideways scrolling for a wide table, only what is there."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.content import Content

from synthstudio.tui.sheet import Block, Sheet, Table

COLUMNS = ("filter", "result", "detail")


class One(App[None]):
    def compose(self) -> ComposeResult:
        yield Sheet()


def rows(n: int, detail: str = "ok") -> list[list[Text]]:
    return [[Text(f"check{i}"), Text("✓ pass", style="green"), Text(detail)]
            for i in range(n)]


async def test_blocks_wrap_empty_ones_are_left_out_and_pads_are_blank_lines():
    app = One()
    async with app.run_test(size=(30, 12)) as pilot:
        sheet = app.query_one(Sheet)
        sheet.show([Block("verdict", Content("#1 accepted"), keep=True),
                    Block("heading", Content("word " * 10)),
                    Block("body", Content("  \n"), pad=1),
                    Block("nearest", Content("near"), pad=1)])
        await pilot.pause()
        drawn = sheet.shown_text().splitlines()
        assert drawn[0] == "#1 accepted"
        # 28 columns: the vertical scroll bar (2) is always there, so that one coming
        # and going with the page's length never lays out the screen
        assert sheet.scrollable_content_region.width == 28
        assert sheet.show_vertical_scrollbar
        assert drawn[1:3] == ["word word word word word", "word word word word word"]
        assert drawn[3:] == ["", "near"]  # the blank body is not there, its pad neither
        assert sheet.text("body") == "" and sheet.text("nearest") == "near"
        assert sheet.virtual_size.height == 5


async def test_a_table_is_drawn_as_a_data_table_with_zebra_rows():
    app = One()
    async with app.run_test(size=(40, 10)) as pilot:
        sheet = app.query_one(Sheet)
        sheet.show([Table("filters", COLUMNS, rows(3)), Block("after", Content("x"), pad=1)])
        await pilot.pause()
        drawn = sheet.shown_text().splitlines()
        assert drawn[:4] == [" filter  result  detail", " check0  ✓ pass  ok",
                             " check1  ✓ pass  ok", " check2  ✓ pass  ok"]
        assert drawn[4:] == ["", "x"]
        assert sheet.table_rows("filters")[1] == ["check1", "✓ pass", "ok"]
        strips = sheet._lines
        header = strips[0]._segments[0].style
        even, odd = strips[1]._segments[0].style, strips[2]._segments[0].style
        assert header.bold and header.bgcolor != even.bgcolor
        assert even.bgcolor != odd.bgcolor  # zebra stripes
        assert strips[1].cell_length == sheet.scrollable_content_region.width  # filled
        mark = next(s for s in strips[1]._segments if s.text == "✓ pass")
        assert mark.style.color is not None and mark.style.color.name == "green"
        assert not sheet.show_horizontal_scrollbar


async def test_a_wide_table_scrolls_sideways_and_a_long_page_down():
    app = One()
    async with app.run_test(size=(30, 6)) as pilot:
        sheet = app.query_one(Sheet)
        sheet.show([Table("filters", COLUMNS, rows(8, detail="a detail that is long"))])
        await pilot.pause()
        assert sheet.virtual_size.width > sheet.scrollable_content_region.width
        assert sheet.show_horizontal_scrollbar and sheet.show_vertical_scrollbar
        sheet.focus()
        await pilot.press("end", "right")
        await pilot.pause()
        assert sheet.scroll_offset.x > 0 and sheet.scroll_offset.y > 0
        last = sheet.render_line(sheet.scrollable_content_region.height - 1).text
        assert last.startswith("check7  ✓ pass")  # the last row, one cell to the right
        # a shorter page keeps the view where it can: nothing to scroll, no sideways
        # scroll bar; the vertical one stays (it never comes and goes: no layout)
        sheet.show([Block("verdict", Content("short"), keep=True)])
        await pilot.pause()
        assert sheet.scroll_offset == (0, 0)
        assert not sheet.show_horizontal_scrollbar and sheet.show_vertical_scrollbar
        assert sheet.render_line(0).text.startswith("short")


async def test_a_new_theme_draws_the_table_in_its_colours():
    app = One()
    async with app.run_test(size=(40, 10)) as pilot:
        app.theme = "textual-dark"
        sheet = app.query_one(Sheet)
        sheet.show([Table("filters", COLUMNS, rows(2))])
        await pilot.pause()
        dark = sheet.render_line(0)._segments[0].style.bgcolor
        app.theme = "textual-light"
        await pilot.pause()
        await pilot.pause()
        light = sheet.render_line(0)._segments[0].style.bgcolor
        assert dark is not None and light is not None and dark != light
        assert sheet.render_line(0).text.startswith(" filter")

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


async def test_showing_a_page_again_redraws_only_the_lines_that_changed():
    """The same candidate shown again with a new status differs in a line or two: only
    those are drawn again; a page of another length is redrawn to its old end."""
    app = One()
    async with app.run_test(size=(40, 14)) as pilot:
        sheet = app.query_one(Sheet)

        def page(verdict: str, n: int = 3) -> list[Block | Table]:
            return [Block("verdict", Content(verdict), keep=True),
                    Table("filters", COLUMNS, rows(n)), Block("after", Content("x"), pad=1)]

        sheet.show(page("#1 accepted"))
        await pilot.pause()
        lines: list[tuple[int, int]] = []
        whole: list[bool] = []
        real_lines, real_refresh = sheet.refresh_lines, sheet.refresh
        sheet.refresh_lines = lambda y, n=1: (lines.append((y, n)),  # type: ignore[method-assign]
                                              real_lines(y, n))[1]
        sheet.refresh = lambda *a, **k: (whole.append(not a),  # type: ignore[method-assign]
                                         real_refresh(*a, **k))[1]
        sheet.show(page("#1 accepted"))  # the same page: nothing to draw
        assert lines == [] and True not in whole
        sheet.show(page("#1 proposed"))  # one line differs
        assert lines == [(0, 1)] and True not in whole
        lines.clear()
        sheet.show(page("#1 proposed", n=1))  # shorter: from the first change to the old end
        assert lines == [(3, 4)] and True not in whole
        await pilot.pause()
        assert sheet.shown_text().splitlines() == [
            "#1 proposed", " filter  result  detail", " check0  ✓ pass  ok", "", "x"]


def spy_drawing(sheet: Sheet) -> list[int]:
    """Count the pages ``sheet`` draws (kept pages are not drawn again)."""
    drawn: list[int] = []
    real = sheet._render_parts

    def spy(parts, width):  # type: ignore[no-untyped-def]
        drawn.append(width)
        return real(parts, width)

    sheet._render_parts = spy  # type: ignore[method-assign]
    return drawn


def page(style: str) -> list[Block | Table]:
    return [Block("verdict", Content.styled("#2 proposed", style), keep=True),
            Table("filters", COLUMNS, rows(2)), Block("body", Content("text " * 30), pad=1)]


async def test_a_page_drawn_ahead_is_shown_without_drawing_it_again():
    """``prepare`` draws a page that is not shown; showing parts made anew with the same
    content takes those lines (the same as a page drawn from nothing), while parts with
    the same words in another style are a different page, drawn."""
    app = One()
    async with app.run_test(size=(40, 12)) as pilot:
        sheet = app.query_one(Sheet)
        sheet.show([Block("verdict", Content("#1"), keep=True)])
        await pilot.pause()
        drawn = spy_drawing(sheet)
        sheet.prepare(page("bold"))
        assert len(drawn) == 1 and sheet.text("verdict") == "#1"  # not shown
        sheet.show(page("bold"))
        assert len(drawn) == 1  # taken, not drawn
        kept = sheet._lines
        sheet._pages.clear()
        sheet.show(page("bold"))
        assert len(drawn) == 2 and sheet._lines == kept  # drawn from nothing: the same
        sheet.show(page("italic"))  # the same plain text, another style
        assert len(drawn) == 3 and sheet._lines != kept
        assert sheet._lines[0]._segments[0].style.italic


async def test_the_scores_pane_draws_the_next_candidates_page_while_the_person_reads(
        tmp_path):
    """After a pause on a candidate, the Scores pane has drawn its neighbours' pages: the
    next key shows one without drawing; one that changed since is drawn anew."""
    from synthstudio.records import ACCEPTED
    from synthstudio.store import Pool
    from synthstudio.tui.panes.scores import AHEAD_AFTER_S, heading
    from tests.tui_kit import fill, fixed_candidates, make_app, settled

    pool = Pool(tmp_path / "pool.db")
    fill(pool)
    proposed = fixed_candidates()[2]  # a third and a fourth item in the queue
    for text in ("Tell whether the note sounds sad or glad.",
                 "Tell whether the line sounds loud or soft."):
        proposed.id, proposed.instruction = None, text
        pool.add_candidate(proposed)
    app = make_app(tmp_path, pool)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await settled(pilot)
            listing = app.generation.listing
            listing.focus()
            await pilot.pause(AHEAD_AFTER_S * 5)  # the person reads the first item
            assert listing.highlighted == 0
            sheet = app.scores.sheet
            drawn = spy_drawing(sheet)
            await pilot.press("down")
            await pilot.pause()
            second = listing.current()
            assert app.scores.candidate is second and drawn == []
            assert sheet.text("heading") == heading(second).plain
            # the next pause draws the one after it (the one before is kept already) ...
            await pilot.pause(AHEAD_AFTER_S * 5)
            assert len(drawn) == 1
            # ... which changes before it is shown: drawn anew
            third = listing.neighbours(second)[0]
            third.status = ACCEPTED
            await pilot.press("down")
            await pilot.pause()
            assert app.scores.candidate is third and len(drawn) == 2
            assert "accepted" in sheet.text("verdict")
            # a key that comes while pages are drawn ahead stops the rest of them
            app.scores._ahead_due()
            assert len(drawn) == 3  # the first of third's two neighbours
            app.scores.draw_ahead([second])
            await pilot.pause()
            assert len(drawn) == 3
    finally:
        pool.close()

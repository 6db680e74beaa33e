"""The data report (D) and the topics (T) and problems (B) editors in the studio."""

from __future__ import annotations

from textual.widgets import DataTable, OptionList, Static

from synthstudio.tui.screens.report import ReportScreen
from synthstudio.tui.screens.rows import RowsScreen
from tests.tui_kit import fill, make_app, settled, wait_for

SIZE = (120, 40)
TOPICS = [{"topic": "How plants turn light into food", "field": "science", "extract": ""},
          {"topic": "Saving money for a bicycle", "field": "practical", "extract": ""}]


async def test_report_shows_the_counts_of_the_pool(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("D")
        screen = app.screen
        assert isinstance(screen, ReportScreen)
        await wait_for(pilot, lambda: screen.data is not None)
        assert screen.count_at("all", "accepted") == 2
        assert screen.count_at("all", "proposed") == 2
        assert screen.count_at("all", "rejected") == 1
        assert screen.count_at("recipe:self-instruct", "total") == 5
        reasons = screen.query_one("#report-reasons", DataTable)
        assert [str(v) for v in reasons.get_column_at(0)] == ["filter:rouge_l"]
        rouge = str(screen.query_one("#report-rouge", Static).render())
        assert "ROUGE-L" in rouge and "█" in rouge
        assert "building" not in str(screen.query_one("#report-state", Static).render())
        await pilot.press("escape")
        assert not isinstance(app.screen, ReportScreen)


async def test_topics_edit_new_and_delete(tmp_path, pool):
    pool.add_rows("topics", [dict(t) for t in TOPICS])
    first = pool.list_rows("topics")[0]["id"]
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("T")
        screen = app.screen
        assert isinstance(screen, RowsScreen) and screen.kind.table == "topics"
        await wait_for(pilot, lambda: screen.loaded)  # opens at once, then fills in
        listing = screen.query_one("#rows-list", OptionList)
        assert listing.option_count == 2 and screen.selected_id == first

        await pilot.press("enter")
        assert screen.focused is screen.area("topic")
        await pilot.press("end", *"s!")
        await settled(pilot)
        await wait_for(pilot, lambda: pool.list_rows("topics")[0]["topic"]
                       == "How plants turn light into foods!")

        await pilot.press("escape")
        assert screen.focused is listing
        await pilot.press("n")
        await settled(pilot)
        rows = pool.list_rows("topics")
        assert len(rows) == 3 and rows[-1]["topic"] == ""
        assert screen.selected_id == rows[-1]["id"]
        assert "topic is empty" in str(screen.query_one("#rows-errors", Static).render())
        await pilot.press(*"Tides")
        await pilot.press("escape")
        await settled(pilot)
        assert pool.list_rows("topics")[-1]["topic"] == "Tides"

        listing.highlighted = 0
        await pilot.pause()
        assert screen.selected_id == first
        await pilot.press("d", "y")
        await settled(pilot)
        left = [r["topic"] for r in pool.list_rows("topics")]
        assert left == ["Saving money for a bicycle", "Tides"]
        assert listing.option_count == 2
        await pilot.press("escape")
        assert not isinstance(app.screen, RowsScreen)


async def test_problems_edit_answer(tmp_path, pool):
    pool.add_rows("problems", [{"key": "p1", "problem": "What is 2 + 2?", "answer": "5",
                                "kind": "arithmetic"}])
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("B")
        screen = app.screen
        assert isinstance(screen, RowsScreen) and screen.kind.table == "problems"
        await wait_for(pilot, lambda: screen.loaded)
        answer = screen.area("answer")
        answer.focus()
        await pilot.press("delete", "4")
        assert answer.text == "4"
        await wait_for(pilot, lambda: pool.list_rows("problems")[0]["answer"] == "4")
        answer.clear()
        await pilot.pause()
        assert "answer is empty" in str(screen.query_one("#rows-errors", Static).render())
        await pilot.press("escape", "escape")
        assert not isinstance(app.screen, RowsScreen)
        assert pool.list_rows("problems")[0]["answer"] == ""

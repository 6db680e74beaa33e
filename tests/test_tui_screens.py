"""The data report (D) and the topics (T) and problems (B) editors in the studio."""

from __future__ import annotations

from textual.widgets import DataTable, OptionList, Static

from synthstudio.records import Problem, Topic
from synthstudio.tui.screens.report import ReportScreen
from synthstudio.tui.screens.rows import RowsScreen
from tests.tui_kit import fill, make_app, settled, wait_for

SIZE = (120, 40)
TOPICS = [Topic(topic="How plants turn light into food", field="science"),
          Topic(topic="Saving money for a bicycle", field="practical")]


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
    pool.add_topics(TOPICS)
    first = pool.topics()[0].id
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
        await wait_for(pilot, lambda: pool.topics()[0].topic
                       == "How plants turn light into foods!")

        await pilot.press("escape")
        assert screen.focused is listing
        await pilot.press("n")
        await settled(pilot)
        rows = pool.topics()
        assert len(rows) == 3 and rows[-1].topic == "" and rows[-1].source == "user"
        assert screen.selected_id == rows[-1].id
        assert "topic is empty" in str(screen.query_one("#rows-errors", Static).render())
        await pilot.press(*"Tides")
        await pilot.press("escape")
        await settled(pilot)
        assert pool.topics()[-1].topic == "Tides"

        listing.highlighted = 0
        await pilot.pause()
        assert screen.selected_id == first
        await pilot.press("d", "y")
        await settled(pilot)
        left = [r.topic for r in pool.topics()]
        assert left == ["Saving money for a bicycle", "Tides"]
        assert listing.option_count == 2
        await pilot.press("escape")
        assert not isinstance(app.screen, RowsScreen)


async def test_problems_edit_answer(tmp_path, pool):
    pool.add_problems([Problem(key="p1", problem="What is 2 + 2?", answer="5",
                              kind="arithmetic")])
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
        await wait_for(pilot, lambda: pool.problems()[0].answer == "4")
        answer.clear()
        await pilot.pause()
        assert "answer is empty" in str(screen.query_one("#rows-errors", Static).render())
        await pilot.press("escape", "escape")
        assert not isinstance(app.screen, RowsScreen)
        assert pool.problems()[0].answer == ""


def test_rows_search_and_problems_read_typed_records() -> None:
    from synthstudio.tui.screens.rows import PROBLEMS, TOPICS, matches, row_label, row_problems

    topic = Topic(topic="Tides", field="science", source="mine.jsonl", id=7)
    assert matches(topic, "SCIENCE") and matches(topic, "mine.jsonl") and matches(topic, "7")
    assert not matches(topic, "history")
    assert row_problems(TOPICS, topic) == []
    assert row_problems(PROBLEMS, Problem(problem=" ", id=3)) == ["The problem is empty.",
                                                                   "The answer is empty."]
    label = row_label(TOPICS, Topic(topic="", id=4)).plain
    assert label.startswith("⚠ #4 ") and "(empty topic)" in label

"""The smaller points of issue 12, item 9: the queue's count with f on, h without
thinking, the help table at 80 columns, the pool's rejection line, and the focus after a
dialog closes."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Static

from synthstudio.records import REJECTED, Candidate
from synthstudio.tui.screens.help import HelpScreen
from synthstudio.tui.screens.prompt import PromptScreen
from synthstudio.tui.screens.rows import RowsScreen
from tests.tui_kit import fill, make_app, settled

SIZE = (100, 30)
REASONS = ["filter:repetition", "filter:keyboard_mash", "filter:html", "filter:too_short",
           "filter:rouge_l", "filter:blacklist"]


def toasts(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_queue_title_counts_only_waiting_items(tmp_path, pool):
    fill(pool)  # two proposed, one rejected by a filter
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)  # the queue is read on the pool thread
        queue = app.generation.query_one("#queue")
        assert queue.border_title == "queue · 2 waiting"
        await pilot.press("f")
        assert queue.border_title == "queue · 2 waiting · 1 filtered out shown (f)"


async def test_h_without_thinking_says_so(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "h")
        assert any("No thinking text" in t for t in toasts(app))


async def test_help_binding_ids_fit_at_80_columns(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        await pilot.pause()
        widths = [col.get_render_width(table) for col in table.ordered_columns]
        assert sum(widths) <= table.scrollable_content_region.width
        assert table.ordered_columns[-1].label.plain == "binding id"


async def test_pool_rejection_line_names_every_reason_on_one_line(tmp_path, pool):
    fill(pool)
    for i, reason in enumerate(REASONS):
        pool.add_candidate(Candidate("self-instruct", f"Rejected task number {i}.", [],
                                     False, status=REJECTED, reason=reason))
    app = make_app(tmp_path, pool)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)  # counted on the pool thread
        line = app.pool_pane.query_one("#pool-reasons", Static)
        text = str(line.render())
        assert "+" not in text
        for reason in REASONS:
            assert reason.removeprefix("filter:") in text
        assert line.size.height == 1
        counts = app.pool_pane.query_one("#pool-counts", Static)
        assert counts.size.height == 1


async def test_focus_returns_to_a_pane_after_a_dialog(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        # the focused widget went away while a dialog was open (e.g. an instance row
        # removed by a reload): nothing has the focus when the dialog closes
        await pilot.press("question_mark")
        app.screen_stack[0].set_focus(None)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.focused, Input)
        assert app.focused is app.pool_pane.primary  # the pane used last
        await pilot.press("p")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("escape", "T")
        assert isinstance(app.screen, RowsScreen)

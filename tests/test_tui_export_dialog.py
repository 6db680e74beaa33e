"""Export from the studio asks before replacing a file, and a failed export keeps the
dialog open with the error (issue 12, item 8)."""

from __future__ import annotations

from textual.widgets import Input, Static

from synthstudio.tui.screens.confirm import ConfirmScreen
from synthstudio.tui.screens.export import ExportScreen
from tests.tui_kit import fill, make_app, wait_for

SIZE = (100, 30)


def error_text(app) -> str:
    return str(app.screen.query_one("#export-error", Static).render())


async def test_export_asks_before_replacing_a_file(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    target = tmp_path / "out.jsonl"
    target.write_text("precious\n")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("E")
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "exists. Replace it?" in app.screen.question
        await pilot.press("n")  # keep it: back in the dialog, the file untouched
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        assert target.read_text() == "precious\n"
        await pilot.press("enter", )
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: not isinstance(app.screen, (ExportScreen,
                                                                   ConfirmScreen)))
        assert "把这段话翻译成法语。" in target.read_text()
        assert any("Wrote 2 lines" in str(n.message) for n in app._notifications)


async def test_a_failed_export_keeps_the_dialog_with_the_error(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    bad = tmp_path / "no-such-folder" / "deeper" / "out.jsonl"
    (tmp_path / "no-such-folder").write_text("a file where a folder should be")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("E")
        box = app.screen.query_one("#export-path", Input)
        box.value = str(bad)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Export failed" in error_text(app))
        assert isinstance(app.screen, ExportScreen)
        assert app.screen.query_one("#export-path", Input).value == str(bad)  # kept
        good = tmp_path / "out.jsonl"
        box.value = str(good)
        await pilot.press("enter")
        await wait_for(pilot, good.exists)
        await wait_for(pilot, lambda: not isinstance(app.screen, ExportScreen))

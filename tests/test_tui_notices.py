"""Notifications keep clear of the status bar, zoom keeps it, and the tiny-model warning
is said once (issue 12, item 5)."""

from __future__ import annotations

from textual.widgets import Static
from textual.widgets._toast import Toast

from tests.fakes import ScriptedBackend
from tests.tui_kit import fill, make_app, replies

WARNING = "not for real data"
WHY = ("Ollama is not running at http://127.0.0.1:11434; using the embedded SmolLM2-135M "
       "(tiny, for trying the studio).")


def visible_text(app) -> list[str]:
    status = str(app.status.query_one("#status-backend", Static).render())
    note = str(app.generation.query_one("#gen-note", Static).render())
    return [status, note, *(str(n.message) for n in app._notifications)]


async def test_tiny_model_warning_is_said_once(tmp_path, pool):
    fill(pool)
    backend = ScriptedBackend(default=replies(), model="SmolLM2-135M")
    backend.name = "embedded"
    app = make_app(tmp_path, pool, backend=backend)
    app.backend_why = WHY
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        said = [t for t in visible_text(app) if WARNING in t]
        assert len(said) == 1
        assert app.generation.query_one("#gen-note").display
        assert "tiny" in visible_text(app)[0]  # the status bar still says why


async def test_toasts_stay_clear_of_the_status_bar_and_zoom_keeps_it(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    for size in ((80, 24), (160, 48)):
        async with app.run_test(size=size, notifications=True) as pilot:
            for i in range(3):
                app.notify(f"Notice {i}: saved something somewhere " * 2)
            await pilot.pause(0.3)
            toasts = list(app.screen.query(Toast))
            assert toasts
            bar = app.status.region
            for toast in toasts:
                assert not toast.region.overlaps(bar), (toast.region, bar)
            await pilot.press("2", "z")
            await pilot.pause(0.1)
            assert app.screen.maximized is app.generation
            assert app.status in app.screen._compositor.visible_widgets
            assert app.status.region.height == 1
            await pilot.press("escape")
            assert app.screen.maximized is None
        app = make_app(tmp_path, pool)

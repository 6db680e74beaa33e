"""The status bar says when the model server stops answering, and when it is back."""

from __future__ import annotations

from textual.widgets import Static

from synthstudio.errors import BackendError
from tests.fakes import ScriptedBackend
from tests.tui_kit import fill, make_app, replies, settled, wait_for

SIZE = (100, 30)


def left(app) -> str:
    return str(app.status.query_one("#status-backend", Static).render())


def lines_shown(app) -> list[str]:
    """Every line the bar shows from now on, in order (a red one may last less than a
    poll)."""
    shown: list[str] = []
    update = app.status._left

    def record(content):  # type: ignore[no-untyped-def]
        update(content)
        shown.append(left(app))

    app.status._left = record  # type: ignore[method-assign]
    return shown


async def test_status_bar_shows_a_lost_server_and_its_return(tmp_path, pool):
    fill(pool, candidates=False)
    down = BackendError("Ollama is not running at http://127.0.0.1:9.", "Start it.",
                        kind="unreachable")
    backend = ScriptedBackend([down], default=replies())
    app = make_app(tmp_path, pool, backend=backend, count=1)
    app.engine_backoff_s = 0.3
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await wait_for(pilot, lambda: left(app).startswith("●"))
        shown = lines_shown(app)
        await pilot.press("g")
        await wait_for(pilot, lambda: not app.running, timeout=20)
        down = [i for i, line in enumerate(shown) if line.startswith("✗")]
        assert down and "not running" in shown[down[0]]
        assert any(line.startswith("●") for line in shown[down[0]:])
        assert left(app).startswith("●")
    assert pool.counts()["proposed"] == 1


async def test_a_reconnection_is_never_overwritten_by_a_late_disconnection(tmp_path, pool):
    """The engine says "unreachable" then the next request goes through, faster than the
    app handles its queue: the bar must end connected (the order of the engine's events)."""
    from synthstudio.backends.base import Completion
    from synthstudio.events import RequestFinished, Status

    fill(pool, candidates=False)
    app = make_app(tmp_path, pool, backend=ScriptedBackend(default=replies()), count=1)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: left(app).startswith("●"))
        shown = lines_shown(app)
        app.sink(Status("Ollama is not running.", "warning", "unreachable"))
        app.sink(RequestFinished("instructions", Completion(content="x")))
        # both handled, in the engine's order: red, then green again (handled the other
        # way round, the bar would stay red and this wait would fail)
        await wait_for(pilot, lambda: [line[0] for line in shown[:2]] == ["✗", "●"])
        assert left(app).startswith("●")

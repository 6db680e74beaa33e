"""The status bar says when the model server stops answering, and when it is back."""

from __future__ import annotations

from textual.widgets import Static

from synthstudio.errors import BackendError
from tests.fakes import ScriptedBackend
from tests.test_tui_kit import fill, make_app, replies, settled, wait_for

SIZE = (100, 30)


def left(app) -> str:
    return str(app.status.query_one("#status-backend", Static).render())


async def test_status_bar_shows_a_lost_server_and_its_return(tmp_path, pool):
    fill(pool, candidates=False)
    down = BackendError("Ollama is not running at http://127.0.0.1:9.", "Start it.",
                        kind="unreachable")
    backend = ScriptedBackend([down], default=replies())
    app = make_app(tmp_path, pool, backend=backend, count=1)
    app.engine_kwargs = {"backoff_base_s": 0.3}
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await wait_for(pilot, lambda: left(app).startswith("●"))
        await pilot.press("g")
        await wait_for(pilot, lambda: left(app).startswith("✗"))
        assert "not running" in left(app)
        await wait_for(pilot, lambda: left(app).startswith("●"))
        await wait_for(pilot, lambda: not app.running, timeout=20)
    assert pool.counts()["proposed"] == 1

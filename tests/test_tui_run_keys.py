"""Starting, pausing and cancelling a run from the keyboard (issue 12, items 1, 2 and 4):
Escape never touches the run, g runs the recipe chosen, and the run's state is current
and comes first in the headers."""

from __future__ import annotations

import threading

from textual.widgets import DataTable, Static

from synthstudio.config.settings import Settings
from synthstudio.records import Problem, RunOptions
from synthstudio.tui.commands import studio_commands
from synthstudio.tui.screens.choose_run import ChooseRunScreen
from synthstudio.tui.screens.help import HelpScreen
from tests.fakes import Reply, ScriptedBackend
from tests.tui_kit import fill, make_app, settled, wait_for

SIZE = (100, 30)
#: a reply long enough (several seconds) that keys land while it streams
SLOW = Reply(" Name a famous bridge in Europe and tell where it stands.\n10." * 12,
             delay=0.01, chunk_size=2)
#: held at its 20th chunk until C cancels it: a dozen keys and pauses land before it ends,
#: however busy the machine
SLOWER = Reply(" Name a famous bridge in Europe and tell where it stands.\n10." * 50,
               delay=0.01, chunk_size=2, holds={20: threading.Event()})


def toasts(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def header(app) -> str:
    return str(app.generation.query_one("#gen-header", Static).render())


async def test_escape_never_cancels_the_request_and_C_does(tmp_path, pool):
    fill(pool, candidates=False)
    app = make_app(tmp_path, pool, count=1)
    app.backend.replies = [SLOWER]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await wait_for(pilot, lambda: app.generation.buffer.chunks > 3)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")  # closes the help
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "escape")  # on the main screen: nothing to close
        await pilot.press("z", "escape")  # leaves the zoom
        assert app.screen.maximized is None
        await pilot.pause(0.1)
        assert not app.generation.buffer.cancelled and not app.engine.paused
        assert app.generation.buffer.ended is None  # still streaming
        await pilot.press("C")
        await wait_for(pilot, lambda: app.generation.buffer.cancelled)
        assert app.run_paused and app.engine.paused  # (the engine's thread heard it)
        assert any("Cancelled the request in flight" in t for t in toasts(app))
        await pilot.press("x")
        await wait_for(pilot, lambda: not app.running)
        await pilot.press("C")  # nothing in flight: it says so
        assert any("No request is in flight" in t for t in toasts(app))


async def test_cancel_key_is_in_help_and_palette(tmp_path, pool):
    fill(pool, candidates=False)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        names = {c.name: c.help for c in studio_commands(app)}
        assert "key: C · id: cancel-request" in names["Cancel the request in flight"]
        await pilot.press("question_mark")
        table = app.screen.query_one(DataTable)
        rows = [[str(v) for v in table.get_row_at(i)] for i in range(table.row_count)]
        assert ["C", "Cancel the request in flight", "cancel-request"] in rows
        assert not any(r[0] == "escape" and r[2] == "cancel-request" for r in rows)


async def test_g_asks_between_the_unfinished_run_and_the_chosen_recipe(tmp_path, pool):
    fill(pool, candidates=False)
    old = pool.start_run("textbook", "scripted", "fake-model", RunOptions(), {}, 4)
    pool.finish_run(old, "stopped")
    app = make_app(tmp_path, pool, count=1)
    app.backend.replies = [SLOW]
    async with app.run_test(size=SIZE) as pilot:
        assert "g: self-instruct" in app.generation.border_title
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, ChooseRunScreen))
        assert app.screen.question == (f"Resume run #{old} (textbook, 0 of 4) or start "
                                       f"self-instruct?")
        await pilot.press("escape")  # neither: nothing starts
        assert not app.running and app.resume_run is not None
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, ChooseRunScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: app.running)
        assert "running self-instruct" in app.generation.border_title
        await pilot.press("x")
        await wait_for(pilot, lambda: not app.running)
    assert pool.get_run(old).status == "stopped"
    assert pool.get_run(old + 1).recipe == "self-instruct"


async def test_g_resumes_a_paused_run_and_the_header_follows_settings(tmp_path, pool):
    fill(pool, candidates=False)
    app = make_app(tmp_path, pool, count=1)
    app.backend.replies = [SLOW]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await wait_for(pilot, lambda: app.generation.buffer.chunks > 3)
        await pilot.press("space")
        assert app.run_paused
        # the engine runs on its own thread: it hears the pause a moment later
        await wait_for(pilot, lambda: app.engine.paused)
        await pilot.press("g")
        assert not app.run_paused
        await wait_for(pilot, lambda: not app.engine.paused)
        assert not any("A run is going" in t for t in toasts(app))
        await pilot.press("x")
        await wait_for(pilot, lambda: not app.running)
        app.settings = Settings(recipe="textbook")
        app.show_next_recipe()
        assert "g: textbook" in app.generation.border_title


async def test_state_comes_first_and_is_current(tmp_path, pool):
    fill(pool, candidates=False)
    app = make_app(tmp_path, pool, count=1)
    app.backend.replies = [SLOW]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("g")
        await wait_for(pilot, lambda: app.generation.buffer.chunks > 3)
        await pilot.pause(0.6)
        assert header(app).startswith("streaming · instructions")
        assert app.status.state == "running self-instruct"
        await pilot.press("space")  # the request goes on to its end
        assert app.status.state == "pausing after this request"
        assert header(app).startswith("pausing after this request")
        await wait_for(pilot, lambda: app.generation.buffer.ended is not None, 20)
        await pilot.pause(0.1)
        assert app.status.state == "paused"
        assert header(app).startswith("paused")
        right = str(app.status.query_one("#status-right", Static).render())
        assert right.startswith("paused · ")
        await pilot.press("x")
        await wait_for(pilot, lambda: not app.running)


async def test_resuming_ends_when_the_run_runs(tmp_path, pool):
    fill(pool, candidates=False)
    old = pool.start_run("self-instruct", "scripted", "fake-model", RunOptions(), {}, 4)
    pool.finish_run(old, "stopped")
    app = make_app(tmp_path, pool, count=1)
    app.backend.replies = [SLOW]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, ChooseRunScreen))
        await pilot.press("r")
        await wait_for(pilot, lambda: app.generation.buffer.chunks > 0)
        assert app.status.state == "running self-instruct"
        await pilot.press("x")
        await wait_for(pilot, lambda: not app.running)


async def test_reasoning_header_names_the_problem(tmp_path, pool):
    pool.add_problems([Problem(key="p1", problem="What is 2 + 2?", answer="4",
                              kind="arithmetic")])
    settings = Settings(recipe="reasoning", reasoning={"samples": 1})
    backend = ScriptedBackend(default=Reply(content="<answer>4</answer> " * 40,
                                            delay=0.01, chunk_size=2))
    app = make_app(tmp_path, pool, backend=backend, count=1, settings=settings)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("g")
        await wait_for(pilot, lambda: app.generation.buffer.chunks > 3)
        await pilot.pause(0.1)
        assert "What is 2 + 2?" in header(app)
        await pilot.press("x")
        await wait_for(pilot, lambda: not app.running, 20)


async def test_g_after_a_stop_asks_again(tmp_path, pool):
    """The run just stopped is looked for again on the pool thread: g asks about it."""
    fill(pool, candidates=False)
    app = make_app(tmp_path, pool, count=1)
    app.backend.replies = [SLOW]
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("g")
        await wait_for(pilot, lambda: app.generation.buffer.chunks > 3)
        stopped = app.engine.ctx.run_id
        await pilot.press("x")
        await wait_for(pilot, lambda: not app.running)
        await settled(pilot)
        assert pool.get_run(stopped).status == "stopped"
        assert app.resume_run is not None and app.resume_run.id == stopped
        assert "g: self-instruct" in app.generation.border_title
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, ChooseRunScreen))
        await pilot.press("escape")
        assert not app.running

"""The stream pane while a long reply streams: keys are answered before it ends, the pane
follows the stream until the person scrolls up, and End follows again."""

from __future__ import annotations

import threading

from tests.fakes import Reply
from tests.tui_kit import fill, make_app, settled, wait_for

SIZE = (100, 30)
LONG = "".join(f"Paragraph {i}: the model keeps writing about bridges and rivers.\n"
               for i in range(400))


async def test_a_key_during_a_long_stream_is_answered_before_it_ends(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool, count=1)
    # 400 chunks 10 ms apart, held at the 40th until the key has been answered
    hold = threading.Event()
    app.backend.replies = [Reply(LONG, delay=0.01, chunk_size=64, holds={40: hold})]
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("g")
        await wait_for(pilot, lambda: app.generation.buffer.chunks > 5)
        first = app.focus_candidate
        assert first is not None
        await pilot.press("a")  # accept the first candidate in the queue
        await wait_for(pilot, lambda: app.focus_candidate is not first, timeout=5)
        # answered mid-stream: the reply has not ended (no wall-clock bound: the speed
        # figures live in benchmarks/bench_stream.py, not in a test)
        assert app.generation.buffer.ended is None
        assert len(app.generation.stream.text) < len(LONG)
        assert str(first.id) not in app.generation.listing.records
        hold.set()
        await pilot.press("x")
        await wait_for(pilot, lambda: not app.running, timeout=30)


async def test_the_pane_stops_following_when_scrolled_up_and_end_follows_again(
        tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool, count=1)
    # held at chunks 150, 250 and 350: text keeps coming exactly when the test wants it
    holds = {n: threading.Event() for n in (150, 250, 350)}
    app.backend.replies = [Reply(LONG, delay=0.01, chunk_size=64, holds=holds)]
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("g")
        view = app.generation.stream
        await wait_for(pilot, lambda: view.line_count > view.size.height * 3)
        assert view.following
        # the end can move by a line between two chunks (a layout of the scroll bars
        # comes a frame after the text): the view following it reaches it
        await wait_for(pilot, lambda: view.scroll_y == view.max_scroll_y, timeout=2.0)
        assert view.following
        view.focus()
        await pilot.press("up", "up", "up")
        assert not view.following
        held = view.scroll_y
        holds[150].set()
        await wait_for(pilot, lambda: view.max_scroll_y > held + 5)  # more text came
        assert view.scroll_y == held  # the view stayed where the person put it
        assert "End follows" in str(app.query_one("#gen-header").render())
        await pilot.press("end")
        assert view.following
        at_end = view.max_scroll_y
        holds[250].set()
        await wait_for(pilot, lambda: app.generation.buffer.chunks >= 350)  # held there
        await settled(pilot)
        assert view.max_scroll_y > at_end + 10
        # following the end again: with no more text coming, the view reaches it
        await wait_for(pilot, lambda: view.scroll_y == view.max_scroll_y)
        assert view.following
        holds[350].set()
        await pilot.press("x")
        await wait_for(pilot, lambda: not app.running, timeout=30)


async def test_the_stream_is_reachable_by_tab(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        assert app.focused is app.generation.listing  # the queue, under the stream
        await pilot.press("shift+tab")
        assert app.focused is app.generation.stream
        await pilot.press("tab")
        assert app.focused is app.generation.listing

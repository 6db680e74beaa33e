"""Several requests in flight in the studio: the Generation pane shows the focused one in
full and one line for each other one; ``<`` / ``>`` move between them."""

from __future__ import annotations

from textual.widgets import Static

from synthstudio.backends.base import Completion, ContentDelta
from synthstudio.config.settings import Settings
from synthstudio.tui.stream_feed import StreamFeed
from synthstudio.tui.streams import Streams
from tests.tui_kit import fill, make_app, wait_for

SIZE = (160, 48)


def test_streams_follow_one_request_and_list_the_others() -> None:
    s = Streams()
    assert s.begin(1, 1, "instructions", []) is True  # the first is followed
    assert s.begin(2, 2, "instructions", []) is False
    assert s.begin(3, 3, "classify", []) is False
    assert s.feed(2, ContentDelta("ab")) is False and s.feed(1, ContentDelta("x")) is True
    assert [line.split(" · ")[:3] for line in s.others()] == [
        ["step 2", "instructions", "1 tok"], ["step 3", "classify", "0 tok"]]
    assert s.end(2, Completion(content="ab")) is False  # not followed: gone at once
    assert list(s.buffers) == [1, 3]
    assert s.end(1, Completion(content="x")) is True  # followed: stays in view ...
    assert s.focused is not None and s.focused.text == "x"
    assert s.begin(4, 4, "instructions", []) is True  # ... until another one starts
    assert list(s.buffers) == [3, 4] and s.focus == 4
    assert s.move(1) is s.buffers[3] and s.move(1) is s.buffers[4]
    assert s.followed


def test_streams_take_every_feed_into_its_buffer() -> None:
    """Each request's chunks wait in its own feed; one take fills every buffer."""
    s = Streams()
    a, b = StreamFeed("instructions"), StreamFeed("classify")
    assert s.begin(1, 1, "instructions", [], a) and not s.begin(2, 2, "classify", [], b)
    assert a.put(ContentDelta("one ")) and not a.put(ContentDelta("two"))
    assert b.put(ContentDelta("yes"))
    taken = s.take()
    assert [c.text for c in taken[1]] == ["one ", "two"] and len(taken[2]) == 1
    assert s.buffers[1].text == "one two" and s.buffers[2].chunks == 1
    assert s.take() == {}  # nothing new
    assert s.end(2, Completion(content="yes")) is False
    assert list(s.feeds) == [1]
    s.clear()
    assert s.buffers == {} and s.feeds == {} and s.focus is None


async def test_studio_shows_every_stream_and_moves_between_them(tmp_path, pool) -> None:
    fill(pool, candidates=False)
    settings = Settings(concurrency=3)
    app = make_app(tmp_path, pool, count=8, delay=0.05, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        others = app.query_one("#gen-others", Static)
        await wait_for(pilot, lambda: others.display and "step" in str(others.render()))
        shown = str(others.render())
        assert "tok/s" in shown and "↳" in shown
        assert app.engine is not None and app.engine.concurrency == 3
        await pilot.press("2")
        before = app.streams.focus
        await pilot.press("greater_than_sign")
        assert app.streams.focus != before
        gen = app.generation
        assert gen.buffer is app.streams.focused
        # the view shows the followed request's text and appends to it, not another's
        await wait_for(pilot, lambda: gen.buffer.text != ""
                       and gen.stream.text == gen.buffer.text)
        await wait_for(pilot, lambda: app.engine is None, timeout=30)
    assert pool.counts()["proposed"] == 8


async def test_pause_with_several_requests_in_flight_waits_for_them_all(tmp_path, pool):
    """space with requests streaming: the state says the pause waits for them, and
    "paused" comes only when the last of them ends (issue 12 with concurrency)."""
    fill(pool, candidates=False)
    settings = Settings(concurrency=3)
    app = make_app(tmp_path, pool, count=8, delay=0.05, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        # every state the bar is given, with the requests streaming at that moment (a
        # poll could miss a state on a busy machine)
        seen: list[tuple[str, int]] = []
        update = app.status.update_right

        def spy(**kw):
            if kw.get("state") is not None:
                seen.append((kw["state"], app.streams.streaming))
            update(**kw)

        app.status.update_right = spy
        await pilot.press("g")
        await wait_for(pilot, lambda: app.streams.streaming >= 2)
        start = len(seen)
        await pilot.press("space")
        await wait_for(pilot, lambda: ("paused", 0) in seen[start:], timeout=30)
        after = seen[start:]
        first, n = after[0]
        assert n >= 1
        assert first == ("pausing after this request" if n == 1
                         else f"pausing after the {n} requests in flight")
        assert all(streaming == 0 for state, streaming in after if state == "paused")
        assert app.generation.state.startswith("paused")
        await pilot.pause(0.3)
        assert app.streams.streaming == 0  # nothing new while paused
        await pilot.press("x")
        await wait_for(pilot, lambda: not app.running, timeout=30)

"""The studio screen's frame timer (tui/frame_timer.py), on a clock the test moves by hand:
a frame that is due is drawn as soon as it is asked for, and two frames never start less
than 1/60 s apart."""

from __future__ import annotations

import asyncio

import pytest
from textual.timer import EventTargetGone

import synthstudio.tui.frame_timer as ft
from synthstudio.store import Pool
from synthstudio.tui.frame_timer import FrameTimer
from tests.tui_kit import make_app

PERIOD = 1 / 60


class Target:
    """Something a timer can point at (it keeps a weak reference)."""


@pytest.fixture
def clock(monkeypatch):
    now = [100.0]

    async def rest(hurry: asyncio.Event, seconds: float) -> None:
        # a hurry that comes while the others run ends it; else the time passes
        deadline = now[0] + seconds
        for _ in range(50):
            if hurry.is_set():
                return
            await asyncio.sleep(0)
        now[0] = max(now[0], deadline)

    monkeypatch.setattr(ft, "rest", rest)
    monkeypatch.setattr(ft._time, "get_time", lambda: now[0])
    return now


async def _frames(clock, asks: list[tuple[float, float]], hurried: tuple[int, ...] = ()
                  ) -> list[float]:
    """Start times of the frames drawn when a frame is asked for at each ``(time, frame
    length)`` of ``asks`` (each asked for once the one before has been drawn; those whose
    index is in ``hurried`` by a key press)."""
    starts: list[float] = []
    lengths = [length for _at, length in asks]

    class Probe(FrameTimer):
        async def _tick(self, *, next_timer: float, count: int) -> None:
            starts.append(clock[0])
            clock[0] += lengths[len(starts) - 1]
            self.pause()  # as the screen's update does
            if len(starts) == len(asks):
                raise EventTargetGone()

    target = Target()
    timer = Probe(target, PERIOD, pause=True)
    task = asyncio.create_task(timer._run())
    for n, (at, _length) in enumerate(asks):
        clock[0] = max(clock[0], at)
        if n in hurried:
            timer.hurry()
        timer.resume()
        for _ in range(50):
            if len(starts) > n:
                break
            await asyncio.sleep(0)
    await asyncio.wait_for(task, 5)
    return starts


async def test_a_frame_due_after_a_long_one_is_drawn_at_once(clock):
    """A 40 ms frame, then a key 5 ms after it: its frame starts at once (Textual's grid
    timer would start it 27 ms later, three slots after the long frame began)."""
    starts = await _frames(clock, [(100.0, 0.040), (100.045, 0.002)])
    assert starts == [100.0, 100.045]


async def test_frames_asked_for_in_quick_succession_start_a_60th_of_a_second_apart(clock):
    starts = await _frames(clock, [(100.0, 0.002), (100.005, 0.002), (100.006, 0.002)])
    assert starts[0] == 100.0
    assert starts[1] == pytest.approx(100.0 + PERIOD)
    assert starts[2] == pytest.approx(100.0 + 2 * PERIOD)


async def test_a_key_press_hurries_its_frame(clock):
    """A frame asked for 5 ms after a short one starts at once when a key asked for it,
    and waits out the 1/60 s otherwise."""
    starts = await _frames(clock, [(100.0, 0.002), (100.005, 0.002)], hurried=(1,))
    assert starts == [100.0, 100.005]
    starts = await _frames(clock, [(200.0, 0.002), (200.005, 0.002)])
    assert starts == [200.0, pytest.approx(200.0 + PERIOD)]


async def test_the_studio_screen_draws_with_the_frame_timer_and_keys_hurry_it(
        tmp_path, monkeypatch):
    hurried: list[FrameTimer] = []
    monkeypatch.setattr(FrameTimer, "hurry", lambda self: hurried.append(self))
    with Pool(tmp_path / "p.db") as pool:
        app = make_app(tmp_path, pool)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert app.screen.id == "_default"
            timer = app.screen._update_timer
            assert isinstance(timer, FrameTimer)
            await pilot.hover("#panes")  # the mouse does not hurry frames
            assert hurried == []
            await pilot.press("down")
            assert hurried and all(t is timer for t in hurried)

"""The studio screen's frame timer: a frame as soon as one is due, at most 60 a second.

Textual draws a screen from a timer that ticks on a fixed grid of 1/60 s slots and is
paused while nothing needs drawing. After a frame that takes longer than one slot (a
decision on a big pool redraws most of the screen, 15 to 25 ms) its catch-up arithmetic
puts the next tick three slots after the last one, so a key pressed just after that frame
waits about 33 ms with nothing to do before its own frame is drawn (Textual 8.2).

:class:`FrameTimer` keeps the same limit (two frames start at least 1/60 s apart) but
measures it from the last frame instead of the grid: a frame that is due is drawn at once.
A key press hurries the next frame (:meth:`FrameTimer.hurry`): while a reply streams,
its frames come every 50 ms or so, and a key pressed just after one would otherwise wait
out the rest of its 1/60 s. Keys come at a person's pace, so the limit still holds for
everything else (a flood of tokens, mouse moves).

It replaces the update timer of :class:`synthstudio.tui.studio_screen.StudioScreen`
only, and overrides ``Timer._run`` (Textual 8.2): check it when Textual is upgraded.
"""

from __future__ import annotations

import asyncio
import contextlib

from textual import _time
from textual.message_pump import MessagePump
from textual.screen import UPDATE_PERIOD
from textual.timer import EventTargetGone, Timer, TimerCallback


async def rest(hurry: asyncio.Event, seconds: float) -> None:
    """Wait ``seconds``, or until ``hurry`` is set if that comes first."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(hurry.wait(), seconds)


class FrameTimer(Timer):
    """A paused-when-idle timer whose ticks start at least ``interval`` apart, and at once
    when resumed after that long; or at once after :meth:`hurry`."""

    _hurry: asyncio.Event | None = None

    def hurry(self) -> None:
        """Draw the next frame without waiting out the interval: a key was pressed, and
        the person waits for its frame (a stream's frames keep to the interval)."""
        if self._hurry is not None:
            self._hurry.set()

    async def _run(self) -> None:
        interval = self._interval
        self._active  # noqa: B018 - made in this thread, as Textual's own does
        self._hurry = hurry = asyncio.Event()
        last = float("-inf")
        count = 0
        while True:
            wait = last + interval - _time.get_time()
            if wait > 0 and not hurry.is_set():
                await rest(hurry, wait)
            hurry.clear()
            await self._active.wait()
            self._reset = False
            last = _time.get_time()
            count += 1
            try:
                await self._tick(next_timer=last, count=count)
            except EventTargetGone:
                break


def frame_timer(owner: MessagePump, callback: TimerCallback) -> FrameTimer:
    """A started, paused :class:`FrameTimer` owned by ``owner`` (as ``set_interval`` makes
    Textual's own) that calls ``callback`` at most every :data:`UPDATE_PERIOD`."""
    timer = FrameTimer(owner, UPDATE_PERIOD, name="screen_update", callback=callback,
                       pause=True)
    timer._start()
    owner._timers.add(timer)
    return timer

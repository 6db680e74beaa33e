"""Shared pieces of the studio benchmarks: press a key as the terminal would, and time it
until the screen shows the new state.

:func:`key_to_screen` posts the key to the app as its driver does (not ``Pilot.press``,
which sleeps until the process looks idle), polls until ``done()`` says the studio is in
the new state, then waits for the next screen refresh: the time a person waits between
pressing a key and seeing its effect.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from textual import events
from textual.app import App


class NoBackend:
    """Enough of a backend for the studio to start without looking for a model."""

    name = "none"
    model = "bench"

    async def stream_chat(self, request: Any) -> AsyncIterator[Any]:
        raise RuntimeError("no backend in the benchmark")
        yield  # pragma: no cover

    async def list_models(self) -> list[Any]:
        return []

    async def aclose(self) -> None:
        return None


async def refreshed(app: App[Any]) -> None:
    """Return after the screen's next refresh."""
    done = asyncio.Event()
    app.screen.call_after_refresh(done.set)
    await done.wait()


async def key_to_screen(app: App[Any], key: str, done: Callable[[], bool],
                        timeout: float = 30.0) -> float:
    """Seconds from posting ``key`` until ``done()`` holds and the screen has refreshed."""
    char = key if len(key) == 1 else None
    start = time.perf_counter()
    app.post_message(events.Key(key, char))
    while not done():
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"{key!r} had no effect in {timeout} s")
        await asyncio.sleep(0.0005)
    await refreshed(app)
    return time.perf_counter() - start


def moved(app: Any, at: int | None) -> Callable[[], bool]:
    """``done`` for Down/Up in the queue: the highlight has left ``at`` and the candidate
    it is on is the one in focus (the Scores pane shows it, the next key acts on it).
    The focus follows the highlight by message, so a frame can come in between."""
    listing = app.generation.listing

    def check() -> bool:
        shown = listing.current()
        focus = app.focus_candidate
        return (listing.highlighted != at and shown is not None and focus is not None
                and focus.id == shown.id)

    return check


async def until(check: Callable[[], bool], timeout: float = 60.0) -> None:
    start = time.perf_counter()
    while not check():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("the studio did not get there in time")
        await asyncio.sleep(0.005)


def pct(values: list[float], p: float) -> float:
    """The ``p``-th percentile (inclusive method); the value itself for one sample."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def line(what: str, measured: float, target: float, unit: str, *,
         higher_is_better: bool = False) -> bool:
    """One result: measured, target and ``target / measured`` (>= 1 meets a time target)."""
    ok = measured >= target if higher_is_better else measured <= target
    ratio = (measured / target if higher_is_better else target / measured) if measured \
        else float("inf")
    print(f"{what:<58} {measured:>10,.2f} {unit:<4} target {target:>8,.2f} {unit:<4} "
          f"ratio {ratio:6.2f}  {'ok' if ok else 'MISSED'}", flush=True)
    return ok


def info(what: str, value: str) -> None:
    print(f"{what:<58} {value}", flush=True)

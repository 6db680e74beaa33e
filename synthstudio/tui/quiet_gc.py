"""Full garbage collections when the person pauses, not in the middle of a key press.

Once the studio's start-up heap is frozen (see :mod:`synthstudio.tui.pool_sync`), a full
collection still walks everything made since: on the 1,000,000-item pool, 30-50 ms, about
one un-accept in twenty. The young generations are left to Python (a few milliseconds at
most); the full collection is taken off Python's own count and run by :class:`QuietGC`
instead, once no key or mouse event came for ``quiet`` seconds and Python would have run
one by then (as many young collections as its own threshold asks for). A studio that
streams with nobody at the keys is quiet: its collections run as they would have.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

QUIET_S = 1.0
#: how often the studio asks whether a full collection is due
CHECK_S = 0.5
#: a full collection's threshold while the studio runs them (never, by Python's count)
NEVER = 1 << 30


class QuietGC:
    """Runs full collections in pauses. ``now`` and ``collect`` are the clock and the
    collection (tests give their own); :meth:`start` hands the full collections over
    from Python, :meth:`stop` gives them back."""

    def __init__(self, now: Callable[[], float], collect: Callable[[], object] = gc.collect,
                 quiet: float = QUIET_S) -> None:
        self._now = now
        self._collect = collect
        self._quiet = quiet
        self._last_input = float("-inf")
        self._thresholds: tuple[int, int, int] | None = None
        self.collections = 0

    @property
    def running(self) -> bool:
        return self._thresholds is not None

    def start(self) -> None:
        if self._thresholds is None:
            self._thresholds = gc.get_threshold()
            young, middle, _ = self._thresholds
            gc.set_threshold(young, middle, NEVER)

    def stop(self) -> None:
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None

    def input(self) -> None:
        """A key or mouse event: the person is busy."""
        self._last_input = self._now()

    def due(self, pending: int) -> bool:
        """Whether a full collection should run now, ``pending`` young collections since
        the last one (``gc.get_count()[2]``)."""
        if self._thresholds is None or pending < self._thresholds[2]:
            return False
        return self._now() - self._last_input >= self._quiet

    def check(self) -> None:
        """Run a full collection if one is due (the studio calls this every ``CHECK_S``)."""
        if self.due(gc.get_count()[2]):
            self._collect()
            self.collections += 1

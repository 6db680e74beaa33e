"""One owner for a recipe's in-memory state (its similarity index, counts, samples).

The engine changes that state from its thread (``step``, ``on_stored``) while a person's
decisions change it from the studio's pool thread (``on_status_changed``), and
``prepare`` builds it anew from the pool in a thread of its own. :class:`StateGuard`
makes every change and every read hold one lock, and lets ``prepare`` build the new
state off to the side and hand it over whole: changes that arrive while it builds are
applied to the old state at once and replayed onto the new one at the hand-over (each
change is idempotent, so one already in the pool snapshot does no harm).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class StateGuard:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._log: list[tuple[Callable[..., Any], tuple[Any, ...]]] | None = None

    def apply(self, change: Callable[..., Any], *args: Any) -> None:
        """Run ``change(*args)`` under the lock (and log it while a rebuild runs)."""
        with self.lock:
            change(*args)
            if self._log is not None:
                self._log.append((change, args))

    @contextmanager
    def rebuilding(self) -> Iterator[None]:
        """Around building new state off to the side; end with :meth:`hand_over`."""
        with self.lock:
            self._log = []
        try:
            yield
        finally:
            with self.lock:
                self._log = None

    def hand_over(self, swap: Callable[[], None]) -> None:
        """Install the new state (``swap``) and replay the changes made meanwhile."""
        with self.lock:
            swap()
            log, self._log = self._log or [], None
            for change, args in log:
                change(*args)

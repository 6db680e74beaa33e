"""How many requests may be in flight to one model server: an adaptive limit (AIMD).

:class:`AdaptiveLimit` starts at the configured concurrency. An overload answer (HTTP 503
or 429, Ollama's "queued no more requests") halves it, at least to one; after ``limit``
requests in a row succeed it grows by one again, never past the configured maximum.
Requests wait for a slot in :meth:`AdaptiveLimit.slot`, first come first served; a request
that is cancelled while it waits gives up its place.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from typing import Any


class AdaptiveLimit:
    """At most ``limit`` holders at once; the limit moves between 1 and ``maximum``."""

    def __init__(self, maximum: int) -> None:
        self.maximum = max(1, int(maximum))
        self.limit = self.maximum
        self.in_flight = 0
        #: requests that succeeded since the limit last changed
        self.streak = 0
        #: how often the limit was halved (for reports and tests)
        self.overloads = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @contextlib.asynccontextmanager
    async def slot(self, cancel: asyncio.Event | None = None) -> AsyncIterator[bool]:
        """Hold one slot; yields False (holding nothing) if ``cancel`` is set first."""
        got = await self._acquire(cancel)
        try:
            yield got
        finally:
            if got:
                self._release()

    async def _acquire(self, cancel: asyncio.Event | None) -> bool:
        if cancel is not None and cancel.is_set():
            return False
        if self.in_flight < self.limit and not self._waiters:
            self.in_flight += 1
            return True
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        stopper: asyncio.Future[Any] | None = (
            asyncio.ensure_future(cancel.wait()) if cancel is not None else None)
        try:
            if stopper is None:
                await fut
            else:
                await asyncio.wait({fut, stopper}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            self._forget(fut)
            raise
        finally:
            if stopper is not None:
                stopper.cancel()
        if fut.done() and not fut.cancelled():
            return True  # the slot was handed over (in_flight already counts it)
        self._forget(fut)
        return False

    def _forget(self, fut: asyncio.Future[None]) -> None:
        if fut.done() and not fut.cancelled():  # handed a slot we will not use
            self._release()
        else:
            fut.cancel()
            with contextlib.suppress(ValueError):
                self._waiters.remove(fut)

    def _release(self) -> None:
        self.in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.in_flight < self.limit:
            fut = self._waiters.popleft()
            if not fut.done():
                self.in_flight += 1
                fut.set_result(None)

    # -- feedback -----------------------------------------------------------------------

    def overloaded(self) -> None:
        """The server said it is overloaded: halve the limit (at least 1)."""
        self.overloads += 1
        self.limit = max(1, self.limit // 2)
        self.streak = 0

    def succeeded(self) -> None:
        """A request went through: after ``limit`` in a row, allow one more."""
        if self.limit >= self.maximum:
            return
        self.streak += 1
        if self.streak >= self.limit:
            self.limit += 1
            self.streak = 0
            self._wake()

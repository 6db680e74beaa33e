"""Gather a backend's stream into a :class:`Completion`, with cancellation and retries.

``collect`` stops at once when its ``cancel`` event is set (or its task is cancelled): it
closes the stream, which closes the HTTP response or stops llama.cpp, and keeps what was
streamed. Retrying belongs to the caller; :class:`RetryBudget` is the one policy that the
engine's requests and the judge's share.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from synthstudio.backends.base import (
    Backend,
    ChatRequest,
    Chunk,
    Completion,
    ContentDelta,
    Final,
    ThinkingDelta,
)
from synthstudio.errors import BackendError

#: a refused connection (kind "unreachable") is tried at most this often: a server that is
#: not running rarely starts within the backoff, and each try made a closed port slower
UNREACHABLE_ATTEMPTS = 2


async def collect(backend: Backend, request: ChatRequest,
                  on_chunk: Callable[[Chunk], Any] | None = None,
                  cancel: asyncio.Event | None = None) -> Completion:
    """Stream ``request`` to the end (or until ``cancel`` is set) and gather the result.

    With ``cancel`` set, the partial Completion comes back with ``cancelled=True`` and a
    Final whose ``done_reason`` is ``"cancelled"``. If the task itself is cancelled, the
    stream is closed and CancelledError propagates. BackendErrors propagate as raised.
    """
    comp = Completion()
    content: list[str] = []
    thinking: list[str] = []
    start = time.perf_counter()
    stream = backend.stream_chat(request)

    async def pump() -> None:
        """The whole stream in one task (not one task per chunk: a token costs a few
        function calls, not a task and a wait)."""
        async for chunk in stream:
            if isinstance(chunk, ContentDelta | ThinkingDelta):
                if comp.first_token_s is None:
                    comp.first_token_s = time.perf_counter() - start
                (content if isinstance(chunk, ContentDelta) else thinking).append(chunk.text)
            elif isinstance(chunk, Final):
                comp.final = chunk
            if on_chunk is not None:
                on_chunk(chunk)
            if cancel is not None and cancel.is_set():  # set by on_chunk, or meanwhile
                comp.cancelled = True
                return

    try:
        if cancel is None:
            await pump()
        elif cancel.is_set():
            comp.cancelled = True
        else:
            task = asyncio.ensure_future(pump())
            waiter = asyncio.ensure_future(cancel.wait())
            ended = False  # the stream ended (or failed) by itself
            try:
                await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
                ended = task.done()
            finally:
                waiter.cancel()
                if not task.done():
                    task.cancel()
                    await asyncio.wait({task})
                if not ended and not task.cancelled():
                    task.exception()  # what closing the stream raised is of no interest
            if ended:
                task.result()  # the stream's error, as raised
            else:
                comp.cancelled = True
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()
        comp.content = "".join(content)
        comp.thinking = "".join(thinking)
        comp.elapsed_s = time.perf_counter() - start
    if comp.cancelled:
        comp.final = Final(done_reason="cancelled", model=getattr(backend, "model", ""),
                           total_duration_s=comp.elapsed_s)
    return comp


@dataclass
class RetryBudget:
    """How often, and after how long, a failed request is tried again.

    An overloaded server (kind ``busy``: HTTP 503/429, Ollama's full queue) has its own
    count, ``busy_retries``, since waiting is the cure; other retryable errors share
    ``retries``; a refused connection is tried at most :data:`UNREACHABLE_ATTEMPTS`
    times. The pause doubles from ``base_s`` up to ``max_s``, plus up to a tenth of
    itself at random so that parallel requests do not retry in step.
    """

    retries: int
    busy_retries: int
    base_s: float
    max_s: float
    busy: int = 0
    other: int = 0

    def after(self, err: BackendError) -> tuple[int, int, float]:
        """After ``err``: (retry number of its kind, that kind's budget, seconds to wait).
        Raises ``err`` again when it may not be retried or its budget is spent."""
        if err.kind == "busy":
            self.busy += 1
            n, budget = self.busy, self.busy_retries
        else:
            self.other += 1
            n, budget = self.other, self.retries
            if err.kind == "unreachable":
                budget = min(budget, UNREACHABLE_ATTEMPTS - 1)
        if not err.retryable or n > budget:
            raise err
        delay = min(self.max_s, self.base_s * 2 ** (n - 1))
        return n, budget, delay + delay * 0.1 * random.random()

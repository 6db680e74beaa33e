"""Gather a backend's stream into a :class:`Completion`, with cancellation and retries.

``collect`` stops at once when its ``cancel`` event is set (or its task is cancelled): it
closes the stream, which closes the HTTP response or stops llama.cpp, and keeps what was
streamed. Retrying belongs to the caller; :func:`with_retries` is the helper.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

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

T = TypeVar("T")

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
    waiter = asyncio.ensure_future(cancel.wait()) if cancel is not None else None
    step: asyncio.Future[Chunk] | None = None
    try:
        while True:
            if cancel is not None and cancel.is_set():
                comp.cancelled = True
                break
            try:
                if waiter is None:
                    chunk = await anext(stream)
                else:
                    step = asyncio.ensure_future(anext(stream))
                    await asyncio.wait({step, waiter}, return_when=asyncio.FIRST_COMPLETED)
                    if not step.done():
                        comp.cancelled = True
                        break
                    chunk, step = step.result(), None
            except StopAsyncIteration:
                break
            if isinstance(chunk, ContentDelta | ThinkingDelta):
                if comp.first_token_s is None:
                    comp.first_token_s = time.perf_counter() - start
                (content if isinstance(chunk, ContentDelta) else thinking).append(chunk.text)
            elif isinstance(chunk, Final):
                comp.final = chunk
            if on_chunk is not None:
                on_chunk(chunk)
    finally:
        if waiter is not None:
            waiter.cancel()
        if step is not None and not step.done():
            step.cancel()
            await asyncio.wait({step})
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


async def with_retries(fn: Callable[[], Awaitable[T]], attempts: int = 3,
                       base_delay: float = 1.0,
                       on_retry: Callable[[int, BackendError, float], Any] | None = None,
                       *, max_delay: float = 30.0, jitter: float = 0.1) -> T:
    """Call ``fn`` until it succeeds; retry a retryable BackendError up to ``attempts``.

    The pause doubles each time (``base_delay``, 2x, 4x... at most ``max_delay``), plus up
    to ``jitter`` of itself at random. ``on_retry(attempt, error, delay)`` is called
    before each pause (``attempt`` counts from 1). Other errors propagate at once; an
    unreachable server is tried at most :data:`UNREACHABLE_ATTEMPTS` times.
    """
    for attempt in range(1, max(1, attempts) + 1):
        try:
            return await fn()
        except BackendError as err:
            limit = min(attempts, UNREACHABLE_ATTEMPTS) if err.kind == "unreachable" \
                else attempts
            if not err.retryable or attempt >= limit:
                raise
            delay = min(max_delay, base_delay * 2 ** (attempt - 1))
            delay += delay * jitter * random.random()
            if on_retry is not None:
                on_retry(attempt, err, delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover

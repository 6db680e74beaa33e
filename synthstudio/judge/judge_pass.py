"""A judge pass: rate many pool items, ``concurrency`` requests in flight at once.

Items come from the pool in id order, a page at a time (only those with no score yet,
unless ``rescore`` says otherwise); each score is saved in its own transaction as soon
as it arrives, so a pass killed at any moment keeps everything it finished and the next
pass continues with the rest. A backend that still fails after its retries (the judge
server is down, the model is missing) ends the pass with that error; nothing stored is
touched. :func:`rate_all` is the same without the pool, for items read from a file.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from synthstudio.backends.aimd import AdaptiveLimit
from synthstudio.errors import BackendError
from synthstudio.judge.rater import Judge
from synthstudio.records import Candidate, JudgeScore
from synthstudio.store import Pool

PAGE = 256


@dataclass
class PassSummary:
    """What a pass did; ``error`` is the sentence that stopped it, if one did."""

    total: int
    rated: int = 0
    scored: int = 0
    unscored: int = 0
    seconds: float = 0.0
    stopped: bool = False
    error: BackendError | None = None
    #: how often the server said it was overloaded (each halved the requests in flight)
    overloads: int = 0

    @property
    def finished(self) -> bool:
        return self.error is None and not self.stopped


async def judge_pass(pool: Pool, judge: Judge, *, statuses: Sequence[str] = (),
                     run_id: int | None = None, rescore: str = "", concurrency: int = 4,
                     on_score: Callable[[JudgeScore], Any] | None = None,
                     stop: asyncio.Event | None = None, limit: int | None = None,
                     source_file: str | None = None) -> PassSummary:
    """Rate the matching items (see :meth:`Pool.ids_to_judge`), at most ``limit``, and
    save each score as it arrives."""
    total = pool.count_to_judge(statuses=statuses, run_id=run_id, rescore=rescore,
                                source_file=source_file)
    stop = stop or asyncio.Event()

    async def items() -> AsyncIterator[Candidate]:
        after, sent = 0, 0
        while not stop.is_set() and (limit is None or sent < limit):
            page = PAGE if limit is None else min(PAGE, limit - sent)
            ids = pool.ids_to_judge(statuses=statuses, run_id=run_id, rescore=rescore,
                                    after=after, limit=page, source_file=source_file)
            if not ids:
                return
            after = ids[-1]
            for c in pool.candidates_by_id(ids):
                yield c
                sent += 1

    def saved(score: JudgeScore) -> None:
        pool.save_score(score)
        if on_score is not None:
            on_score(score)

    return await rate_all(judge, items(), total=min(total, limit) if limit else total,
                          concurrency=concurrency, on_score=saved, stop=stop)


async def rate_all(judge: Judge, items: AsyncIterator[Candidate] | Iterable[Candidate], *,
                   total: int = 0, concurrency: int = 4,
                   on_score: Callable[[JudgeScore], Any] | None = None,
                   stop: asyncio.Event | None = None) -> PassSummary:
    """Rate ``items`` (each with an ``id``; stored or not), ``concurrency`` at a time;
    ``on_score`` hears each score as it arrives. Stops at the first backend error that
    outlived its retries (``summary.error``) or when ``stop`` is set.

    The requests share one :class:`~synthstudio.backends.aimd.AdaptiveLimit` (the
    judge's own, else one of ``concurrency``): an overloaded server halves the requests
    in flight, and they grow back one at a time as requests go through."""
    summary = PassSummary(total=total)
    stop = stop or asyncio.Event()
    concurrency = max(1, concurrency)
    limiter = judge.limiter or AdaptiveLimit(concurrency)
    queue: asyncio.Queue[Candidate | None] = asyncio.Queue(maxsize=2 * concurrency)
    started = time.perf_counter()

    async def produce() -> None:
        if isinstance(items, AsyncIterator):
            async for c in items:
                if stop.is_set():
                    break
                await queue.put(c)
        else:
            for c in items:
                if stop.is_set():
                    break
                await queue.put(c)
        for _ in range(concurrency):
            await queue.put(None)

    async def work() -> None:
        while (c := await queue.get()) is not None:
            if stop.is_set():
                continue
            score = await judge.rate(c, cancel=stop, limiter=limiter)
            if score is None:  # cancelled mid-reply: nothing half-heard goes on
                continue
            if on_score is not None:
                on_score(score)
            summary.rated += 1
            if score.scored:
                summary.scored += 1
            else:
                summary.unscored += 1

    tasks = [asyncio.ensure_future(produce())]
    tasks += [asyncio.ensure_future(work()) for _ in range(concurrency)]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for t in done:
            exc = t.exception()
            if isinstance(exc, BackendError):
                summary.error = exc
            elif exc is not None:
                raise exc
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        summary.seconds = time.perf_counter() - started
        summary.overloads = limiter.overloads
    summary.stopped = stop.is_set() and summary.error is None
    return summary

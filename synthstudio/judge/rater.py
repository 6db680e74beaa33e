"""One judge request: render the rubric for an item, stream the reply, parse it.

:meth:`Judge.rate` returns a :class:`~synthstudio.records.JudgeScore` for every reply
that arrives, parsed or not (``score`` None, raw reply kept); only a backend that fails
after its retries raises (a :class:`~synthstudio.errors.BackendError`), and a cancelled
request returns None so that nothing half-heard is stored. Requests wait for a slot of
an :class:`~synthstudio.backends.aimd.AdaptiveLimit`, as the engine's do.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from synthstudio.backends.aimd import AdaptiveLimit
from synthstudio.backends.base import Backend, ChatRequest, Chunk, GenOptions, Message
from synthstudio.backends.collect import RetryBudget, collect
from synthstudio.config.settings import JudgeSettings
from synthstudio.errors import BackendError
from synthstudio.judge.rubric import SCHEMA, Rubric
from synthstudio.judge.subject import judged_parts
from synthstudio.judge.verdict import parse_reply
from synthstudio.records import Candidate, JudgeScore

#: the longest pause between two tries
MAX_DELAY_S = 30.0


@dataclass
class Judge:
    """A backend, the judge settings and a rubric: everything one rating needs."""

    backend: Backend
    settings: JudgeSettings
    rubric: Rubric
    #: how many times a retryable backend error is retried before :meth:`rate` raises
    retries: int = 2
    #: the first retry waits this long (seconds); each later one doubles it
    backoff_base_s: float = 1.0
    #: how many times an overloaded server (kind ``busy``) is asked again
    busy_retries: int = 5
    #: the requests in flight to the judge's server (shared by a pass's workers, or with
    #: the engine's requests in the studio when both use one server); None: made on use
    limiter: AdaptiveLimit | None = None

    def options(self) -> GenOptions:
        return GenOptions(temperature=self.settings.temperature,
                          num_predict=self.settings.max_tokens)

    def request(self, c: Candidate) -> ChatRequest:
        instruction, input_, response = judged_parts(c)
        prompt = self.rubric.render(instruction, input_, response)
        return ChatRequest(messages=[Message("user", prompt)], options=self.options(),
                           json_schema=dict(SCHEMA) if self.settings.structured else None,
                           model=self.backend.model or None)

    async def rate(self, c: Candidate, on_chunk: Callable[[Chunk], Any] | None = None,
                   cancel: asyncio.Event | None = None,
                   on_retry: Callable[[int, BackendError, float], Any] | None = None,
                   limiter: AdaptiveLimit | None = None) -> JudgeScore | None:
        """Rate ``c``; None if ``cancel`` was set before the reply was complete.

        Each attempt waits for a slot of ``limiter`` (else :attr:`limiter`, else one of
        ``settings.concurrency`` made on first use), the AIMD limit the engine's requests
        use too: an overloaded server (HTTP 503/429, Ollama's full queue) halves the
        slots and the request is retried up to :attr:`busy_retries` times; other
        retryable errors up to :attr:`retries` times (a refused connection once)."""
        if c.id is None:
            raise ValueError("only stored items can be judged")
        if limiter is None:
            if self.limiter is None:
                self.limiter = AdaptiveLimit(self.settings.concurrency)
            limiter = self.limiter
        request = self.request(c)
        attempts = 0
        retry = RetryBudget(self.retries, self.busy_retries, self.backoff_base_s, MAX_DELAY_S)
        while True:
            attempts += 1
            try:
                async with limiter.slot(cancel) as got:
                    if not got:
                        return None
                    comp = await collect(self.backend, request, on_chunk=on_chunk,
                                         cancel=cancel)
            except BackendError as err:
                if err.kind == "busy":
                    limiter.overloaded()
                n, _, delay = retry.after(err)
                if on_retry is not None:
                    on_retry(n, err, delay)
                if cancel is None:
                    await asyncio.sleep(delay)
                else:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(cancel.wait(), delay)
                    if cancel.is_set():
                        return None
                continue
            if not comp.cancelled:
                limiter.succeeded()
            break
        if comp.cancelled:
            return None
        verdict = parse_reply(comp.content)
        final = comp.final
        options: dict[str, Any] = {
            **request.options.as_dict(), "structured": request.json_schema is not None,
            "attempts": attempts, "stats": final.as_dict() if final else {},
        }
        if verdict.problem:
            options["problem"] = verdict.problem
        return JudgeScore(
            candidate_id=c.id, score=verdict.score, reason=verdict.reason, raw=comp.content,
            model=(final.model if final and final.model else "") or self.backend.model,
            backend=self.backend.name, rubric_version=self.rubric.version, options=options,
            elapsed_s=round(comp.elapsed_s, 4))

"""One judge request: render the rubric for an item, stream the reply, parse it.

:meth:`Judge.rate` returns a :class:`~synthstudio.records.JudgeScore` for every reply
that arrives, parsed or not (``score`` None, raw reply kept); only a backend that fails
after its retries raises (a :class:`~synthstudio.errors.BackendError`), and a cancelled
request returns None so that nothing half-heard is stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from synthstudio.backends.base import Backend, ChatRequest, Chunk, GenOptions, Message
from synthstudio.backends.collect import collect, with_retries
from synthstudio.config import JudgeSettings
from synthstudio.errors import BackendError
from synthstudio.judge.rubric import SCHEMA, Rubric
from synthstudio.judge.subject import judged_parts
from synthstudio.judge.verdict import parse_reply
from synthstudio.records import Candidate, JudgeScore


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
                   on_retry: Callable[[int, BackendError, float], Any] | None = None
                   ) -> JudgeScore | None:
        """Rate ``c``; None if ``cancel`` was set before the reply was complete."""
        if c.id is None:
            raise ValueError("only stored items can be judged")
        request = self.request(c)
        attempts = 0

        async def once():  # type: ignore[no-untyped-def]
            nonlocal attempts
            attempts += 1
            return await collect(self.backend, request, on_chunk=on_chunk, cancel=cancel)

        comp = await with_retries(once, attempts=self.retries + 1,
                                  base_delay=self.backoff_base_s, on_retry=on_retry)
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

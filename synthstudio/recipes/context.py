"""What a recipe step works with: the context, and the one way it sends a request.

``Context`` carries the pool, backend, settings, random state and event sink of a run;
:func:`ask` sends one request through the backend with retries and backoff, streaming
events, and returns the completion with its provenance record.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Any

from synthstudio.backends.base import Backend, ChatRequest, Completion, GenOptions, Message
from synthstudio.backends.collect import collect, with_retries
from synthstudio.config import Settings
from synthstudio.errors import BackendError
from synthstudio.events import EventSink, RequestFinished, RequestStarted, Status, StreamChunk
from synthstudio.store import Pool


def _set_event() -> asyncio.Event:
    event = asyncio.Event()
    event.set()
    return event


@dataclass
class Context:
    """Everything a recipe step needs; built by the engine."""

    pool: Pool
    backend: Backend
    settings: Settings
    rng: random.Random
    emit: EventSink
    #: set to cancel the request in flight (the partial text is kept, marked cancelled)
    cancel: asyncio.Event = field(default_factory=asyncio.Event)
    #: cleared while the run is paused: ``ask`` waits for it before sending a request, so a
    #: pause takes effect after the request in flight, not after the whole step
    resumed: asyncio.Event = field(default_factory=_set_event)
    run_id: int | None = None
    #: how many times ``ask`` retries a retryable backend error before giving up
    retries: int = 4
    #: the first retry waits this long (seconds); each later one doubles it
    backoff_base_s: float = 1.0
    #: no retry waits longer than this (seconds)
    backoff_max_s: float = 30.0

    def options(self, **overrides: Any) -> GenOptions:
        s = self.settings
        opts = GenOptions(temperature=s.temperature, top_p=s.top_p,
                          seed=self.rng.randrange(2**31))
        for k, v in overrides.items():
            setattr(opts, k, v)
        return opts

    async def ask(self, step: str, prompt: str | list[Message], options: GenOptions,
                  json_schema: dict[str, Any] | None = None,
                  think: bool | None = None) -> tuple[Completion, dict[str, Any]]:
        """Send one request, streaming events; return the completion and its provenance."""
        return await ask(self, step, prompt, options, json_schema, think)



async def ask(ctx: Context, step: str, prompt: str | list[Message], options: GenOptions,
              json_schema: dict[str, Any] | None = None,
              think: bool | None = None) -> tuple[Completion, dict[str, Any]]:
    """One request with retries and backoff on retryable backend errors.

    Chunks are reported as they arrive; setting ``ctx.cancel`` stops the request at once,
    even while waiting for a first token, and the partial completion is returned.
    """
    request = make_request(prompt, options, json_schema, think, ctx.settings.model or None)
    messages = [{"role": m.role, "content": m.content} for m in request.messages]
    attempts = 0
    await ctx.resumed.wait()

    async def once() -> Completion:
        nonlocal attempts
        attempts += 1
        ctx.emit(RequestStarted(step, messages, ctx.backend.model, ctx.backend.name))
        return await collect(ctx.backend, request,
                             on_chunk=lambda chunk: ctx.emit(StreamChunk(step, chunk)),
                             cancel=ctx.cancel)

    def on_retry(attempt: int, err: BackendError, delay: float) -> None:
        ctx.emit(Status(f"{err.full()} Retrying in {delay:.0f} s "
                        f"(attempt {attempt + 1} of {ctx.retries + 1}).", "warning",
                        err.kind))

    comp = await with_retries(once, attempts=ctx.retries + 1, base_delay=ctx.backoff_base_s,
                              on_retry=on_retry, max_delay=ctx.backoff_max_s)
    ctx.emit(RequestFinished(step, comp))
    return comp, request_record(step, messages, comp, options, attempts)


def request_record(step: str, messages: list[dict[str, str]], completion: Completion,
                   options: GenOptions, attempts: int) -> dict[str, Any]:
    """One request's provenance: exact prompt, raw output, stats and timings."""
    final = completion.final
    return {
        "step": step,
        "prompt": messages,
        "raw": completion.content,
        "thinking": completion.thinking,
        "options": options.as_dict(),
        "stats": final.as_dict() if final else {},
        "elapsed_s": round(completion.elapsed_s, 4),
        "first_token_s": completion.first_token_s,
        "cancelled": completion.cancelled,
        "attempts": attempts,
    }


def chat(prompt: str | list[Message]) -> list[Message]:
    return [Message("user", prompt)] if isinstance(prompt, str) else prompt


def make_request(prompt: str | list[Message], options: GenOptions,
                 json_schema: dict[str, Any] | None, think: bool | None,
                 model: str | None) -> ChatRequest:
    return ChatRequest(messages=chat(prompt), options=options, json_schema=json_schema,
                       think=think, model=model)

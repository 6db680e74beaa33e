"""What a recipe step works with: the context, and the one way it sends a request.

``Context`` carries the pool, backend, settings, random state, event sink and request
limit of a run (each step of the engine gets a child with its own cancel event); :func:`ask`
sends one request through the backend with retries and backoff, streaming events, and
returns the completion with its provenance record.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from synthstudio.backends.aimd import AdaptiveLimit
from synthstudio.backends.base import (
    Backend,
    ChatRequest,
    Chunk,
    Completion,
    ContentDelta,
    Final,
    GenOptions,
    Message,
)
from synthstudio.backends.collect import RetryBudget, collect
from synthstudio.config.settings import Settings
from synthstudio.errors import BackendError
from synthstudio.events import EventSink, RequestFinished, RequestStarted, Status, StreamChunk
from synthstudio.records import (
    ItemStatus,
    Problem,
    RequestProvenance,
    RequestStats,
    SeedTask,
    Topic,
)
from synthstudio.store.recipe_queries import CoverageKey


class RecipeStore(Protocol):
    """What a recipe may read of the pool (a :class:`~synthstudio.store.Pool` is one).

    Recipes only read: the engine stores what they make.
    """

    def list_seeds(self, search: str = "") -> list[SeedTask]: ...

    def instructions(self, statuses: tuple[ItemStatus, ...] = ...,
                     recipe: str = ...) -> list[tuple[int, str]]: ...

    def topics(self) -> list[Topic]: ...

    def problems(self) -> list[Problem]: ...

    def textbook_coverage(self) -> Counter[CoverageKey]: ...

    def textbook_texts(self) -> Iterator[tuple[int, str]]: ...

    def problem_samples(self) -> dict[int, tuple[int, int]]: ...


#: a watcher looks at the text streamed so far and says why it is certain to fail ("" if not)
Watch = Callable[[str], str]
#: streamed characters between two looks of a watcher
WATCH_EVERY = 400


def _set_event() -> asyncio.Event:
    event = asyncio.Event()
    event.set()
    return event


@dataclass
class Context:
    """Everything a recipe step needs; built by the engine (one per step, see :meth:`child`)."""

    pool: RecipeStore
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
    #: how many times ``ask`` retries an overloaded server (HTTP 503/429) before giving up
    busy_retries: int = 12
    #: the first retry waits this long (seconds); each later one doubles it
    backoff_base_s: float = 1.0
    #: no retry waits longer than this (seconds)
    backoff_max_s: float = 30.0
    #: the requests in flight to the backend, shared by every step of a run
    limiter: AdaptiveLimit = field(default_factory=lambda: AdaptiveLimit(1))
    #: which engine step this context belongs to (0 outside the engine)
    step_id: int = 0
    #: request ids, shared by every step of a run
    request_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def child(self, step_id: int) -> Context:
        """The context of one step: shares everything but its own cancel event."""
        return replace(self, cancel=asyncio.Event(), step_id=step_id)

    def options(self, *, temperature: float | None = None, num_predict: int | None = None,
                stop: list[str] | None = None) -> GenOptions:
        """One request's sampling options: the settings' temperature (or ``temperature``)
        and top_p, a fresh seed from the run's generator, the token limit and stops."""
        s = self.settings
        return GenOptions(temperature=s.temperature if temperature is None else temperature,
                          top_p=s.top_p, seed=self.rng.randrange(2**31),
                          num_predict=num_predict, stop=stop)

    async def ask(self, step: str, prompt: str | list[Message], options: GenOptions,
                  json_schema: dict[str, Any] | None = None,
                  think: bool | None = None,
                  watch: Watch | None = None) -> tuple[Completion, RequestRecord]:
        """Send one request, streaming events; return the completion and its provenance."""
        return await ask(self, step, prompt, options, json_schema, think, watch)


async def ask(ctx: Context, step: str, prompt: str | list[Message], options: GenOptions,
              json_schema: dict[str, Any] | None = None,
              think: bool | None = None,
              watch: Watch | None = None) -> tuple[Completion, RequestRecord]:
    """One request with retries and backoff on retryable backend errors.

    The request waits for a slot of ``ctx.limiter``; an overloaded server halves the slots
    and the request is retried (up to ``ctx.busy_retries`` times), other retryable errors
    up to ``ctx.retries`` times. Chunks are reported as they arrive; setting ``ctx.cancel``
    stops the request at once, even while waiting for a slot or a first token, and the
    partial completion is returned. ``watch`` looks at the text every ``WATCH_EVERY``
    characters; when it gives a reason, the request stops and the completion comes back
    with ``done_reason`` ``"stopped:<reason>"`` (not cancelled).
    """
    request = make_request(prompt, options, json_schema, think, ctx.settings.model or None)
    messages = [{"role": m.role, "content": m.content} for m in request.messages]
    attempts = 0
    retry = RetryBudget(ctx.retries, ctx.busy_retries, ctx.backoff_base_s, ctx.backoff_max_s)
    await ctx.resumed.wait()  # paused: the next request waits, the ones in flight end
    while True:
        attempts += 1
        try:
            comp = await _once(ctx, step, request, messages, watch)
        except BackendError as err:
            if err.kind == "busy":
                ctx.limiter.overloaded()
            n, budget, delay = retry.after(err)
            more = (f"; at most {ctx.limiter.limit} requests in flight for now"
                    if err.kind == "busy" and ctx.limiter.maximum > 1 else "")
            ctx.emit(Status(f"{err.full()} Retrying in {delay:.0f} s "
                            f"(attempt {n + 1} of {budget + 1}){more}.", "warning", err.kind))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ctx.cancel.wait(), delay)
            if ctx.cancel.is_set():
                comp = Completion(cancelled=True, final=Final("cancelled"))
                break
            continue
        if not comp.cancelled:
            ctx.limiter.succeeded()
        break
    return comp, request_record(step, messages, comp, request.options, attempts)


async def _once(ctx: Context, step: str, request: ChatRequest,
                messages: list[dict[str, str]], watch: Watch | None) -> Completion:
    async with ctx.limiter.slot(ctx.cancel) as got:
        if not got:
            return Completion(cancelled=True, final=Final("cancelled"))
        rid = next(ctx.request_ids)
        sid = ctx.step_id
        ctx.emit(RequestStarted(step, messages, ctx.backend.model, ctx.backend.name, sid, rid))
        if watch is None:
            comp = await collect(ctx.backend, request,
                                 on_chunk=lambda c: ctx.emit(StreamChunk(step, c, sid, rid)),
                                 cancel=ctx.cancel)
        else:
            comp = await _watched(ctx, step, request, watch, sid, rid)
        ctx.emit(RequestFinished(step, comp, sid, rid))
        return comp


async def _watched(ctx: Context, step: str, request: ChatRequest, watch: Watch,
                   sid: int, rid: int) -> Completion:
    """``collect`` with a watcher that may stop the request early (see :func:`ask`)."""
    halt = asyncio.Event()
    parts: list[str] = []
    seen = [0, 0]  # characters streamed, characters at the last look
    reason = [""]

    def on_chunk(chunk: Chunk) -> None:
        ctx.emit(StreamChunk(step, chunk, sid, rid))
        if isinstance(chunk, ContentDelta) and not halt.is_set():
            parts.append(chunk.text)
            seen[0] += len(chunk.text)
            if seen[0] - seen[1] >= WATCH_EVERY:
                seen[1] = seen[0]
                reason[0] = watch("".join(parts))
                if reason[0]:
                    halt.set()

    mirror = asyncio.ensure_future(_copy_event(ctx.cancel, halt))
    try:
        comp = await collect(ctx.backend, request, on_chunk=on_chunk, cancel=halt)
    finally:
        mirror.cancel()
    if reason[0] and not ctx.cancel.is_set():
        comp.cancelled = False
        comp.final = Final(done_reason=f"stopped:{reason[0]}", model=ctx.backend.model,
                           eval_tokens=None, total_duration_s=comp.elapsed_s)
    return comp


async def _copy_event(source: asyncio.Event, target: asyncio.Event) -> None:
    await source.wait()
    target.set()


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request's provenance: exact prompt, raw output, options, stats and timings."""

    step: str
    #: the messages sent, as dicts (``role``, ``content``)
    prompt: list[dict[str, str]]
    raw: str
    thinking: str
    #: the options as sent (a copy: the caller's may change after)
    options: GenOptions
    #: the stream's last chunk (None when it never came)
    final: Final | None
    elapsed_s: float
    first_token_s: float | None
    cancelled: bool
    attempts: int

    def as_dict(self) -> RequestProvenance:
        """The record as it goes into a candidate's ``provenance["requests"]`` (JSON)."""
        return {
            "step": self.step,
            "prompt": self.prompt,
            "raw": self.raw,
            "thinking": self.thinking,
            "options": self.options.as_dict(),
            "stats": self.final.as_dict() if self.final else RequestStats(),
            "elapsed_s": round(self.elapsed_s, 4),
            "first_token_s": self.first_token_s,
            "cancelled": self.cancelled,
            "attempts": self.attempts,
        }


def request_record(step: str, messages: list[dict[str, str]], completion: Completion,
                   options: GenOptions, attempts: int) -> RequestRecord:
    """What :func:`ask` returns beside the completion."""
    return RequestRecord(step=step, prompt=messages, raw=completion.content,
                         thinking=completion.thinking, options=replace(options),
                         final=completion.final, elapsed_s=completion.elapsed_s,
                         first_token_s=completion.first_token_s,
                         cancelled=completion.cancelled, attempts=attempts)


def chat(prompt: str | list[Message]) -> list[Message]:
    return [Message("user", prompt)] if isinstance(prompt, str) else prompt


def make_request(prompt: str | list[Message], options: GenOptions,
                 json_schema: dict[str, Any] | None, think: bool | None,
                 model: str | None) -> ChatRequest:
    return ChatRequest(messages=chat(prompt), options=options, json_schema=json_schema,
                       think=think, model=model)

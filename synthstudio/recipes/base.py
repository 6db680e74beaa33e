"""What a recipe is, and the context and events it works with.

A recipe knows how to make candidates (prompts, parsing, filters); the engine
(:mod:`synthstudio.engine`) drives it, stores what it makes and reports events to
whoever listens (the CLI's progress bar, the studio's panes).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from synthstudio.backends.base import (
    Backend,
    ChatRequest,
    Chunk,
    Completion,
    GenOptions,
    Message,
)
from synthstudio.config import Settings
from synthstudio.records import Candidate
from synthstudio.store import Pool

# -- events (plain dataclasses; the TUI wraps them in Textual messages) -------------


@dataclass(slots=True)
class RequestStarted:
    step: str
    messages: list[dict[str, str]]
    model: str
    backend: str


@dataclass(slots=True)
class StreamChunk:
    step: str
    chunk: Chunk


@dataclass(slots=True)
class RequestFinished:
    step: str
    completion: Completion


@dataclass(slots=True)
class CandidateReady:
    candidate: Candidate


@dataclass(slots=True)
class Status:
    text: str
    level: str = "info"  # "info" | "warning" | "error"
    #: for backend trouble, the BackendError kind ("unreachable", "busy", ...)
    kind: str = ""


Event = RequestStarted | StreamChunk | RequestFinished | CandidateReady | Status
EventSink = Callable[[Event], None]


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
    run_id: int | None = None
    #: how many times ``ask`` retries a retryable backend error before giving up
    retries: int = 4

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
        from synthstudio.engine import ask

        return await ask(self, step, prompt, options, json_schema, think)


class Recipe(Protocol):
    """A way of making candidates."""

    name: str

    def prepare(self, ctx: Context) -> None:
        """Load what the recipe needs from the pool (indexes, inputs). May be slow."""
        ...

    async def step(self, ctx: Context) -> list[Candidate]:
        """Make some candidates (scored, not yet stored): one unit of work."""
        ...

    def on_stored(self, candidate: Candidate) -> None:
        """A candidate was stored (any status); update in-memory state."""
        ...

    def on_status_changed(self, candidate: Candidate, old_status: str) -> None:
        """A person accepted, rejected or un-accepted a candidate."""
        ...

    def state(self) -> dict[str, Any]:
        """Sampling state to save with the run, for resume."""
        ...

    def restore(self, state: dict[str, Any]) -> None: ...


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

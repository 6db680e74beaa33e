"""Test doubles: a scripted backend that streams queued replies like a real one.

``ScriptedBackend(replies)`` takes a list of replies; each reply is a string (content),
a ``Reply`` (content, thinking, done_reason, delay per chunk, an event to hold the
stream on), a callable
``(ChatRequest) -> Reply | str`` or an exception instance to raise. When the queue is
empty it repeats ``default``. Every request is recorded in ``.requests``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from synthstudio.backends.base import (
    ChatRequest,
    Chunk,
    ContentDelta,
    Final,
    ModelInfo,
    ThinkingDelta,
)


@dataclass
class Reply:
    content: str = ""
    thinking: str = ""
    done_reason: str = "stop"
    delay: float = 0.0  # seconds between chunks
    chunk_size: int = 7
    #: content chunk number -> an event the stream waits for before sending that chunk
    #: (a test then knows the reply is still streaming, however slow the machine)
    holds: dict[int, threading.Event] = field(default_factory=dict)


class ScriptedBackend:
    name = "scripted"

    def __init__(self, replies: list[Any] | None = None, default: Any = "",
                 model: str = "fake-model") -> None:
        self.replies = list(replies or [])
        self.default = default
        self.model = model
        self.requests: list[ChatRequest] = []
        self.closed = False

    def _next(self, request: ChatRequest) -> Any:
        item = self.replies.pop(0) if self.replies else self.default
        if callable(item) and not isinstance(item, Reply):
            item = item(request)
        return item

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        self.requests.append(request)
        item = self._next(request)
        if isinstance(item, BaseException):
            raise item
        reply = item if isinstance(item, Reply) else Reply(content=str(item))
        n = reply.chunk_size
        for i in range(0, len(reply.thinking), n):
            if reply.delay:
                await asyncio.sleep(reply.delay)
            yield ThinkingDelta(reply.thinking[i:i + n])
        for k, i in enumerate(range(0, len(reply.content), n)):
            if reply.delay:
                await asyncio.sleep(reply.delay)
            if k in reply.holds:
                while not reply.holds[k].is_set():
                    await asyncio.sleep(0.005)
            yield ContentDelta(reply.content[i:i + n])
        tokens = max(1, len(reply.content) // 4)
        yield Final(done_reason=reply.done_reason, prompt_tokens=10, eval_tokens=tokens,
                    eval_duration_s=tokens / 100, total_duration_s=tokens / 90,
                    model=self.model)

    async def list_models(self) -> list[ModelInfo]:
        return [ModelInfo(self.model)]

    async def aclose(self) -> None:
        self.closed = True


def by_step(**handlers: Callable[[ChatRequest], Any] | str) -> Callable[[ChatRequest], Any]:
    """A reply function that answers by which Self-Instruct prompt it sees."""

    def reply(request: ChatRequest) -> Any:
        text = request.messages[-1].content
        if "Is it classification?" in text:
            h = handlers.get("classify", "No")
        elif "Class label:" in text or "Input: ..." in text:
            h = handlers.get("instances", "Input: x\nOutput: y")
        else:
            h = handlers.get("instructions", "")
        return h(request) if callable(h) else h

    return reply

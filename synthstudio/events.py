"""The event vocabulary of a run: what the engine and recipes report as they work.

Plain dataclasses, known to every layer above the store: the engine and recipes emit them,
the CLI's progress bar and the studio's panes consume them (the studio wraps them in
Textual messages). With several requests in flight, ``step_id`` and ``request_id`` tell
their streams apart; :class:`Throughput` totals them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from synthstudio.backends.base import Chunk, Completion, ContentDelta, ThinkingDelta
from synthstudio.records import Candidate


@dataclass(slots=True)
class RequestStarted:
    step: str
    messages: list[dict[str, str]]
    model: str
    backend: str
    #: the engine step this request belongs to (several run at once with concurrency)
    step_id: int = 0
    #: unique within a run: tells the streams of parallel requests apart
    request_id: int = 0


@dataclass(slots=True)
class StreamChunk:
    step: str
    chunk: Chunk
    step_id: int = 0
    request_id: int = 0


@dataclass(slots=True)
class RequestFinished:
    step: str
    completion: Completion
    step_id: int = 0
    request_id: int = 0


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


class Throughput:
    """Totals over every stream of a run: tokens streamed and tokens per second.

    Feed it every event (:meth:`see`); it counts one token per content or thinking chunk
    (what streaming servers send) and takes the rate since the first token.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.tokens = 0
        self.started = 0
        self.finished = 0
        self.first: float | None = None

    def see(self, event: Event) -> bool:
        """Count ``event``; True if it was a request event (started, chunk, finished)."""
        if isinstance(event, StreamChunk):
            if isinstance(event.chunk, ContentDelta | ThinkingDelta):
                self.tokens += 1
                if self.first is None:
                    self.first = self.clock()
            return True
        if isinstance(event, RequestStarted):
            self.started += 1
            return True
        if isinstance(event, RequestFinished):
            self.finished += 1
            return True
        return False

    @property
    def rate(self) -> float:
        """Tokens per second over all streams since the first token."""
        if self.first is None:
            return 0.0
        return self.tokens / max(self.clock() - self.first, 1e-3)

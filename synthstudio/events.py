"""The event vocabulary of a run: what the engine and recipes report as they work.

Plain dataclasses, known to every layer above the store: the engine and recipes emit them,
the CLI's progress bar and the studio's panes consume them (the studio wraps them in
Textual messages).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from synthstudio.backends.base import Chunk, Completion
from synthstudio.records import Candidate


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

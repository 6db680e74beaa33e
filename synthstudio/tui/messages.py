"""Textual messages named for what happened; the engine's events arrive as these.

The engine calls the app's sink on the app's own loop; the sink turns each event into one
of these messages. :class:`TokensStreamed` carries no text (the text is gathered in the
Generation pane's buffer), so a flood of them coalesces: a pending one is replaced by the
next and the pane redraws once per batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from synthstudio.backends.base import Completion
from synthstudio.records import Candidate


@dataclass
class RequestBegan(Message):
    """A request was sent to the model: its step, exact messages, model and backend."""

    step: str
    messages: list[dict[str, str]]
    model: str
    backend: str


@dataclass
class TokensStreamed(Message):
    """More text arrived for the request in flight (read it from the stream buffer)."""

    step: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TokensStreamed)


@dataclass
class RequestEnded(Message):
    step: str
    completion: Completion


@dataclass
class CandidateArrived(Message):
    """The engine stored a candidate (proposed, accepted or rejected by a filter)."""

    candidate: Candidate


@dataclass
class EngineStatus(Message):
    text: str
    level: str = "info"
    kind: str = ""


@dataclass
class RunEnded(Message):
    """The engine's run returned (finished, stopped, exhausted or failed)."""

    status: str
    message: str = ""
    summary: Any = None


@dataclass
class BackendReady(Message):
    """The model backend was opened (or could not be): what the status bar shows."""

    backend: Any
    why: str = ""
    error: str = ""


@dataclass
class CandidateFocused(Message):
    """A list highlighted a candidate: the Scores pane shows it, the keys act on it."""

    candidate: Candidate | None
    source: str = ""


@dataclass
class JudgeStreamed(Message):
    """More of the judge's reply about one candidate arrived."""

    candidate_id: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, JudgeStreamed) and message.candidate_id == self.candidate_id


@dataclass
class JudgeScored(Message):
    """A judge score is known (``candidate_id``), or several were loaded (None)."""

    candidate_id: int | None

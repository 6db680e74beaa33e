"""Textual messages named for what happened; the engine's events arrive as these.

The engine calls the app's sink on the engine's own thread; the sink turns each event
into one of these messages (posting is thread-safe). :class:`TokensStreamed` carries no
text (the text waits in the request's :class:`~synthstudio.tui.stream_feed.StreamFeed`)
and is posted only when none is pending, and a pending one is replaced by the next, so a
flood of tokens never queues: the pane draws once per batch.

Pool reads and writes run on the studio's pool thread; their results come back as the
``Pool...`` messages below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message

from synthstudio.backends.base import Completion
from synthstudio.engine import RunSummary
from synthstudio.records import Candidate, JudgeScore, Run, RunStatus


@dataclass
class RequestBegan(Message):
    """A request was sent to the model: its step, exact messages, model and backend."""

    step: str
    messages: list[dict[str, str]]
    model: str
    backend: str
    #: where this request's chunks wait for the pane
    feed: Any = None
    #: the engine step it belongs to and its id in the run (several stream at once)
    step_id: int = 0
    request_id: int = 0


@dataclass
class TokensStreamed(Message):
    """More text arrived for a request in flight (take it from the requests' feeds: one
    notice stands for all of them)."""

    step: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TokensStreamed)


@dataclass
class RequestEnded(Message):
    step: str
    completion: Completion
    request_id: int = 0


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

    status: RunStatus
    message: str = ""
    summary: RunSummary | None = None


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
class QueueLoaded(Message):
    """The review queue as the pool holds it (read on the pool thread)."""

    items: list[Candidate]
    focus_id: int | None = None
    #: decisions sent before the read (a later one makes the read out of date)
    writes: int = 0
    #: the judge's stored scores of the items (id -> score)
    scores: dict[int, JudgeScore] = field(default_factory=dict)


@dataclass
class PoolListLoaded(Message):
    """The accepted items for the Pool pane (newest first, with the search applied)."""

    items: list[Candidate]
    search: str
    focus_id: int | None = None
    order: str = "arrival"
    #: the judge's stored scores of the items (id -> score)
    scores: dict[int, JudgeScore] = field(default_factory=dict)


@dataclass
class CountsChecked(Message):
    """The pool's counts and rejection reasons, read in the background.

    ``writes`` is how many decisions the studio had sent before the read; ``last_id`` the
    newest candidate the read saw (a candidate the engine reports later is counted once).
    """

    counts: dict[str, int]
    reasons: dict[str, int]
    writes: int
    last_id: int


@dataclass
class PoolWriteFailed(Message):
    """A write on the pool thread failed: what was being done, and why."""

    what: str
    error: str


@dataclass
class ResumeFound(Message):
    """The last stopped or killed run (None if every run finished) and its counts."""

    run: Run | None
    counts: dict[str, int]
    #: True when looked for again after a run ended (nothing is said, g asks)
    quiet: bool = False
    #: the studio's count of started runs when the look was asked for
    serial: int = 0


@dataclass
class RunChoiceWanted(Message):
    """``g`` with an unfinished run in the pool: ask to resume it or start a new one."""

    run: Run
    counts: dict[str, int]


@dataclass
class RunWanted(Message):
    """``g`` was pressed before the look for a stopped run came back: start after it."""


@dataclass
class RunStarted(Message):
    """The engine's thread made the recipe and the engine: the studio may control it."""

    engine: Any
    recipe: Any


@dataclass
class JudgeStreamed(Message):
    """More of the judge's reply about one candidate arrived: ``text`` is all of it so
    far (a newer one replaces a pending one, so a fast reply never floods the queue)."""

    candidate_id: int
    text: str = ""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, JudgeStreamed) and message.candidate_id == self.candidate_id


@dataclass
class JudgeScored(Message):
    """The judge rated a candidate (``score``; None: no usable reply) or could not
    (``error``)."""

    candidate_id: int
    score: JudgeScore | None = None
    error: str = ""


@dataclass
class JudgeScoresLoaded(Message):
    """Stored judge scores of listed candidates, read on the pool thread (id -> score)."""

    scores: dict[int, JudgeScore]

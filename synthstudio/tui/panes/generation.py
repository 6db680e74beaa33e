"""Pane 2: the request in flight, token by token, and the queue of candidates to review.

The engine's thread gathers each request's chunks in its :class:`StreamFeed` and tells
the pane (one :class:`TokensStreamed` at a time); at most every ``REDRAW_S`` the pane
takes what arrived, keeps it in its :class:`StreamBuffer` and appends it to the
:class:`StreamView` (only the new text is wrapped and drawn). When the request ends the
full reply is shown once. Thinking is kept apart in a collapsible. All text is inert.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from textual import on
from textual.app import ComposeResult
from textual.events import DescendantFocus
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Collapsible, OptionList, Static

from synthstudio.backends.base import Chunk, Completion, ContentDelta, Final, ThinkingDelta
from synthstudio.records import PROPOSED, Candidate
from synthstudio.tui import bindings
from synthstudio.tui.messages import (
    CandidateFocused,
    RequestBegan,
    RequestEnded,
    TokensStreamed,
)
from synthstudio.tui.panes import Pane
from synthstudio.tui.record_list import RecordList
from synthstudio.tui.stream_feed import StreamFeed
from synthstudio.tui.stream_view import FollowChanged, StreamView
from synthstudio.tui.text import candidate_line, safe

REDRAW_S = 0.25


@dataclass
class StreamBuffer:
    """What the request in flight has produced so far."""

    step: str = ""
    messages: list[dict[str, str]] = field(default_factory=list)
    content: list[str] = field(default_factory=list)
    thinking: list[str] = field(default_factory=list)
    chunks: int = 0
    started: float = 0.0
    ended: float | None = None
    final: Final | None = None
    cancelled: bool = False

    def begin(self, step: str, messages: list[dict[str, str]]) -> None:
        self.step, self.messages = step, list(messages)
        self.content, self.thinking = [], []
        self.chunks, self.started, self.ended = 0, time.monotonic(), None
        self.final, self.cancelled = None, False

    def feed(self, chunk: Chunk) -> None:
        if isinstance(chunk, ContentDelta):
            self.content.append(chunk.text)
            self.chunks += 1
        elif isinstance(chunk, ThinkingDelta):
            self.thinking.append(chunk.text)
            self.chunks += 1
        elif isinstance(chunk, Final):
            self.final = chunk

    def end(self, completion: Completion) -> None:
        self.ended = time.monotonic()
        self.cancelled = completion.cancelled
        self.final = completion.final or self.final
        self.content = [completion.content]
        self.thinking = [completion.thinking] if completion.thinking else []

    @property
    def text(self) -> str:
        return "".join(self.content)

    @property
    def thinking_text(self) -> str:
        return "".join(self.thinking)

    @property
    def elapsed(self) -> float:
        if not self.started:
            return 0.0
        return (self.ended or time.monotonic()) - self.started

    @property
    def rate(self) -> float | None:
        """Tokens per second: the backend's figure when done, else chunks per second."""
        if self.final is not None and self.final.tokens_per_second:
            return self.final.tokens_per_second
        if self.chunks and self.elapsed > 0:
            return self.chunks / self.elapsed
        return None


class GenerationPane(Pane):
    BORDER_TITLE = "2 Generation"
    BINDINGS = bindings.GENERATION

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.buffer = StreamBuffer()
        self.model = ""
        self.backend = ""
        self.state = "idle"
        self.feed: StreamFeed | None = None
        self._redraw: Timer | None = None
        self._ticker: Timer | None = None
        self._filtered = False
        self.recipe_line = ""

    def compose(self) -> ComposeResult:
        yield Static(id="gen-header")
        yield Static(id="gen-note")
        with Collapsible(title="thinking", id="gen-thinking", collapsed=True):
            yield StreamView(id="thinking-text")
        yield StreamView("Press g to generate.", id="gen-stream")
        yield RecordList(lambda c: c.id, candidate_line, id="queue")

    def on_mount(self) -> None:
        self.query_one("#gen-thinking").display = False
        self.query_one("#gen-note").display = False
        self._title()
        self.show_header()

    @property
    def primary(self) -> Widget:
        return self.listing

    # -- header -------------------------------------------------------------------------

    def set_backend(self, backend: str, model: str, note: str = "") -> None:
        self.backend, self.model = backend, model
        box = self.query_one("#gen-note", Static)
        box.update(safe(note))
        box.display = bool(note)
        self.show_header()

    def set_recipe(self, line: str) -> None:
        """The pane's title names the recipe that runs (``g: textbook``, ``running ...``)."""
        self.recipe_line = line
        self.border_title = f"{self.BORDER_TITLE} · {line}" if line else self.BORDER_TITLE

    def set_state(self, state: str) -> None:
        self.state = state
        self.show_header()

    def show_header(self) -> None:
        """State first, then the step, the detail last: a narrow pane cuts the detail."""
        b = self.buffer
        parts = [self.state]
        if b.started and not self.stream.following:
            parts.append("scrolled up: End follows")
        parts.append(b.step or "no request yet")
        if b.started:
            rate = b.rate
            parts.append(f"{rate:.1f} tok/s" if rate else "– tok/s")
            parts.append(f"{b.elapsed:.1f} s")
        parts.append(f"{self.model or '?'} @ {self.backend or '?'}")
        self.query_one("#gen-header", Static).update(safe(" · ".join(parts)))

    @property
    def stream(self) -> StreamView:
        return self.query_one("#gen-stream", StreamView)

    @property
    def thinking(self) -> StreamView:
        return self.query_one("#thinking-text", StreamView)

    @on(FollowChanged)
    def _follow_changed(self, event: FollowChanged) -> None:
        event.stop()
        self.show_header()

    # -- the stream ---------------------------------------------------------------------

    def on_request_began(self, event: RequestBegan) -> None:
        """A new request: a new feed, an empty view."""
        event.stop()
        self.draw()  # whatever the last request left in its feed
        self.feed = event.feed
        self.buffer.begin(event.step, event.messages)
        self.model, self.backend = event.model or self.model, event.backend or self.backend
        self.state = "streaming"
        self.stream.clear()
        self.thinking.clear()
        self._thinking_box(0)
        if self._ticker is None:
            self._ticker = self.set_interval(1.0, self.show_header)
        self.show_header()

    def on_tokens_streamed(self, event: TokensStreamed) -> None:
        event.stop()
        if self._redraw is None:
            self._redraw = self.set_timer(REDRAW_S, self.draw)

    def on_request_ended(self, event: RequestEnded) -> None:
        self.draw()
        self.buffer.end(event.completion)
        cancelled = event.completion.cancelled
        self.state = "cancelled: partial text kept" if cancelled else "done"
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        # the full reply once (a backend may have moved inline thinking out of it)
        if self.stream.text != self.buffer.text:
            self.stream.set_text(self.buffer.text)
        thinking = self.buffer.thinking_text
        if self.thinking.text != thinking:
            self.thinking.set_text(thinking)
        self._thinking_box(len(thinking))
        self.show_header()

    def draw(self) -> None:
        """Append what the feed gathered since the last batch."""
        if self._redraw is not None:
            self._redraw.stop()
            self._redraw = None
        if self.feed is None:
            return
        chunks = self.feed.take()
        if not chunks:
            return
        content: list[str] = []
        thinking: list[str] = []
        for chunk in chunks:
            self.buffer.feed(chunk)
            if isinstance(chunk, ContentDelta):
                content.append(chunk.text)
            elif isinstance(chunk, ThinkingDelta):
                thinking.append(chunk.text)
        if thinking:
            self.thinking.append("".join(thinking))
            self._thinking_box(sum(len(t) for t in self.buffer.thinking))
        if content:
            self.stream.append("".join(content))

    def _thinking_box(self, chars: int) -> None:
        box = self.query_one("#gen-thinking", Collapsible)
        box.display = chars > 0
        box.title = f"thinking ({chars} chars, h)"

    def action_toggle_thinking(self) -> None:
        self.draw()  # what the feed holds counts too
        if not self.buffer.thinking_text:
            self.notify("No thinking text: the request shown has none (only thinking "
                        "models write it, when the recipe or settings ask them to think).")
            return
        box = self.query_one("#gen-thinking", Collapsible)
        box.collapsed = not box.collapsed

    # -- the queue ----------------------------------------------------------------------

    @property
    def listing(self) -> RecordList[Candidate]:
        return self.query_one("#queue", RecordList)

    def set_queue(self, queue: list[Candidate], focus: Candidate | None,
                  filtered: bool) -> None:
        """Show ``queue`` and highlight ``focus`` (or the first item)."""
        self._filtered = filtered
        self.listing.show(queue, focus.id if focus is not None else None)
        self._title()

    def drop(self, c: Candidate, focus: Candidate | None) -> None:
        """``c`` left the queue: remove its line, highlight ``focus``."""
        self.listing.drop(c, focus.id if focus is not None else None)
        self._title()

    def append(self, c: Candidate) -> None:
        self.listing.append(c)
        self._title()

    def _title(self) -> None:
        """Only proposed items wait; with f on, the filtered-out ones are counted apart."""
        records = list(self.listing.records.values())
        waiting = sum(1 for c in records if c.status == PROPOSED)
        title = f"queue · {waiting} waiting"
        if self._filtered:
            title += f" · {len(records) - waiting} filtered out shown (f)"
        self.listing.border_title = title

    def highlighted(self) -> Candidate | None:
        return self.listing.current()

    @on(OptionList.OptionHighlighted, "#queue")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        # the highlight as it is now: an event of an option removed since is stale
        self.post_message(CandidateFocused(self.listing.current(), "queue"))

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        if event.widget.id == "queue":
            self.post_message(CandidateFocused(self.highlighted(), "queue"))

    @on(OptionList.OptionSelected, "#queue")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.app.action_focus_pane("scores")  # type: ignore[attr-defined]

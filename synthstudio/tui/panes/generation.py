"""Pane 2: the requests in flight, token by token, and the queue of candidates to review.

The engine's thread gathers each request's chunks in its :class:`StreamFeed` and tells
the pane (one :class:`TokensStreamed` at a time, whichever request it was); at most every
``REDRAW_S`` the pane takes what every feed gathered into its request's
:class:`StreamBuffer` (:class:`~synthstudio.tui.streams.Streams`). The request the person
follows is appended to the :class:`StreamView` (only the new text is wrapped and drawn);
each other request in flight is one line (step, tokens, tok/s), and ``<`` / ``>`` follow
another one (its text so far is shown once, then appended to). When the followed request
ends its full reply is shown once. Thinking is kept apart in a collapsible. All text is
inert.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Collapsible, OptionList, Static

from synthstudio.backends.base import ContentDelta, ThinkingDelta
from synthstudio.records import PROPOSED, Candidate
from synthstudio.tui import bindings
from synthstudio.tui.messages import (
    RequestBegan,
    RequestEnded,
    TokensStreamed,
)
from synthstudio.tui.panes.candidate_pane import CandidateListPane
from synthstudio.tui.record_list import RecordList
from synthstudio.tui.stream_view import FollowChanged, StreamView
from synthstudio.tui.streams import StreamBuffer, Streams
from synthstudio.tui.text import safe

__all__ = ["GenerationPane", "StreamBuffer"]

REDRAW_S = 0.25


class GenerationPane(CandidateListPane):
    BORDER_TITLE = "2 Generation"
    BINDINGS = bindings.GENERATION
    LIST_ID = SOURCE = "queue"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        #: the requests in flight (and the last one followed, while no other started)
        self.streams = Streams()
        self._idle = StreamBuffer()
        self.model = ""
        self.backend = ""
        self.state = "idle"
        self._redraw: Timer | None = None
        self._ticker: Timer | None = None
        self._tick_due = False  # the header's second came while a batch of text was due
        self._filtered = False
        self.recipe_line = ""

    def compose(self) -> ComposeResult:
        yield Static(id="gen-header")
        yield Static(id="gen-others")
        yield Static(id="gen-note")
        with Collapsible(title="thinking", id="gen-thinking", collapsed=True):
            yield StreamView(id="thinking-text")
        yield StreamView("Press g to generate.", id="gen-stream")
        yield RecordList(lambda c: c.id, self._line, id=self.LIST_ID)

    def on_mount(self) -> None:
        self.query_one("#gen-thinking").display = False
        self.query_one("#gen-note").display = False
        self.query_one("#gen-others").display = False
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
        # one line high whatever it says (themes/studio.tcss): no layout of the screen,
        # which this line, redrawn every second while a request runs, used to cost
        self.query_one("#gen-header", Static).update(safe(" · ".join(parts)), layout=False)

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

    @property
    def buffer(self) -> StreamBuffer:
        """The followed request's buffer (an empty one before the first request)."""
        return self.streams.focused or self._idle

    def on_request_began(self, event: RequestBegan) -> None:
        """A new request: followed (a new, empty view) unless the one followed still
        streams; then it is one more line under the header."""
        event.stop()
        self.draw()  # whatever earlier requests left in their feeds
        self.model, self.backend = event.model or self.model, event.backend or self.backend
        if not self.streams.begin(event.request_id, event.step_id, event.step,
                                  event.messages, event.feed):
            self.show_others()
            return
        self.state = "streaming"
        self.stream.clear()
        self.thinking.clear()
        self._thinking_box(0)
        if self._ticker is None:
            self._ticker = self.set_interval(1.0, self._tick)
        self.show_others()
        self.show_header()

    def on_tokens_streamed(self, event: TokensStreamed) -> None:
        event.stop()
        if self._redraw is None:
            self._redraw = self.set_timer(REDRAW_S, self.draw)

    def on_request_ended(self, event: RequestEnded) -> None:
        self.draw()
        if not self.streams.end(event.request_id, event.completion):
            self.show_others()  # one of the others: its line goes
            return
        cancelled = event.completion.cancelled
        self.state = "cancelled: partial text kept" if cancelled else "done"
        if self._ticker is not None and not self.streams.streaming:
            self._ticker.stop()
            self._ticker = None
        self._show_ended()
        self.show_others()
        self.show_header()

    def _show_ended(self) -> None:
        """The followed request's full reply once (a backend may have moved inline
        thinking out of it)."""
        buf = self.buffer
        if self.stream.text != buf.text:
            self.stream.set_text(buf.text)
        thinking = buf.thinking_text
        if self.thinking.text != thinking:
            self.thinking.set_text(thinking)
        self._thinking_box(len(thinking))

    def follow(self, delta: int) -> bool:
        """Follow the next (``delta`` 1) or previous (-1) request in flight: its text so
        far is shown once, then appended to as it streams. False with one request."""
        if len(self.streams.buffers) < 2:
            return False
        self.draw()
        buf = self.streams.move(delta)
        if buf is None:
            return False
        if buf.ended is not None:
            self.state = "cancelled: partial text kept" if buf.cancelled else "done"
            self._show_ended()
        else:
            self.state = "streaming"
            self.stream.set_text(buf.text)
            self.thinking.set_text(buf.thinking_text)
            self._thinking_box(len(buf.thinking_text))
        self.show_others()
        self.show_header()
        return True

    def _tick(self) -> None:
        """Once a second: the header's rate and time, and the others' lines. While text
        streams a batch is due within ``REDRAW_S``: they are drawn with it, in the same
        frame (each frame draws every pane of the screen again, cached or not)."""
        if self._redraw is not None:
            self._tick_due = True
            return
        self._tick_due = False
        self.show_others()
        self.show_header()

    def draw(self) -> None:
        """Take what every feed gathered since the last batch; append the followed
        request's part to the view."""
        if self._redraw is not None:
            self._redraw.stop()
            self._redraw = None
        if self._tick_due:
            self._tick()
        taken = self.streams.take()
        if not taken:
            return
        chunks = taken.get(self.streams.focus) if self.streams.focus is not None else None
        if chunks:
            content: list[str] = []
            thinking: list[str] = []
            for chunk in chunks:
                if isinstance(chunk, ContentDelta):
                    content.append(chunk.text)
                elif isinstance(chunk, ThinkingDelta):
                    thinking.append(chunk.text)
            if thinking:
                self.thinking.append("".join(thinking))
                self._thinking_box(sum(len(t) for t in self.buffer.thinking))
            if content:
                self.stream.append("".join(content))
        if len(taken) > 1 or not chunks:
            self.show_others()

    def _thinking_box(self, chars: int) -> None:
        box = self.query_one("#gen-thinking", Collapsible)
        box.display = chars > 0
        box.title = f"thinking ({chars} chars, h)"

    def show_others(self) -> None:
        """The other requests in flight, one line each (none at concurrency 1)."""
        lines = self.streams.others()
        box = self.query_one("#gen-others", Static)
        box.display = bool(lines)
        if lines:
            box.update(safe("\n".join(f"  ↳ {line}" for line in lines)
                            + "\n  (< > follow another)"))

    def action_toggle_thinking(self) -> None:
        self.draw()  # what the feed holds counts too
        if not self.buffer.thinking_text:
            self.notify("No thinking text: the request shown has none (only thinking "
                        "models write it, when the recipe or settings ask them to think).")
            return
        box = self.query_one("#gen-thinking", Collapsible)
        box.collapsed = not box.collapsed

    # -- the queue ----------------------------------------------------------------------

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

    def insert(self, index: int, c: Candidate, focus: Candidate | None) -> None:
        """``c`` is back in the queue at ``index``: its line goes there (the others stay
        as they are); ``focus`` is highlighted, else the highlight stays."""
        self.listing.insert(index, c)
        if focus is not None:
            self.listing.highlight(focus.id)
        self._title()

    def _title(self) -> None:
        """Only proposed items wait; with f on, the filtered-out ones are counted apart."""
        records = list(self.listing.records.values())
        waiting = sum(1 for c in records if c.status == PROPOSED)
        title = f"queue · {waiting} waiting"
        if self._filtered:
            title += f" · {len(records) - waiting} filtered out shown (f)"
        self.listing.set_border_title(title)

    @on(OptionList.OptionSelected, "#queue")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.app.action_focus_pane("scores")  # type: ignore[attr-defined]

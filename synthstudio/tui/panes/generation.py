"""Pane 2: the request in flight, token by token, and the queue of candidates to review.

The app's engine sink gathers chunks in a :class:`StreamBuffer` as they arrive and posts
:class:`TokensStreamed`, which coalesce; the view redraws at most every ``REDRAW_S`` (a
batch), and once more in full when the request ends. Thinking is kept apart in a
collapsible. All text is shown inert.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.events import DescendantFocus
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Collapsible, OptionList, Static
from textual.widgets.option_list import Option

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
from synthstudio.tui.text import candidate_line, safe

REDRAW_S = 0.05


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
        self._redraw: Timer | None = None
        self._ticker: Timer | None = None
        self._queue: list[Candidate] = []
        self._filtered = False
        self.recipe_line = ""

    def compose(self) -> ComposeResult:
        yield Static(id="gen-header")
        yield Static(id="gen-note")
        with Collapsible(title="thinking", id="gen-thinking", collapsed=True):
            with VerticalScroll(id="thinking-scroll"):
                yield Static(id="thinking-text")
        with VerticalScroll(id="gen-stream"):
            yield Static("Press g to generate.", id="stream-text")
        yield OptionList(id="queue")

    def on_mount(self) -> None:
        self.query_one("#gen-thinking").display = False
        self.query_one("#gen-note").display = False
        self._title()
        self.show_header()

    @property
    def primary(self) -> Widget:
        return self.query_one("#queue", OptionList)

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
        parts = [self.state, b.step or "no request yet"]
        if b.started:
            rate = b.rate
            parts.append(f"{rate:.1f} tok/s" if rate else "– tok/s")
            parts.append(f"{b.elapsed:.1f} s")
        parts.append(f"{self.model or '?'} @ {self.backend or '?'}")
        self.query_one("#gen-header", Static).update(safe(" · ".join(parts)))

    # -- the stream ---------------------------------------------------------------------

    def on_request_began(self, event: RequestBegan) -> None:
        """The app's sink has reset the buffer; show the new request."""
        event.stop()
        self.model, self.backend = event.model or self.model, event.backend or self.backend
        self.state = "streaming"
        self.draw()
        if self._ticker is None:
            self._ticker = self.set_interval(0.5, self.show_header)

    def on_tokens_streamed(self, event: TokensStreamed) -> None:
        event.stop()
        if self._redraw is None:
            self._redraw = self.set_timer(REDRAW_S, self.draw)

    def on_request_ended(self, event: RequestEnded) -> None:
        cancelled = event.completion.cancelled
        self.state = "cancelled: partial text kept" if cancelled else "done"
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        self.draw()

    def draw(self) -> None:
        """Show the buffer as it is now (one batch, or the full text at the end)."""
        if self._redraw is not None:
            self._redraw.stop()
            self._redraw = None
        thinking = self.buffer.thinking_text
        box = self.query_one("#gen-thinking", Collapsible)
        box.display = bool(thinking)
        box.title = f"thinking ({len(thinking)} chars, h)"
        self.query_one("#thinking-text", Static).update(safe(thinking))
        self.query_one("#thinking-scroll", VerticalScroll).scroll_end(animate=False)
        self.query_one("#stream-text", Static).update(safe(self.buffer.text))
        self.query_one("#gen-stream", VerticalScroll).scroll_end(animate=False)
        self.show_header()

    def action_toggle_thinking(self) -> None:
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
        self._queue = list(queue)
        self._filtered = filtered
        listing = self.query_one("#queue", OptionList)
        listing.set_options([Option(candidate_line(c), id=str(c.id)) for c in queue])
        ids = [c.id for c in queue]
        if focus is not None and focus.id in ids:
            listing.highlighted = ids.index(focus.id)
        elif queue:
            listing.highlighted = 0
        self._title()

    def append(self, c: Candidate) -> None:
        self._queue.append(c)
        listing = self.query_one("#queue", OptionList)
        listing.add_option(Option(candidate_line(c), id=str(c.id)))
        if listing.highlighted is None:
            listing.highlighted = 0
        self._title()

    def _title(self) -> None:
        """Only proposed items wait; with f on, the filtered-out ones are counted apart."""
        waiting = sum(1 for c in self._queue if c.status == PROPOSED)
        title = f"queue · {waiting} waiting"
        if self._filtered:
            title += f" · {len(self._queue) - waiting} filtered out shown (f)"
        self.query_one("#queue").border_title = title

    def highlighted(self) -> Candidate | None:
        option = self.query_one("#queue", OptionList).highlighted_option
        if option is None:
            return None
        return next((c for c in self._queue if str(c.id) == option.id), None)

    @on(OptionList.OptionHighlighted, "#queue")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        c = next((q for q in self._queue if str(q.id) == event.option_id), None)
        self.post_message(CandidateFocused(c, "queue"))

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        if event.widget.id == "queue":
            self.post_message(CandidateFocused(self.highlighted(), "queue"))

    @on(OptionList.OptionSelected, "#queue")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.app.action_focus_pane("scores")  # type: ignore[attr-defined]

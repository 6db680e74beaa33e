"""The requests in flight, one :class:`StreamBuffer` each, and which one the person follows.

With ``concurrency`` above one, several requests stream at once. Each has its own
:class:`StreamFeed` (the engine's thread puts chunks in, the studio's loop takes them in
batches) and its own buffer. The Generation pane shows the focused one in its
:class:`StreamView`, appending as text arrives, and every other one as one line: step,
tokens so far and tokens per second. The focus stays on a request until it ends and
another starts, or until the person moves it (``<`` / ``>``). No textual here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from synthstudio.backends.base import Chunk, Completion, ContentDelta, Final, ThinkingDelta
from synthstudio.tui.stream_feed import StreamFeed


@dataclass
class StreamBuffer:
    """What one request has produced so far."""

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


class Streams:
    def __init__(self) -> None:
        #: request id -> its buffer, in the order the requests started
        self.buffers: dict[int, StreamBuffer] = {}
        #: request id -> the feed its chunks wait in (while it streams)
        self.feeds: dict[int, StreamFeed] = {}
        self.steps: dict[int, int] = {}
        self.focus: int | None = None
        self.followed = False  # True when the person chose the focus

    def clear(self) -> None:
        """A new run: its request ids start again."""
        self.buffers.clear()
        self.feeds.clear()
        self.steps.clear()
        self.focus, self.followed = None, False

    def begin(self, request_id: int, step_id: int, step: str,
              messages: list[dict[str, str]], feed: StreamFeed | None = None) -> bool:
        """A request started; True if it is now the focused one."""
        buf = StreamBuffer()
        buf.begin(step, messages)
        self.buffers[request_id] = buf
        self.steps[request_id] = step_id
        if feed is not None:
            self.feeds[request_id] = feed
        current = self.buffers.get(self.focus) if self.focus is not None else None
        if current is None or current.ended is not None:
            if self.focus is not None and current is not None:
                self._drop(self.focus)
            self.focus, self.followed = request_id, False
            return True
        return False

    def feed(self, request_id: int, chunk: Chunk) -> bool:
        """A chunk arrived; True if it belongs to the focused request."""
        buf = self.buffers.get(request_id)
        if buf is not None:
            buf.feed(chunk)
        return request_id == self.focus

    def take(self) -> dict[int, list[Chunk]]:
        """What every feed gathered since the last take, fed into the buffers too."""
        out: dict[int, list[Chunk]] = {}
        for rid, feed in list(self.feeds.items()):
            chunks = feed.take()
            if chunks:
                buf = self.buffers.get(rid)
                if buf is not None:
                    for chunk in chunks:
                        buf.feed(chunk)
                out[rid] = chunks
        return out

    def end(self, request_id: int, completion: Completion) -> bool:
        """A request ended; True if it was the focused one (it stays shown)."""
        self.feeds.pop(request_id, None)
        buf = self.buffers.get(request_id)
        if buf is not None:
            buf.end(completion)
        if request_id == self.focus:
            return True
        self._drop(request_id)
        return False

    def _drop(self, request_id: int) -> None:
        self.buffers.pop(request_id, None)
        self.feeds.pop(request_id, None)
        self.steps.pop(request_id, None)

    @property
    def focused(self) -> StreamBuffer | None:
        return self.buffers.get(self.focus) if self.focus is not None else None

    def move(self, delta: int) -> StreamBuffer | None:
        """Focus the next (``delta`` 1) or previous (-1) request in flight."""
        ids = list(self.buffers)
        if not ids:
            return None
        at = ids.index(self.focus) if self.focus in ids else 0
        new = ids[(at + delta) % len(ids)]
        old = self.focus
        self.focus, self.followed = new, True
        if old is not None and old != new and self.buffers[old].ended is not None:
            self._drop(old)
        return self.buffers[new]

    def others(self) -> list[str]:
        """One line per request in flight other than the focused one."""
        out = []
        for rid, buf in self.buffers.items():
            if rid == self.focus or buf.ended is not None:
                continue
            rate = buf.rate
            out.append(f"step {self.steps.get(rid, 0)} · {buf.step} · {buf.chunks} tok · "
                       + (f"{rate:.1f} tok/s" if rate else "– tok/s"))
        return out

    @property
    def streaming(self) -> int:
        return sum(1 for b in self.buffers.values() if b.ended is None)

    @property
    def rate(self) -> float | None:
        """Tokens per second over every request streaming now (the status bar's total)."""
        rates = [b.rate for b in self.buffers.values() if b.ended is None and b.rate]
        return sum(r for r in rates if r) if rates else None

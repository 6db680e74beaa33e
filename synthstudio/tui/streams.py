"""The requests in flight, one :class:`StreamBuffer` each, and which one the person follows.

With ``concurrency`` above one, several requests stream at once. The Generation pane
shows the focused one in full (its buffer is the pane's ``buffer``) and every other one as
one line: step, tokens so far and tokens per second. The focus stays on a request until
it ends and another starts, or until the person moves it (``<`` / ``>``).
"""

from __future__ import annotations

from synthstudio.backends.base import Chunk, Completion
from synthstudio.tui.panes.generation import StreamBuffer


class Streams:
    def __init__(self) -> None:
        #: request id -> its buffer, in the order the requests started
        self.buffers: dict[int, StreamBuffer] = {}
        self.steps: dict[int, int] = {}
        self.focus: int | None = None
        self.followed = False  # True when the person chose the focus

    def begin(self, request_id: int, step_id: int, step: str,
              messages: list[dict[str, str]]) -> bool:
        """A request started; True if it is now the focused one."""
        buf = StreamBuffer()
        buf.begin(step, messages)
        self.buffers[request_id] = buf
        self.steps[request_id] = step_id
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

    def end(self, request_id: int, completion: Completion) -> bool:
        """A request ended; True if it was the focused one (it stays shown)."""
        buf = self.buffers.get(request_id)
        if buf is not None:
            buf.end(completion)
        if request_id == self.focus:
            return True
        self._drop(request_id)
        return False

    def _drop(self, request_id: int) -> None:
        self.buffers.pop(request_id, None)
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

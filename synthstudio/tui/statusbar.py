"""The bottom line: backend, model and connection (with why it was chosen), pool counts,
generation rate and run state."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

from synthstudio.records import ACCEPTED, PROPOSED, REJECTED
from synthstudio.tui.text import one_line

EMBEDDED_FALLBACK = ("The embedded tiny model is in use: it is for trying the studio, "
                     "not for real data.")


def embedded_note() -> str:
    try:
        from synthstudio.backends.embedded import EMBEDDED_NOTE
    except ImportError:
        return EMBEDDED_FALLBACK
    return str(EMBEDDED_NOTE)


class StatusBar(Horizontal):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.counts: dict[str, int] = {}
        self.rate: float | None = None
        self.state = "idle"
        self._backend: tuple[str, str, str] | None = None
        self._down = False
        self._right_width = -1

    def compose(self) -> ComposeResult:
        yield Static(Content("○ no model yet"), id="status-backend")
        yield Static(id="status-right")

    def set_connecting(self, what: str) -> None:
        self._left(Content.assemble(("◌ ", "$warning"), one_line(what, 200)))

    def set_backend(self, name: str, model: str, why: str = "") -> None:
        self._backend = (name, model, why)
        self._down = False
        parts: list[str | tuple[str, str]] = [("● ", "$success"),
                                              (one_line(f"{name} · {model}", 80), "bold")]
        if why:
            parts += ["  ", (one_line(why, 200), "dim")]
        self._left(Content.assemble(*parts))

    def set_disconnected(self, text: str) -> None:
        """The backend stopped answering (the engine is retrying): say so in red."""
        name, model = (self._backend or ("backend", ""))[:2]
        self._down = True
        self._left(Content.assemble(("✗ ", "$error"), (one_line(f"{name} · {model}", 80), "bold"),
                                    "  ", (one_line(text, 200), "$error")))

    def set_connected(self) -> None:
        """A request went through: back to the normal line if it showed a disconnection."""
        if self._down and self._backend is not None:
            self.set_backend(*self._backend)

    def set_error(self, text: str) -> None:
        self._left(Content.assemble(("✗ no model: ", "bold $error"), one_line(text, 300)))

    def _left(self, content: Content) -> None:
        self.query_one("#status-backend", Static).update(content)

    def update_right(self, counts: dict[str, int] | None = None, rate: float | None = None,
                     state: str | None = None) -> None:
        if counts is not None:
            self.counts = counts
        if rate is not None:
            self.rate = rate
        if state is not None:
            self.state = state
        c = self.counts
        rate_text = f"{self.rate:.1f} tok/s" if self.rate else "– tok/s"
        line = Content.assemble(
            (self.state, "bold"), " · ",
            (f"✓{c.get(ACCEPTED, 0)}", "$success"), " ",
            (f"●{c.get(PROPOSED, 0)}", "bold"), " ",
            (f"✗{c.get(REJECTED, 0)}", "$error"), f" · {rate_text}")
        # its width follows the text: the screen is laid out again only when that changes
        # (not after every decision, which changes the counts, rarely their width)
        width = line.cell_length
        self.query_one("#status-right", Static).update(line,
                                                       layout=width != self._right_width)
        self._right_width = width

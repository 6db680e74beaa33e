"""``V``: one topic in one style, written for every audience, side by side.

For the textbook item in focus, each audience's column shows the newest accepted or
proposed text of the same topic and style from the pool (the item itself fills its own
audience's column if nothing else does). Every column scrolls; all text is inert.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from synthstudio.config.choices import AUDIENCE_SHORT_LABELS, AUDIENCES
from synthstudio.recipes.textbook import NAME as TEXTBOOK
from synthstudio.recipes.textbook import STYLE_LABELS
from synthstudio.records import ACCEPTED, REJECTED, Candidate, ItemStatus
from synthstudio.store import Pool
from synthstudio.tui import bindings
from synthstudio.tui.text import safe

MISSING = ("not written yet — choose the all-audiences mode in settings (o, Textbook tab) "
           "to write a topic for every audience")


@dataclass(frozen=True, slots=True)
class Written:
    id: int
    status: ItemStatus
    text: str
    reason: str = ""

    @property
    def mark(self) -> str:
        """The item's real status: ``✓ accepted``, ``● proposed``, ``✗ rejected: why``."""
        if self.status == ACCEPTED:
            return "✓ accepted"
        if self.status == REJECTED:
            return f"✗ rejected: {self.reason}" if self.reason else "✗ rejected"
        return f"● {self.status}"


def is_textbook(c: Candidate | None) -> bool:
    return (c is not None and c.recipe == TEXTBOOK and c.meta.get("topic_id") is not None
            and bool(c.meta.get("style")))


def same_topic(pool: Pool, c: Candidate) -> dict[str, Written]:
    """Per audience: the newest accepted or proposed text of ``c``'s topic and style."""
    out: dict[str, Written] = {}
    for r in pool.same_topic(int(c.meta["topic_id"]), str(c.meta["style"])):
        if r.audience in AUDIENCES and r.audience not in out:
            out[r.audience] = Written(r.id, r.status, r.text)
    own = str(c.meta.get("audience", ""))
    if own in AUDIENCES and own not in out and c.id is not None:
        out[own] = Written(c.id, c.status, c.text, c.reason or "")
    return out


@dataclass
class TextsRead(Message):
    """Per audience, the text read from the pool (in a thread)."""

    texts: dict[str, Written]


class AudiencesScreen(ModalScreen[None]):
    """Opens at once with its columns; the texts are read in a thread worker."""

    BINDINGS = bindings.MODAL

    def __init__(self, pool: Pool, candidate: Candidate) -> None:
        super().__init__(classes="dialog-screen")
        self.pool = pool
        self.candidate = candidate
        self.texts: dict[str, Written] = {}
        self.loaded = False

    def compose(self) -> ComposeResult:
        meta = self.candidate.meta
        style = STYLE_LABELS.get(str(meta.get("style")), str(meta.get("style")))
        with Vertical(classes="dialog audiences-dialog"):
            yield Static(Content.assemble(
                safe(str(meta.get("topic", "")), "bold"),
                (f" — {style}, every audience — Tab moves between columns, Escape closes",
                 "bold")), classes="dialog-question")
            with Horizontal(id="audience-columns"):
                for audience in AUDIENCES:
                    with Vertical(classes="audience-column", id=f"col-{audience}"):
                        yield Static(self._label(audience), classes="audience-label")
                        with VerticalScroll(classes="audience-scroll"):
                            yield Static(self._body(audience), classes="audience-text")

    def _label(self, audience: str) -> Content:
        w = self.texts.get(audience)
        parts: list[str | tuple[str, str]] = [(AUDIENCE_SHORT_LABELS[audience], "bold $accent")]
        if w is not None:
            parts.append((f"  #{w.id} {w.mark}", "$error" if w.status == REJECTED
                          else "dim"))
        return Content.assemble(*parts)

    def _body(self, audience: str) -> Content:
        if not self.loaded:
            return Content.styled("reading…", "italic $text-muted")
        w = self.texts.get(audience)
        if w is None:
            return Content.styled(MISSING, "italic $text-muted")
        return safe(w.text)

    def on_mount(self) -> None:
        self.query(VerticalScroll).first().focus()
        self.read()

    @work(thread=True, exclusive=True, group="audiences")
    def read(self) -> None:
        self.post_message(TextsRead(same_topic(self.pool, self.candidate)))

    @on(TextsRead)
    def show(self, event: TextsRead) -> None:
        self.texts, self.loaded = event.texts, True
        for audience in AUDIENCES:
            column = self.query_one(f"#col-{audience}")
            column.query_one(".audience-label", Static).update(self._label(audience))
            column.query_one(".audience-text", Static).update(self._body(audience))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


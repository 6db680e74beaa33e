"""Pane 3: the candidate in focus, every filter side by side, and its verdict.

For ROUGE-L, the nearest pool items are listed with their scores and the words they
share with the candidate highlighted. Reasoning candidates show thinking and answer
apart. All model text is shown inert, never as markup.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.content import Content
from textual.timer import Timer
from textual.widget import Widget

from synthstudio.records import ACCEPTED, PROPOSED, Candidate, first_failure
from synthstudio.tui.panes import Pane
from synthstudio.tui.sheet import Block, Part, Sheet, Table
from synthstudio.tui.text import cell, highlight_overlap, one_line, safe

MAX_INSTANCES = 5
#: seconds without a new candidate in focus before the pages of its neighbours are drawn
#: ahead (keys held down, or pressed faster than this, draw nothing ahead)
AHEAD_AFTER_S = 0.1
COLUMNS = ("filter", "result", "value", "threshold", "detail")
Piece = str | Content | tuple[str, str]


def fmt_value(v: Any) -> Text:
    if v is None:
        return Text("–")
    if isinstance(v, float):
        return Text(f"{v:.4g}")
    return cell(one_line(str(v), 60))


def verdict(c: Candidate) -> Content:
    """The overall verdict and its reason, in one line."""
    parts: list[Piece] = [(f"#{c.id} ", "bold")]
    if c.status == ACCEPTED:
        parts.append(("✓ accepted", "bold $success"))
        if c.meta.get("edited"):
            parts.append(" (edited)")
    elif c.status == PROPOSED:
        if c.passed:
            parts.append(("● proposed: passes every filter", "bold $success"))
        else:
            parts.append((f"◐ proposed: fails {', '.join(c.failed_filters)}",
                          "bold $warning"))
    else:
        parts.append(("✗ rejected", "bold $error"))
        fail = first_failure(c.scores)
        reason = c.reason or (fail.name if fail else "")
        if reason:
            parts += [": ", safe(reason)]
        if fail is not None and fail.detail and c.reason.startswith("filter:"):
            parts += [" — ", safe(one_line(fail.detail, 120))]
    return Content.assemble(*parts)


def heading(c: Candidate) -> Content:
    """The instruction (or problem, or topic), above the filter table."""
    return safe(c.instruction or c.title, "bold")


def body(c: Candidate) -> Content:
    """The rest of the candidate: classification flag, instances, or the text."""
    parts: list[Piece] = []
    if c.is_classification:
        parts.append(("classification task\n", "italic"))
    for n, inst in enumerate(c.instances[:MAX_INSTANCES], 1):
        if inst.input:
            parts += [(f"{n}. input: ", "dim"), safe(inst.input), "\n"]
        parts += [(f"{n}. output: ", "dim"), safe(inst.output), "\n"]
    if len(c.instances) > MAX_INSTANCES:
        parts.append((f"… {len(c.instances) - MAX_INSTANCES} more instances\n", "dim"))
    if c.text:
        parts += [safe(c.text), "\n"]
    return Content.assemble(*parts)


def reasoning(c: Candidate) -> Content:
    """A reasoning candidate's thinking and answer, apart."""
    parts: list[Piece] = []
    if c.thinking:
        parts += [("Thinking\n", "bold underline"), safe(c.thinking.strip(), "italic"),
                  "\n\n"]
    if c.answer:
        parts += [("Answer\n", "bold underline"), safe(c.answer.strip())]
        ref = c.meta.get("reference")
        if ref:
            parts += [("\nreference: ", "dim"), safe(str(ref))]
    return Content.assemble(*parts)


def nearest(c: Candidate) -> Content:
    """ROUGE-L's nearest pool items, best first, shared words highlighted."""
    rows: list[Any] = []
    for r in c.scores:
        if r.name.startswith("rouge") and isinstance(r.extra.get("nearest"), list):
            rows = r.extra["nearest"]
    if not rows:
        return Content("")
    parts: list[Piece] = [("ROUGE-L nearest in the pool (shared words highlighted)\n",
                          "bold")]
    for row in rows:
        if not isinstance(row, list | tuple) or len(row) < 2:
            continue
        text, score = str(row[0]), row[1]
        label = f"{float(score):.3f}  " if isinstance(score, int | float) else "?      "
        parts += [(label, "bold"),
                  highlight_overlap(one_line(text, 200), c.instruction or c.text), "\n"]
    return Content.assemble(*parts)


def origin(c: Candidate) -> str:
    """Where the item came from: its recipe and model, or the file it was imported from."""
    source = c.provenance.get("source")
    if c.provenance.get("backend") == "import" and isinstance(source, dict):
        name = one_line(str(source.get("file", "")).rsplit("/", 1)[-1], 40)
        return f"imported · {name}, line {source.get('line', '?')}"
    model = one_line(str(c.provenance.get("model", "")), 40)
    return f"{c.recipe} · {model}" if model else c.recipe


class ScoresPane(Pane):
    """The candidate in focus on one :class:`~synthstudio.tui.sheet.Sheet`: its verdict,
    the instruction, every filter (and the judge) in a table, the rest of the item, the
    nearest pool items, the thinking and answer. Drawn once per candidate."""

    BORDER_TITLE = "3 Scores"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.candidate: Candidate | None = None
        #: candidates whose pages are to be drawn ahead, the likeliest next first
        self._ahead: list[Candidate] = []
        self._ahead_timer: Timer | None = None
        self._ahead_turn = 0  # counts new candidates in focus (see _draw_next_ahead)

    def compose(self) -> ComposeResult:
        yield Sheet(id="scores-body")

    def on_mount(self) -> None:
        self.show(None)

    @property
    def primary(self) -> Widget:
        return self.sheet

    @property
    def sheet(self) -> Sheet:
        return self.query_one("#scores-body", Sheet)

    def _mark(self, passed: bool) -> Text:
        colours = self.app.theme_variables
        if passed:
            return Text("✓ pass", style=colours.get("success", ""))
        return Text("✗ fail", style=f"bold {colours.get('error', '')}".strip())

    def show(self, c: Candidate | None) -> None:
        """Show ``c`` (or an empty state)."""
        self.candidate = c
        if c is None:
            self.sheet.show([Block("verdict", Content(
                "No candidate in focus: generate (g), or pick one in the queue or the "
                "pool."), keep=True)])
            self.set_subtitle("")
            return
        self.sheet.show(self.parts(c))
        self.set_subtitle(origin(c))

    def parts(self, c: Candidate) -> list[Part]:
        """``c``'s page: its verdict, heading, filter table, body, nearest, reasoning."""
        judge = self.app.judge_row(c)  # type: ignore[attr-defined]
        rows = [[cell(r.name), self._mark(r.passed), fmt_value(r.value),
                 fmt_value(r.threshold), cell(one_line(r.detail, 80))]
                for r in [*c.scores, *([judge] if judge is not None else [])]]
        return [
            Block("verdict", verdict(c), keep=True),
            Block("heading", heading(c), keep=True),
            Table("filters", COLUMNS, rows),
            Block("body", body(c), pad=1),
            Block("nearest", nearest(c), pad=1),
            Block("reasoning", reasoning(c), pad=1),
        ]

    def draw_ahead(self, candidates: list[Candidate]) -> None:
        """Draw the pages of ``candidates`` (the likeliest next in focus first) once no
        new candidate has come into focus for :data:`AHEAD_AFTER_S` (up to twice that:
        the timer counts again from its next tick), one page per turn
        of the event loop. A page is drawn from the candidate as it is then; showing it
        later draws it again if anything on it changed since."""
        self._ahead = candidates
        self._ahead_turn += 1  # a chain of drawings for earlier neighbours stops
        if not candidates:
            return
        # one timer, counted again from each new candidate (a timer made and stopped on
        # every key cost a task each time)
        if self._ahead_timer is None:
            self._ahead_timer = self.set_interval(AHEAD_AFTER_S, self._ahead_due,
                                                  pause=True)
        self._ahead_timer.reset()
        self._ahead_timer.resume()

    def _ahead_due(self) -> None:
        if self._ahead_timer is not None:
            self._ahead_timer.pause()
        self._draw_next_ahead(self._ahead_turn)

    def _draw_next_ahead(self, turn: int) -> None:
        """Draw the next page ahead, unless a new candidate came into focus since the
        pause began (its neighbours then wait for the next pause)."""
        if turn != self._ahead_turn or not self._ahead:
            return
        c = self._ahead.pop(0)
        if c is not self.candidate:
            self.sheet.prepare(self.parts(c))
        if self._ahead:
            self.call_later(self._draw_next_ahead, turn)

    def text(self, part: str) -> str:
        """What the part ``part`` shows (verdict, heading, body, nearest, reasoning)."""
        return self.sheet.text(part)

    def filter_rows(self) -> list[list[str]]:
        """The filter table's rows as shown (filter, result, value, threshold, detail)."""
        return self.sheet.table_rows("filters")

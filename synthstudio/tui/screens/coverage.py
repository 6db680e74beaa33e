"""``v``: how evenly the textbook texts cover topic x audience x style.

The grid counts accepted + proposed textbook texts per (audience, style); a cell that
reaches the mean is shown in the success colour, one below it in the warning colour.
Below it, every topic with its texts per audience, the least-covered topic first.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from synthstudio.recipes.textbook import (
    AUDIENCE_LABELS,
    AUDIENCES,
    STYLE_LABELS,
    STYLES,
    coverage,
    topic_coverage,
)
from synthstudio.store import Pool
from synthstudio.tui import bindings
from synthstudio.tui.text import cell, one_line


@dataclass(frozen=True, slots=True)
class TopicRow:
    topic_id: int
    topic: str
    per_audience: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.per_audience)


def topic_rows(pool: Pool) -> list[TopicRow]:
    """Every topic (listed or written about) with its texts per audience, fewest first."""
    names = {int(t.id or 0): t.topic for t in pool.topics()}
    per_topic = topic_coverage(pool)
    rows = []
    for tid in sorted(set(names) | set(per_topic)):
        combos = per_topic.get(tid, {})
        counts = tuple(sum(n for (a, _), n in combos.items() if a == audience)
                       for audience in AUDIENCES)
        rows.append(TopicRow(tid, names.get(tid, f"topic #{tid}"), counts))
    rows.sort(key=lambda r: (r.total, r.topic_id))
    return rows


def mean_count(grid: dict[tuple[str, str], int]) -> float:
    return sum(grid.values()) / len(grid) if grid else 0.0


@dataclass
class CoverageRead(Message):
    """The coverage read from the pool (in a thread): the grid and the per-topic rows."""

    grid: dict[tuple[str, str], int]
    topics: list[TopicRow]


class CoverageScreen(ModalScreen[None]):
    """Opens at once; the counts are read in a thread worker and fill in when read."""

    BINDINGS = bindings.MODAL

    def __init__(self, pool: Pool) -> None:
        super().__init__(classes="dialog-screen")
        self.pool = pool
        self.grid: dict[tuple[str, str], int] = {}
        self.mean = 0.0
        self.topics: list[TopicRow] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog"):
            yield Static(Content("Textbook coverage — Escape closes"),
                         classes="dialog-question")
            yield Static(Content("counting…"), id="coverage-hint", classes="dialog-hint")
            yield DataTable(id="coverage-grid", cursor_type="cell", zebra_stripes=True)
            yield Static(Content("Per topic, least covered first"),
                         classes="coverage-heading")
            yield DataTable(id="coverage-topics", cursor_type="row", zebra_stripes=True)

    def _count(self, n: int) -> Text:
        colours = self.app.theme_variables
        key = "success" if n >= self.mean and n > 0 else "warning"
        return Text(str(n), style=colours.get(key, ""), justify="right")

    def on_mount(self) -> None:
        grid = self.query_one("#coverage-grid", DataTable)
        grid.add_column("audience", key="audience")
        for style in STYLES:
            grid.add_column(STYLE_LABELS[style], key=style)
        topics = self.query_one("#coverage-topics", DataTable)
        topics.add_column("topic", key="topic")
        for audience in AUDIENCES:
            topics.add_column(AUDIENCE_LABELS[audience], key=audience)
        topics.add_column("total", key="total")
        grid.focus()
        self.read()

    @work(thread=True, exclusive=True, group="coverage")
    def read(self) -> None:
        self.post_message(CoverageRead(coverage(self.pool), topic_rows(self.pool)))

    @on(CoverageRead)
    def show(self, event: CoverageRead) -> None:
        self.grid, self.topics = event.grid, event.topics
        self.mean = mean_count(self.grid)
        total = sum(self.grid.values())
        self.query_one("#coverage-hint", Static).update(Content(
            f"{total} texts (accepted + proposed); mean {self.mean:.1f} per audience x "
            f"style. Cells below the mean are not covered evenly yet."))
        grid = self.query_one("#coverage-grid", DataTable)
        for audience in AUDIENCES:
            grid.add_row(cell(AUDIENCE_LABELS[audience]),
                         *(self._count(self.grid[(audience, s)]) for s in STYLES),
                         key=audience)
        topics = self.query_one("#coverage-topics", DataTable)
        for row in self.topics:
            topics.add_row(cell(one_line(row.topic, 60)),
                           *(Text(str(n), justify="right") for n in row.per_audience),
                           Text(str(row.total), justify="right"), key=str(row.topic_id))
        self.loaded = True

    def count_at(self, audience: str, style: str) -> int:
        """The number shown in the grid cell (for tests and the palette)."""
        value = self.query_one("#coverage-grid", DataTable).get_cell(audience, style)
        return int(value.plain if isinstance(value, Text) else value)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

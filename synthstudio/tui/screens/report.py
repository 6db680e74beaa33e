"""``D``: the data report — counts, rejection reasons, ROUGE-L and length histograms, verbs.

The report is built in a thread worker (:func:`synthstudio.datasets.report.build_report` reads its
own snapshot of the pool), so a big pool does not freeze the studio; "building…" shows
meanwhile. Histograms are drawn as horizontal bars of block characters, one row per bin,
stacked by status where the data is split by status.
"""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from synthstudio.datasets.report import Histogram, ReportData, build_report
from synthstudio.records import ACCEPTED, PROPOSED, REJECTED, STATUSES
from synthstudio.store import Pool
from synthstudio.tui import bindings
from synthstudio.tui.text import cell

BAR_WIDTH = 40
#: the colour of a histogram series (a status, or one series of items)
SERIES_STYLE: dict[str, str] = {ACCEPTED: "$success", PROPOSED: "$warning", REJECTED: "$error"}
PARTS = " ▏▎▍▌▋▊▉"


def _cells(n: int, scale: float) -> tuple[int, int]:
    """Full blocks and eighths for a count of ``n`` at ``scale`` cells per item."""
    eighths = round(n * scale * 8)
    if n and not eighths:
        eighths = 1
    return divmod(eighths, 8)


def bar_rows(hist: Histogram, width: int = BAR_WIDTH) -> Content:
    """One line per bin: label, a bar per series (stacked) and the total."""
    totals = [sum(values[i] for values in hist.series.values())
              for i in range(len(hist.labels))]
    top = max(totals, default=0)
    scale = width / top if top else 0.0
    label_width = max((len(label) for label in hist.labels), default=0)
    lines: list[Content] = []
    for i, label in enumerate(hist.labels):
        parts: list[str | tuple[str, str]] = [(f"{label:>{label_width}} ", "dim")]
        for name, values in hist.series.items():
            full, rest = _cells(values[i], scale)
            block = "█" * full + (PARTS[rest] if rest else "")
            if block:
                parts.append((block, SERIES_STYLE.get(name, "$primary")))
        parts.append((f" {totals[i]}" if totals[i] else "", "dim"))
        lines.append(Content.assemble(*parts))
    return Content("\n").join(lines)


def legend(hist: Histogram) -> Content:
    parts: list[str | tuple[str, str]] = [(hist.title, "bold"), "  "]
    if len(hist.series) > 1:
        for name in hist.series:
            parts += [("█ ", SERIES_STYLE.get(name, "$primary")), f"{name}  "]
    parts.append((f"({hist.total})", "dim"))
    return Content.assemble(*parts)


def _num(n: int | float) -> Text:
    return Text(str(n), justify="right")


class ReportScreen(ModalScreen[None]):
    BINDINGS = bindings.MODAL

    def __init__(self, pool: Pool, recipe: str | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.pool = pool
        self.recipe = recipe
        self.data: ReportData | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog report-dialog"):
            yield Static(Content("Data report — Escape closes"), classes="dialog-question")
            yield Static(Content("building…"), id="report-state", classes="dialog-hint")
            with VerticalScroll(id="report-body"):
                yield Static(Content("Counts by recipe and status"), classes="report-heading")
                yield DataTable(id="report-counts", cursor_type="row", zebra_stripes=True)
                yield Static(Content("Rejection reasons"), classes="report-heading")
                yield DataTable(id="report-reasons", cursor_type="row", zebra_stripes=True)
                yield Static(id="report-rouge", classes="report-bars")
                yield Static(id="report-instruction", classes="report-bars")
                yield Static(id="report-output", classes="report-bars")
                yield Static(id="report-judge", classes="report-bars")
                yield Static(Content("Leading verbs and their objects (self-instruct)"),
                             id="report-verbs-heading", classes="report-heading")
                yield DataTable(id="report-verbs", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#report-body").display = False
        self.run_worker(partial(build_report, self.pool, self.recipe), name="report",
                        thread=True, exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name != "report":
            return
        event.stop()
        state = self.query_one("#report-state", Static)
        if event.state == WorkerState.ERROR:
            state.update(Content.styled(f"Could not build the report: {event.worker.error}",
                                        "$error"))
        elif event.state == WorkerState.SUCCESS and isinstance(event.worker.result,
                                                                ReportData):
            self.show(event.worker.result)

    def show(self, data: ReportData) -> None:
        self.data = data
        counts = ", ".join(f"{data.by_status.get(s, 0)} {s}" for s in STATUSES)
        self.query_one("#report-state", Static).update(
            Content(f"{data.total} items: {counts}."))
        self._counts(data)
        reasons = self.query_one("#report-reasons", DataTable)
        reasons.add_column("reason", key="reason")
        reasons.add_column("items", key="items")
        for reason, n in data.reasons:
            reasons.add_row(cell(reason), _num(n))
        reasons.display = bool(data.reasons)
        for wid, hist in (("#report-rouge", data.rouge),
                          ("#report-instruction", data.instruction_words),
                          ("#report-output", data.output_words)):
            self.query_one(wid, Static).update(
                Content("\n").join([legend(hist), bar_rows(hist)]))
        judge = self.query_one("#report-judge", Static)
        judge.update(Content("\n").join([legend(data.judge), bar_rows(data.judge)]))
        judge.display = bool(data.judge.total)
        self._verbs(data)
        body = self.query_one("#report-body")
        body.display = True
        self.query_one("#report-counts", DataTable).focus()

    def _counts(self, data: ReportData) -> None:
        table = self.query_one("#report-counts", DataTable)
        table.add_column("recipe", key="recipe")
        for status in STATUSES:
            table.add_column(status, key=status)
        table.add_column("total", key="total")
        for recipe, per in data.by_recipe.items():
            table.add_row(cell(recipe), *(_num(per.get(s, 0)) for s in STATUSES),
                          _num(sum(per.values())), key=f"recipe:{recipe}")
        table.add_row(Text("all", style="bold"),
                      *(_num(data.by_status.get(s, 0)) for s in STATUSES), _num(data.total),
                      key="all")

    def _verbs(self, data: ReportData) -> None:
        table = self.query_one("#report-verbs", DataTable)
        table.add_column("verb", key="verb")
        table.add_column("items", key="items")
        table.add_column("", key="bar")
        table.add_column("top objects", key="objects")
        top = max((n for _, n, _ in data.verbs), default=0)
        colour = self.app.theme_variables.get("primary", "")
        for verb, n, objects in data.verbs:
            full, rest = _cells(n, 20 / top if top else 0.0)
            bar = "█" * full + (PARTS[rest] if rest else "")
            shown = ", ".join(f"{o} ({k})" for o, k in objects)
            table.add_row(cell(verb), _num(n), Text(bar, style=colour), cell(shown))
        found = bool(data.verbs)
        table.display = found
        heading = self.query_one("#report-verbs-heading", Static)
        if found:
            heading.update(Content(f"Leading verbs and their objects (self-instruct; "
                                   f"{data.verb_coverage:.0%} of instructions parsed)"))
        else:
            heading.update(Content("No self-instruct instructions with a leading verb."))

    def count_at(self, row: str, status: str) -> int:
        """The number shown in the counts table (``row`` is ``all`` or ``recipe:NAME``)."""
        value = self.query_one("#report-counts", DataTable).get_cell(row, status)
        return int(value.plain if isinstance(value, Text) else value)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

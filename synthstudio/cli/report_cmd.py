"""``synthstudio report``: counts, growth, similarity, lengths and verb-object diversity.

Terminal output uses rich tables and plotext bar charts; ``--html FILE`` writes the same
charts as one self-contained page (CSS bars, no external assets).
"""

from __future__ import annotations

import argparse
import html
from typing import TYPE_CHECKING

from synthstudio.cli.common import console, open_pool
from synthstudio.records import ACCEPTED, PROPOSED, REJECTED, STATUSES

if TYPE_CHECKING:
    from rich.console import Console

    from synthstudio.datasets.report import Histogram, ReportData

COLORS = {ACCEPTED: "#2e9e5b", REJECTED: "#d0533f", PROPOSED: "#d9a21b",
          "items": "#3f7fd0", "outputs": "#8a5cc7"}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "report", parents=[common], help="show what the pool holds and how diverse it is",
        description="Counts by status, recipe, rejection reason and day; the ROUGE-L "
                    "distribution; instruction and output lengths; common verbs and objects.")
    p.add_argument("--recipe", help="only items of this recipe")
    p.add_argument("--status", choices=STATUSES,
                   help="histograms and verbs over items of this status (default: all)")
    p.add_argument("--html", metavar="FILE", help="also write the report as one HTML page")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from synthstudio.boundary.files import atomic_writer
    from synthstudio.datasets.report import build_report
    from synthstudio.errors import SynthError

    with open_pool(args, load_defaults=False) as pool:
        data = build_report(pool, args.recipe, status=args.status)
    render_terminal(data, console)
    if args.html:
        try:
            with atomic_writer(args.html) as fh:
                fh.write(render_html(data))
        except OSError as exc:
            raise SynthError(f"Cannot write {args.html}: {exc.strerror or exc}.") from exc
        from synthstudio.boundary.inert import inert

        console.print(f"HTML report: {inert(args.html)}", markup=False)
    return 0


# -- terminal -------------------------------------------------------------------------------

def _chart(hist: Histogram, width: int, color: bool, short: bool = False) -> str:
    """A plotext bar chart (stacked when there are several series) as text."""
    import plotext as plt

    fig = plt.figure
    fig.clear.all()
    fig.theme("simple")
    fig.plot_size(width, 14)
    fig.title(f"{hist.title} (n={hist.total})")
    labels = [lab.split("-")[0] for lab in hist.labels] if short else hist.labels
    series = [v for v in hist.series.values()]
    if len(series) == 1:
        fig.draw(fig.bar(labels, series[0]))
    else:
        fig.draw(fig.bar(labels, series, stacked=True))
    return str(fig.build().string(colorless=not color))


def render_terminal(data: ReportData, out: Console) -> None:
    from rich.table import Table
    from rich.text import Text

    from synthstudio.boundary.inert import inert

    def t(s: object) -> Text:
        return Text(inert(str(s)))

    color = out.is_terminal and not out.no_color
    width = max(40, min(out.width, 100))
    scope = f" ({data.recipe})" if data.recipe else ""
    counts = Table(title=f"{data.total} items{scope}", title_justify="left")
    counts.add_column("recipe")
    for st in STATUSES:
        counts.add_column(st, justify="right")
    for recipe, by in data.by_recipe.items():
        counts.add_row(t(recipe), *(str(by.get(st, 0)) for st in STATUSES))
    counts.add_row(Text("all", style="bold"), *(str(data.by_status[st]) for st in STATUSES))
    out.print(counts)
    if data.reasons:
        reasons = Table("rejection reason", "items", title="Why items were rejected",
                        title_justify="left")
        for reason, n in data.reasons[:15]:
            reasons.add_row(t(reason), str(n))
        out.print(reasons)
    if data.by_day:
        from synthstudio.datasets.report import Histogram

        days = Histogram("Items created per day (UTC)", [d[5:] for d, _ in data.by_day],
                         {st: [c.get(st, 0) for _, c in data.by_day] for st in STATUSES})
        out.print(Text.from_ansi(_chart(days, width, color)))
    for hist, short in ((data.rouge, False), (data.instruction_words, True),
                        (data.output_words, True), (data.judge, False)):
        if hist.total:
            out.print(Text.from_ansi(_chart(hist, width, color, short)))
    if data.verbs:
        verbs = Table("verb", "items", "most common objects",
                      title=f"Leading verbs ({data.verb_coverage:.0%} of self-instruct "
                            "instructions parsed)", title_justify="left")
        for verb, n, objs in data.verbs:
            verbs.add_row(t(verb), str(n), t(", ".join(f"{o} ({k})" for o, k in objs)))
        out.print(verbs)


# -- html -----------------------------------------------------------------------------------

_CSS = """body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:980px;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em}table{border-collapse:collapse}
td,th{padding:2px 10px;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left}
.chart{display:flex;align-items:flex-end;gap:3px;height:180px;border-bottom:1px solid #999}
.col{flex:1;display:flex;flex-direction:column-reverse;min-width:8px}
.labels{display:flex;gap:3px}.labels div{flex:1;font-size:11px;text-align:center;min-width:8px}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
.hbar{background:#3f7fd0;height:10px;display:inline-block}.muted{color:#777}"""


def _html_hist(hist: Histogram) -> str:
    totals = [sum(v[i] for v in hist.series.values()) for i in range(len(hist.labels))]
    top = max(totals, default=0) or 1
    cols = []
    for i, label in enumerate(hist.labels):
        segs = "".join(
            f'<div style="height:{170 * v[i] / top:.1f}px;background:{COLORS.get(name, "#888")}"'
            f' title="{html.escape(label)}: {html.escape(name)} {v[i]}"></div>'
            for name, v in hist.series.items() if v[i])
        cols.append(f'<div class="col" title="{html.escape(label)}: {totals[i]}">{segs}</div>')
    legend = "".join(f'<span style="background:{COLORS.get(n, "#888")}"></span>'
                     f"{html.escape(n)}" for n in hist.series) if len(hist.series) > 1 else ""
    labels = "".join(f"<div>{html.escape(lab)}</div>" for lab in hist.labels)
    return (f"<h2>{html.escape(hist.title)} <span class=muted>(n={hist.total})</span></h2>"
            f'<div class="legend">{legend}</div><div class="chart">{"".join(cols)}</div>'
            f'<div class="labels">{labels}</div>')


def _table(head: list[str], rows: list[list[object]]) -> str:
    h = "".join(f"<th>{html.escape(c)}</th>" for c in head)
    body = "".join("<tr>" + "".join(f"<td>{c if isinstance(c, _Raw) else html.escape(str(c))}"
                                    "</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{h}</tr>{body}</table>"


class _Raw(str):
    """Markup built here (already escaped), not text."""


def _hbar(n: int, top: int) -> _Raw:
    return _Raw(f'<span class="hbar" style="width:{200 * n / (top or 1):.0f}px"></span>')


def render_html(data: ReportData) -> str:
    """One self-contained HTML page with the report's tables and charts."""
    from synthstudio.datasets.report import Histogram

    scope = f" — {data.recipe}" if data.recipe else ""
    parts = [f"<h1>synthstudio report{html.escape(scope)}</h1>",
             f"<p>{data.total} items.</p>",
             _table(["recipe", *STATUSES], [[r, *(by.get(s, 0) for s in STATUSES)]
                                            for r, by in data.by_recipe.items()]
                    + [["all", *(data.by_status[s] for s in STATUSES)]])]
    if data.reasons:
        top = data.reasons[0][1]
        parts += ["<h2>Rejection reasons</h2>",
                  _table(["reason", "items", ""], [[r, n, _hbar(n, top)]
                                                   for r, n in data.reasons])]
    if data.by_day:
        parts.append(_html_hist(Histogram(
            "Items created per day (UTC)", [d for d, _ in data.by_day],
            {st: [c.get(st, 0) for _, c in data.by_day] for st in STATUSES})))
    parts += [_html_hist(h) for h in (data.rouge, data.instruction_words, data.output_words)]
    if data.judge.total:
        parts.append(_html_hist(data.judge))
    if data.verbs:
        top = data.verbs[0][1]
        parts += [f"<h2>Leading verbs and their objects <span class=muted>"
                  f"({data.verb_coverage:.0%} of self-instruct instructions parsed)</span></h2>",
                  _table(["verb", "items", "", "most common objects"],
                         [[v, n, _hbar(n, top), ", ".join(f"{o} ({k})" for o, k in objs)]
                          for v, n, objs in data.verbs])]
    return ("<!doctype html><html><head><meta charset=\"utf-8\">"
            f"<title>synthstudio report</title><style>{_CSS}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")

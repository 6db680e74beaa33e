"""``synthstudio dedup``: drop ROUGE-L near-duplicates from a .jsonl/.json file."""

from __future__ import annotations

import argparse

from synthstudio.cli.common import add_max_field, console, console_err


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "dedup", parents=[common],
        help="drop near-duplicate instructions (ROUGE-L), keeping the first of each",
        description="Keep an item iff its ROUGE-L F-measure against every earlier kept item "
                    "(and every item of --against) is not above the threshold. Exact "
                    "rouge-score numbers; Chinese, Japanese and Korean text is compared "
                    "character by character.",
    )
    p.add_argument("input", metavar="INPUT",
                   help="JSON lines or a JSON list of objects (told apart by content)")
    p.add_argument("-o", "--output", metavar="OUTPUT", required=True,
                   help="where to write the kept items (.json: a list, else JSON lines; "
                        "-: standard output)")
    p.add_argument("--field", default="instruction",
                   help="the text field to compare (default: instruction)")
    p.add_argument("--threshold", type=float, default=0.7, metavar="F",
                   help="drop items scoring above this ROUGE-L F (default: 0.7)")
    p.add_argument("--against", metavar="POOL",
                   help="also drop items too close to any item of this .jsonl/.json file")
    p.add_argument("--report", metavar="REPORT.jsonl",
                   help="write one JSON line per dropped item, naming its nearest kept item")
    add_max_field(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from synthstudio.boundary.files import is_stdout
    from synthstudio.boundary.inert import inert
    from synthstudio.datasets.dedup import DedupProgress, dedup_file

    bar = Progress(TextColumn("dedup"), BarColumn(), TextColumn("{task.fields[counts]}"),
                   TimeElapsedColumn(), console=console_err, transient=True)
    task = bar.add_task("dedup", total=None, counts="")

    def show(p: DedupProgress) -> None:
        bar.update(task, total=max(p.total, 1), completed=p.done,
                   counts=f"{p.read:,} read, {p.kept:,} kept, {p.dropped:,} dropped")

    with bar:
        summary = dedup_file(args.input, args.output, field=args.field,
                             threshold=args.threshold, against=args.against,
                             report_path=args.report, progress=show,
                             max_field=args.max_field)
    pool = f" (against {summary.against:,} pool items)" if args.against else ""
    out = console_err if is_stdout(args.output) else console
    for note in summary.notes:
        console_err.print(f"note: {inert(note)}", markup=False, soft_wrap=True)
    out.print(f"{summary.read:,} read, {summary.kept:,} kept, {summary.dropped:,} dropped "
                  f"at ROUGE-L > {args.threshold:g}{pool} in {summary.seconds:.1f}s "
                  f"-> {inert(args.output)}", markup=False, highlight=False, soft_wrap=True)
    return 0

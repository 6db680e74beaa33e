"""``synthstudio check``: run every applicable filter on any dataset file."""

from __future__ import annotations

import argparse
from pathlib import Path

from synthstudio.cli.common import (
    add_max_field,
    add_workers,
    console,
    console_err,
    file_progress,
)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from synthstudio.datasets.formats import CHOICES

    p = sub.add_parser(
        "check", parents=[common], help="run every filter on a dataset file",
        description="Check each record of a JSON lines or JSON array dataset with every "
                    "applicable filter. Verdict lines, in input order: {\"index\", "
                    "\"passed\", \"failed\", \"scores\"}. Flagged records are not an error.")
    p.add_argument("file", type=Path, metavar="IN")
    p.add_argument("-o", "--output", metavar="VERDICTS.jsonl",
                   help="write one verdict line per record (-: standard output)")
    p.add_argument("--format", dest="fmt", default="auto", choices=CHOICES,
                   help="the record format (default: auto, by each record's keys)")
    add_max_field(p)
    add_workers(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.table import Table

    from synthstudio.cli.common import load_settings
    from synthstudio.datasets.check import check_file
    from synthstudio.fileio import is_stdout
    from synthstudio.sanitize import inert

    settings = load_settings(args)
    bar, show = file_progress("check")
    with bar:
        s = check_file(args.file, args.output, fmt=args.fmt, settings=settings,
                       max_field=args.max_field, workers=args.workers,
                        progress=show)
    out = console_err if args.output is not None and is_stdout(args.output) else console
    for note in s.notes:
        console_err.print(f"note: {inert(note)}", markup=False, soft_wrap=True)
    table = Table("filter", "records flagged", "share")
    for name in [*s.filters, *(n for n in s.by_filter if n not in s.filters)]:
        n = s.by_filter.get(name, 0)
        table.add_row(name, f"{n:,}", f"{n / s.read:.1%}" if s.read else "-")
    out.print(table)
    out.print(f"{s.read:,} records: {s.passed:,} passed, {s.failed:,} flagged"
              + (f" -> {inert(str(args.output))}" if args.output else "") + ".",
              markup=False, soft_wrap=True)
    return 0

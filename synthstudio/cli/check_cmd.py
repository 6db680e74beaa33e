"""``synthstudio check``: run every applicable filter on any dataset file."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from synthstudio.cli.common import (
    add_max_field,
    add_workers,
    console,
    console_err,
    file_progress,
)

if TYPE_CHECKING:  # imported when the command runs (the CLI starts fast)
    from synthstudio.config.settings import Settings
    from synthstudio.datasets.check import CheckSummary


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
    p.add_argument("--judge", action="store_true",
                   help="also have the judge model rate each record 0-5 (nothing is "
                        "imported); each verdict line gets a \"judge\" field")
    from synthstudio.cli.judge_cmd import add_judge_options

    add_judge_options(p.add_argument_group("the judge (with --judge)"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.table import Table

    from synthstudio.boundary.files import is_stdout
    from synthstudio.boundary.inert import inert
    from synthstudio.cli.common import load_settings
    from synthstudio.datasets.check import check_file

    if args.judge:
        from synthstudio.cli.judge_cmd import judge_settings

        settings = judge_settings(args)
    else:
        settings = load_settings(args)
    bar, show = file_progress("check")
    with bar:
        if args.judge:
            s = asyncio.run(_check_and_judge(args, settings, show))
        else:
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
    if args.judge:
        t = settings.judge.threshold
        mean = (f", mean {sum(s.judge_scores) / len(s.judge_scores):.2f}"
                if s.judge_scores else "")
        out.print(f"judge: {s.judged:,} rated{mean}, {s.judge_passed:,} at or above {t:g}, "
                  f"{s.judge_unscored:,} unscored"
                  + (" (a gate: below it is flagged)" if settings.judge.gate else "") + ".",
                  markup=False, soft_wrap=True)
    out.print(f"{s.read:,} records: {s.passed:,} passed, {s.failed:,} flagged"
              + (f" -> {inert(str(args.output))}" if args.output else "") + ".",
              markup=False, soft_wrap=True)
    return 0


async def _check_and_judge(args: argparse.Namespace, settings: Settings,
                           progress: Callable[[int, int, int], None]) -> CheckSummary:
    """``check --judge``: the judge's server opened on this loop, closed at the end."""
    from synthstudio.boundary.inert import inert
    from synthstudio.datasets.check import check_and_judge
    from synthstudio.judge.server import open_judge

    judge, why = await open_judge(settings)
    try:
        console_err.print(inert(why), markup=False, soft_wrap=True, style="dim")
        return await check_and_judge(
            args.file, args.output, judge, fmt=args.fmt, settings=settings,
            max_field=args.max_field, workers=args.workers,
            concurrency=settings.judge.concurrency, progress=progress)
    finally:
        await judge.backend.aclose()

"""``synthstudio clean``: drop noisy lines from a JSONL file with the noise filters."""

from __future__ import annotations

import argparse

from synthstudio.cli.common import add_max_field, console_err
from synthstudio.cli.common import console as console_out
from synthstudio.errors import InputError


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from synthstudio.filters.noise import NOISE_FILTERS

    names = ", ".join(NOISE_FILTERS)
    p = sub.add_parser(
        "clean", parents=[common], help="drop noisy records from a JSONL or JSON file",
        description="Run the noise filters on every line of a JSONL file and keep the "
                    f"clean lines. Filters: {names}.")
    p.add_argument("input", metavar="INPUT.jsonl")
    p.add_argument("-o", "--output", required=True, metavar="OUTPUT.jsonl",
                   help="where the kept lines go (written atomically; -: standard output)")
    p.add_argument("--field", action="append", default=[], metavar="F",
                   help="check only this key (any depth) or path; repeatable "
                        "(default: every string)")
    p.add_argument("--report", metavar="R.jsonl",
                   help="write one line per dropped line: which filters, on which field")
    p.add_argument("--disable", action="append", default=[], metavar="NAME",
                   help=f"switch a filter off; repeatable ({names})")
    p.add_argument("--threshold", action="append", default=[], metavar="NAME=VALUE",
                   help="override a filter's threshold; repeatable")
    add_max_field(p)
    p.set_defaults(func=run)


def _thresholds(items: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            if not sep:
                raise ValueError
            out[name.strip()] = float(value)
        except ValueError as exc:
            raise InputError(f"'{item}' is not NAME=NUMBER", field="--threshold") from exc
    return out


def run(args: argparse.Namespace) -> int:
    from rich.table import Table

    from synthstudio.boundary.files import is_stdout
    from synthstudio.boundary.inert import inert
    from synthstudio.datasets.clean import clean_file

    s = clean_file(args.input, args.output, fields=args.field or None,
                   report=args.report, disable=args.disable,
                   thresholds=_thresholds(args.threshold), max_field=args.max_field)
    console = console_err if is_stdout(args.output) else console_out
    for note in s.notes:
        console_err.print(f"note: {inert(note)}", markup=False, soft_wrap=True)
    console.print(f"kept {s.kept} of {s.read} lines -> {inert(str(s.output))}"
                  f" ({s.dropped} dropped)", markup=False)
    if s.by_filter:
        table = Table("filter", "lines dropped")
        for name, n in s.by_filter.items():
            table.add_row(name, str(n))
        console.print(table)
    if s.report is not None:
        console.print(f"report: {inert(str(s.report))}", markup=False)
    return 0

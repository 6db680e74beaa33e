"""``synthstudio export``: write pool items as JSONL for fine-tuning."""

from __future__ import annotations

import argparse
from pathlib import Path

from synthstudio.cli.common import console as console_out
from synthstudio.cli.common import console_err, open_pool
from synthstudio.errors import InputError
from synthstudio.records import ACCEPTED, STATUSES


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from synthstudio.datasets.export import FORMATS

    p = sub.add_parser(
        "export", parents=[common], help="write items as JSONL for fine-tuning",
        description="Write pool items as JSONL, one training example a line. Formats: "
                    "alpaca, self-instruct (the seed schema), sharegpt, messages, textbook.")
    p.add_argument("--format", "-f", dest="fmt", required=True, choices=FORMATS)
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="the JSONL file to write (replaced atomically; -: standard output)")
    p.add_argument("--status", default=ACCEPTED, choices=[*STATUSES, "all"],
                   help="which items (default: accepted)")
    p.add_argument("--recipe", help="only items of this recipe")
    p.add_argument("--since", metavar="DATE", help="created on or after (YYYY-MM-DD or ISO)")
    p.add_argument("--until", metavar="DATE",
                   help="created before; a bare date includes that day")
    p.add_argument("--min-score", type=float, metavar="S",
                   help="only items the judge scored S or more (0-5; see synthstudio judge)")
    p.add_argument("--with-provenance", action="store_true",
                   help="add model, options, scores, prompt and timestamps to each line")
    p.add_argument("--reasoning", choices=["think", "field"], default="think",
                   help="reasoning items: <think> block in the reply (default) or a "
                        "separate reasoning_content field")
    p.add_argument("--system", default="", metavar="TEXT",
                   help="a system prompt: a system turn in sharegpt and messages, a system "
                        "column in alpaca")
    p.add_argument("--dataset-info", nargs="?", const="", default=None, metavar="PATH",
                   help="add the file's LLaMA-Factory entry to dataset_info.json (default: "
                        "beside the output)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from synthstudio.boundary.files import is_stdout
    from synthstudio.boundary.inert import inert
    from synthstudio.datasets.dataset_info import entry_for, write_entry
    from synthstudio.datasets.export import export, parse_when

    if args.min_score is not None and not 0 <= args.min_score <= 5:
        raise InputError("must be between 0 and 5", field="--min-score")
    since = parse_when(args.since)
    until = parse_when(args.until, end=True)
    if args.dataset_info is not None:
        if is_stdout(args.output):
            raise InputError("needs an output file, not standard output",
                             field="dataset-info")
        entry_for(args.fmt, "", system=bool(args.system))  # refuse before any work
    with open_pool(args, load_defaults=False) as pool:
        summary = export(pool, args.fmt, args.output, status=args.status,
                         recipe=args.recipe, since=since, until=until,
                         with_provenance=args.with_provenance,
                         reasoning_style=args.reasoning, system=args.system,
                         min_score=args.min_score)
    console = console_err if is_stdout(args.output) else console_out
    console.print(f"{summary.rows} lines -> {inert(str(summary.path))}", markup=False)
    if args.dataset_info is not None:
        info = args.dataset_info or str(Path(args.output).resolve().parent)
        written, name = write_entry(info, args.output, args.fmt, system=bool(args.system))
        console.print(f"dataset_info entry '{inert(name)}' -> {inert(str(written))}",
                      markup=False)
    table = Table()
    table.add_column("recipe")
    table.add_column("lines", justify="right")
    table.add_column("items", justify="right")
    table.add_column("skipped", justify="right")
    for recipe in sorted(set(summary.by_recipe) | set(summary.skipped)):
        table.add_row(Text(inert(recipe)), str(summary.by_recipe.get(recipe, 0)),
                      str(summary.items_by_recipe.get(recipe, 0)),
                      str(summary.skipped.get(recipe, 0)))
    if summary.by_recipe or summary.skipped:
        console.print(table)
    if not summary.rows:
        console.print(f"[yellow]Nothing matched[/] (status {args.status}"
                      + (f", recipe {escape(inert(args.recipe))}" if args.recipe else "")
                      + ").")
    elif summary.skipped:
        console.print("[dim]skipped: items the format cannot hold (self-instruct items "
                      "without instances, or items of another recipe).[/]")
    return 0

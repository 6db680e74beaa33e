"""``synthstudio seeds import|export|list``."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from synthstudio.boundary.inert import inert
from synthstudio.cli.common import console, open_pool


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("seeds", parents=[common], help="import, export and list seed tasks")
    ssub = p.add_subparsers(dest="seeds_command", metavar="ACTION", required=True)
    imp = ssub.add_parser("import", parents=[common],
                          help="import a seed file (Self-Instruct seed schema; Alpaca, ShareGPT "
                               "and messages records become seeds with one instance)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--skip-bad", action="store_true",
                     help="import the good lines of a file that has bad ones")
    imp.set_defaults(func=cmd_import)
    exp = ssub.add_parser("export", parents=[common], help="write the seed tasks as JSONL")
    exp.add_argument("-o", "--output", help="file to write (default, or -: stdout)")
    exp.set_defaults(func=cmd_export)
    lst = ssub.add_parser("list", parents=[common], help="list the seed tasks")
    lst.add_argument("--search", default="", help="only seeds containing this text")
    lst.set_defaults(func=cmd_list)


def cmd_import(args: argparse.Namespace) -> int:
    from synthstudio.datasets.seeds import import_seed_file

    with open_pool(args) as pool:
        s = import_seed_file(pool, args.file, skip_bad=args.skip_bad)
        total = pool.count_seeds()
    console.print(f"Imported {s.imported} seed tasks ({s.classification} classification) "
                  f"from {escape(str(args.file))}; the pool now has {total}.")
    if s.duplicates:
        console.print(f"Skipped {s.duplicates} already in the pool.")
    for note in s.notes:
        console.print(f"[yellow]note:[/] {escape(inert(note))}", soft_wrap=True)
    for err in s.bad[:20]:
        console.print(f"[yellow]skipped[/] {escape(inert(str(err)))}")
    if len(s.bad) > 20:
        console.print(f"[yellow]... and {len(s.bad) - 20} more bad lines skipped[/]")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from synthstudio.boundary.files import atomic_writer, is_stdout, to_terminal
    from synthstudio.datasets.seeds import export_seeds

    with open_pool(args) as pool, atomic_writer(args.output or "-") as f:
        n = export_seeds(pool, f, terminal=to_terminal(args.output))
    if not is_stdout(args.output):
        console.print(f"Wrote {n} seed tasks to {escape(str(args.output))}.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with open_pool(args) as pool:
        seeds = pool.list_seeds(args.search)
    table = Table(show_lines=False, expand=True)
    table.add_column("#", justify="right", style="dim")
    table.add_column("instruction", ratio=1)
    table.add_column("cls", justify="center")
    table.add_column("inst", justify="right")
    for s in seeds:
        table.add_row(str(s.id), escape(inert(s.instruction)),
                      "yes" if s.is_classification else "", str(len(s.instances)))
    console.print(table)
    console.print(f"{len(seeds)} seed tasks, "
                  f"{sum(s.is_classification for s in seeds)} classification.")
    return 0

"""``synthstudio import``: an existing Alpaca, ShareGPT, messages or seed-schema dataset
into the pool, every record checked by the filters, for curation in the studio."""

from __future__ import annotations

import argparse
import gc
from pathlib import Path

from synthstudio.cli.common import (
    add_max_field,
    add_workers,
    console,
    file_progress,
    load_settings,
    open_pool,
)
from synthstudio.records import ACCEPTED, PROPOSED, REJECTED

SKIPPED_SHOWN = 20


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from synthstudio.datasets.formats import CHOICES

    p = sub.add_parser(
        "import", parents=[common], help="bring an existing dataset into the pool",
        description="Read a JSON lines or JSON array dataset (Alpaca, ShareGPT, OpenAI "
                    "messages or the Self-Instruct seed schema), run every filter on each "
                    "record and store it as a pool item with its source, for review in the "
                    "studio, report, dedup and export.")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--format", dest="fmt", default="auto", choices=CHOICES,
                   help="the record format (default: auto, by each record's keys)")
    p.add_argument("--status", default=PROPOSED, choices=[PROPOSED, ACCEPTED],
                   help="proposed (default): everything waits for review; accepted: "
                        "records that pass every filter are accepted, the rest proposed")
    p.add_argument("--skip-bad", action="store_true",
                   help="import the good records of a file that has bad ones, and list "
                        "the skipped")
    add_max_field(p)
    add_workers(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.markup import escape

    from synthstudio.boundary.inert import inert
    from synthstudio.datasets.importer import import_file

    settings = load_settings(args)
    bar, show = file_progress("import")
    # what start-up made (modules, patterns, settings) lives through the import: leave it
    # out of the collector's full passes while items are held in batches (0.2 of 5 CPU-s
    # per 10k records); given back after, for a caller that goes on (the tests)
    gc.freeze()
    try:
        with open_pool(args) as pool, bar:
            s = import_file(pool, args.file, fmt=args.fmt, status=args.status,
                            skip_bad=args.skip_bad, settings=settings,
                            max_field=args.max_field, workers=args.workers,
                            progress=show)
            counts = pool.counts()
    finally:
        gc.unfreeze()
    for note in s.notes:
        console.print(f"[yellow]note:[/] {escape(inert(note))}", soft_wrap=True)
    for err in s.skipped[:SKIPPED_SHOWN]:
        console.print(f"[yellow]skipped[/] {escape(inert(str(err)))}", soft_wrap=True)
    if len(s.skipped) > SKIPPED_SHOWN:
        console.print(f"[yellow]... and {len(s.skipped) - SKIPPED_SHOWN} more skipped[/]")
    formats = ", ".join(f"{n:,} {f}" for f, n in s.by_format.items()) or "none"
    console.print(f"Imported {s.imported:,} items ({formats}) from "
                  f"{escape(inert(str(args.file)))}: {s.accepted:,} accepted, "
                  f"{s.imported - s.accepted:,} proposed, {s.flagged:,} flagged by a filter"
                  + (f", {len(s.skipped):,} skipped" if s.skipped else "") + ".",
                  soft_wrap=True)
    console.print(f"The pool now has {counts[ACCEPTED]:,} accepted, "
                  f"{counts[PROPOSED]:,} proposed, {counts[REJECTED]:,} rejected. "
                  "Review them in the studio (synthstudio), or export.", soft_wrap=True)
    return 0

"""What every command shares: the pool and config from the common options, output, errors."""

from __future__ import annotations

import argparse
import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from synthstudio.errors import InputError, SynthError

if TYPE_CHECKING:  # imported when a command needs it (the CLI starts fast)
    from synthstudio.config.settings import Settings

console = Console(highlight=False)
console_err = Console(stderr=True, highlight=False)


def db_path(args: argparse.Namespace) -> Path:
    from synthstudio.store import default_db_path

    given = getattr(args, "db", None)
    if given is not None and not given.strip():
        raise InputError("is empty", field="--db",
                         hint="Give a pool file, or leave out --db for the default pool.")
    return Path(given).expanduser() if given else default_db_path()


def config_path(args: argparse.Namespace) -> Path | None:
    given = getattr(args, "config", None) or os.environ.get("SYNTHSTUDIO_CONFIG")
    return Path(given).expanduser() if given else None


def open_pool(args: argparse.Namespace, *, load_defaults: bool = True):  # type: ignore[no-untyped-def]
    """Open the pool named by ``--db``; on first start of an empty pool, load default seeds."""
    from synthstudio.datasets.seeds import ensure_default_seeds
    from synthstudio.store import Pool

    path = db_path(args)

    def say_upgrading(found: int) -> None:
        from synthstudio.boundary.inert import inert
        from synthstudio.store.schema import SCHEMA_VERSION

        console_err.print(f"Upgrading the pool {escape(inert(str(path)))} from schema {found} to "
                          f"{SCHEMA_VERSION}: once, and a large pool takes a while "
                          "(about 16 s for 1,000,000 items).")

    pool = Pool(path, on_upgrade=say_upgrading)
    pool.on_wait = _say_waiting
    if load_defaults:
        ensure_default_seeds(pool)
    return pool


def _say_waiting() -> None:
    from synthstudio.store.connection import WAIT_MESSAGE

    console_err.print(WAIT_MESSAGE)


def load_settings(args: argparse.Namespace, warnings: list[str] | None = None) -> Settings:
    """The settings of the config file and environment; unknown keys in the file are warned
    about on stderr, or added to ``warnings`` when the caller shows them itself."""
    from synthstudio.config.settings import load_settings as _load

    shown: list[str] = [] if warnings is None else warnings
    try:
        return _load(config_path(args), warnings=shown)
    finally:  # a typo may be why a value is missing: warn before any error, too
        if warnings is None:
            from synthstudio.boundary.inert import inert

            for line in shown:
                console_err.print(f"[yellow]warning:[/] {escape(inert(line))}",
                                  soft_wrap=True)


def run_command(func: Callable[[argparse.Namespace], int | None],
                args: argparse.Namespace) -> int:
    """Run a command; a SynthError becomes one red sentence (and its hint), exit 1. So do
    a SQLite failure of the pool (disk full, read-only, damaged) and a failed file write."""
    import sqlite3

    try:
        return int(func(args) or 0)
    except SynthError as err:
        return _report(err)
    except KeyboardInterrupt:
        console_err.print("interrupted; everything accepted so far is saved.")
        return 130
    except BrokenPipeError:
        return 0
    except sqlite3.Error as exc:
        from synthstudio.store.failures import storage_error

        return _report(storage_error(exc, db_path(args)))
    except OSError as exc:
        return _report(file_error(exc))


def file_error(exc: OSError) -> SynthError:
    """One sentence for a failed file operation (a full disk, a folder without rights)."""
    where = f" {exc.filename}" if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        return SynthError(f"The disk is full: cannot write{where}.",
                          "Free some space, then run it again; the pool is unchanged.")
    reason = exc.strerror or str(exc)
    return SynthError(f"Cannot use{where or ' a file'}: {reason}.")


def _report(err: SynthError) -> int:
    from synthstudio.boundary.inert import inert

    console_err.print(f"[bold red]error:[/] {escape(inert(err.message))}", soft_wrap=True)
    if err.hint:
        console_err.print(f"[dim]{escape(inert(err.hint))}[/]", soft_wrap=True)
    return 1


def add_max_field(p: argparse.ArgumentParser) -> None:
    """The reader's size limit, for every command that reads a dataset file."""
    from synthstudio.datasets.reader import MAX_FIELD

    p.add_argument("--max-field", type=int, default=MAX_FIELD, metavar="CHARS",
                   help=f"refuse records with a text field longer than this "
                        f"(default {MAX_FIELD:,}; a record may be 16 times that)")


def add_workers(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="processes that run the filters (default: 2 for a file of 4 MB "
                        "or more on 2 cores or more, else 1; more pays off only on idle "
                        "cores)")


def count_progress(*fields: str):  # type: ignore[no-untyped-def]
    """The bar of a command that counts items to a known total (``generate``, ``judge``):
    description, bar, done of total, the task's ``fields``, elapsed, ETA, and the latest
    item's ``info``."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    *(TextColumn(f"{{task.fields[{f}]}}") for f in fields),
                    TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                    TextColumn("{task.fields[info]}"), console=console, transient=False)


def file_progress(label: str):  # type: ignore[no-untyped-def]
    """A transient progress bar on stderr over the bytes of an input file, and the
    ``progress(records, done, total)`` callback that moves it."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn(label), BarColumn(), TextColumn("{task.fields[counts]}"),
                   TimeElapsedColumn(), console=console_err, transient=True)
    task = bar.add_task(label, total=None, counts="")

    def show(records: int, done: int, total: int) -> None:
        bar.update(task, total=max(total, 1), completed=done, counts=f"{records:,} records")

    return bar, show

"""``synthstudio topics import|list|export``: the textbook recipe's topics, as JSONL.

One JSON object a line: ``{"topic": str, "field": str?, "extract": str?}``; other keys
are ignored. A bad line stops the import with its file, line number and reason, and
nothing is imported. Topics already in the pool (same text, any case) are skipped.
The JSONL helpers here are shared with ``synthstudio problems``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Generic, TypeVar

from rich.markup import escape
from rich.table import Table

from synthstudio.boundary.files import atomic_writer, is_stdout, to_terminal
from synthstudio.boundary.inert import inert, json_line
from synthstudio.cli.common import console, open_pool
from synthstudio.datasets.reader import DatasetReader
from synthstudio.errors import InputError
from synthstudio.records import Problem, Topic
from synthstudio.store import Pool

#: a topic or a problem, the two kinds of row these commands import and export
R = TypeVar("R", Topic, Problem)


@dataclass(frozen=True, slots=True)
class RowTable(Generic[R]):
    """One kind of row as the commands see it: how a JSON object becomes one, which text
    makes two of them the same, and how the pool reads and adds them."""

    name: str
    parse: Callable[[dict[str, Any]], R]
    key: Callable[[R], str]
    read: Callable[[Pool], list[R]]
    add: Callable[[Pool, list[R]], list[int]]


def text_field(obj: dict[str, Any], name: str, *, required: bool = False) -> str:
    value = obj.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise InputError("missing or not a string" if required else "must be a string",
                         field=name)
    if required and not value.strip():
        raise InputError("is empty", field=name)
    return value


def norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def read_jsonl(path: Path, parse: Callable[[dict[str, Any]], R]) -> list[R]:
    """Every record parsed into a row; the first bad one raises InputError(path, line)."""
    rows: list[R] = []
    for rec in DatasetReader(path):
        if rec.error is not None:
            raise rec.error
        try:
            if not isinstance(rec.value, dict):
                raise InputError(f"expected a JSON object, found {type(rec.value).__name__}")
            rows.append(parse(rec.value))
        except InputError as err:
            raise InputError(err.reason, path=str(path), line=rec.line, field=err.field,
                             hint=err.hint) from None
    return rows


def import_rows(pool: Pool, table: RowTable[R], path: Path) -> tuple[int, int]:
    """Import a whole file or nothing, each row with the file's name as its source;
    return (imported, skipped as already present)."""
    rows = read_jsonl(path, table.parse)
    seen = {norm(table.key(r)) for r in table.read(pool)}
    fresh: list[R] = []
    for row in rows:
        k = norm(table.key(row))
        if k in seen:
            continue
        seen.add(k)
        fresh.append(replace(row, source=path.name))
    table.add(pool, fresh)
    return len(fresh), len(rows) - len(fresh)


def write_jsonl(rows: list[dict[str, str]], output: str | None) -> int:
    """Rows as JSON lines to ``output`` (a file, replaced atomically, or ``-``/None for
    standard output, where a terminal sees every risky character as a ``\\u`` escape)."""
    terminal = to_terminal(output)
    with atomic_writer(output or "-") as f:
        for r in rows:
            f.write(json_line(json.dumps(r, ensure_ascii=False), terminal=terminal) + "\n")
    return len(rows)


def short(text: str, n: int = 90) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[:n - 1] + "…"


def add_actions(p: argparse.ArgumentParser, common: argparse.ArgumentParser, what: str,
                dest: str, cmds: dict[str, Callable[[argparse.Namespace], int]]) -> None:
    sub = p.add_subparsers(dest=dest, metavar="ACTION", required=True)
    imp = sub.add_parser("import", parents=[common],
                         help=f"import {what} from a JSONL or JSON file")
    imp.add_argument("file", type=Path)
    imp.set_defaults(func=cmds["import"])
    lst = sub.add_parser("list", parents=[common], help=f"list the {what}")
    lst.set_defaults(func=cmds["list"])
    exp = sub.add_parser("export", parents=[common], help=f"write the {what} as JSONL")
    exp.add_argument("-o", "--output", help="file to write (default, or -: stdout)")
    exp.set_defaults(func=cmds["export"])


# -- topics ---------------------------------------------------------------------------


def parse_topic(obj: dict[str, Any]) -> Topic:
    return Topic(topic=text_field(obj, "topic", required=True).strip(),
                 field=text_field(obj, "field").strip(),
                 extract=text_field(obj, "extract").strip())


TOPICS = RowTable("topics", parse_topic, lambda t: t.topic, Pool.topics, Pool.add_topics)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("topics", parents=[common],
                       help="import, list and export the textbook recipe's topics")
    add_actions(p, common, "topics", "topics_command",
                {"import": cmd_import, "list": cmd_list, "export": cmd_export})


def import_command(table: RowTable[R]) -> Callable[[argparse.Namespace], int]:
    """The ``import`` action of ``topics`` and ``problems``: all lines or none."""

    def cmd(args: argparse.Namespace) -> int:
        with open_pool(args) as pool:
            n, dup = import_rows(pool, table, args.file)
            total = len(table.read(pool))
        console.print(f"Imported {n} {table.name} from {escape(str(args.file))}; "
                      f"the pool now has {total}.")
        if dup:
            console.print(f"Skipped {dup} already in the pool.")
        return 0

    return cmd


cmd_import = import_command(TOPICS)


def cmd_list(args: argparse.Namespace) -> int:
    from synthstudio.recipes.textbook import topic_coverage

    with open_pool(args) as pool:
        rows = pool.topics()
        cov = topic_coverage(pool)
    table = Table(expand=True)
    table.add_column("#", justify="right", style="dim")
    table.add_column("topic", ratio=1)
    table.add_column("field")
    table.add_column("extract", justify="right")
    table.add_column("texts", justify="right")
    for r in rows:
        table.add_row(str(r.id), escape(inert(short(r.topic))), escape(inert(r.field)),
                      str(len(r.extract)) if r.extract else "",
                      str(sum(cov.get(r.id or 0, {}).values())))
    console.print(table)
    console.print(f"{len(rows)} topics, {sum(1 for r in rows if r.extract)} with an extract.")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    with open_pool(args) as pool:
        rows = [{"topic": r.topic, "field": r.field, "extract": r.extract}
                for r in pool.topics()]
    n = write_jsonl(rows, args.output)
    if not is_stdout(args.output):
        console.print(f"Wrote {n} topics to {escape(str(args.output))}.")
    return 0

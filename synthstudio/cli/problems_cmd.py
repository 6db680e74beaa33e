"""``synthstudio problems import|list|export``: the reasoning recipe's problems, as JSONL.

One JSON object a line: ``{"id": str?, "problem": str, "answer": str | number,
"kind": str?}`` (kind: arithmetic, algebra, fraction, counting, logic, ...; logic and
word answers are compared as text, the rest with math-verify). A bad line stops the
import with its file, line number and reason, and nothing is imported. Problems already
in the pool (same text, any case) are skipped.
"""

from __future__ import annotations

import argparse
from typing import Any

from rich.markup import escape
from rich.table import Table

from synthstudio.boundary.files import is_stdout
from synthstudio.boundary.inert import inert
from synthstudio.cli.common import console, open_pool
from synthstudio.cli.topics_cmd import (
    RowTable,
    add_actions,
    import_command,
    short,
    text_field,
    write_jsonl,
)
from synthstudio.errors import InputError
from synthstudio.records import Problem
from synthstudio.store import Pool


def parse_problem(obj: dict[str, Any]) -> Problem:
    problem = text_field(obj, "problem", required=True).strip()
    answer = obj.get("answer")
    if isinstance(answer, bool) or not isinstance(answer, str | int | float):
        raise InputError("missing, or not a string or number", field="answer")
    answer = str(answer).strip()
    if not answer:
        raise InputError("is empty", field="answer")
    key = obj.get("id", obj.get("key", ""))
    if key is None:
        key = ""
    if isinstance(key, bool) or not isinstance(key, str | int):
        raise InputError("must be a string", field="id")
    return Problem(key=str(key), problem=problem, answer=answer,
                   kind=text_field(obj, "kind").strip())


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("problems", parents=[common],
                       help="import, list and export the reasoning recipe's problems")
    add_actions(p, common, "problems", "problems_command",
                {"import": cmd_import, "list": cmd_list, "export": cmd_export})


PROBLEMS = RowTable("problems", parse_problem, lambda p: p.problem, Pool.problems,
                    Pool.add_problems)
cmd_import = import_command(PROBLEMS)


def cmd_list(args: argparse.Namespace) -> int:
    with open_pool(args) as pool:
        rows = pool.problems()
        counts = pool.problem_samples()
    table = Table(expand=True)
    table.add_column("#", justify="right", style="dim")
    table.add_column("id", style="dim")
    table.add_column("kind")
    table.add_column("problem", ratio=1)
    table.add_column("answer")
    table.add_column("samples", justify="right")
    for r in rows:
        n, ok = counts.get(r.id or 0, (0, 0))
        table.add_row(str(r.id), escape(inert(r.key)), escape(inert(r.kind)),
                      escape(inert(short(r.problem))), escape(inert(short(r.answer, 20))),
                      f"{ok}/{n}" if n else "")
    console.print(table)
    console.print(f"{len(rows)} problems.")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    with open_pool(args) as pool:
        rows = [{"id": r.key or f"problem_{r.id}", "problem": r.problem, "answer": r.answer,
                 "kind": r.kind} for r in pool.problems()]
    n = write_jsonl(rows, args.output)
    if not is_stdout(args.output):
        console.print(f"Wrote {n} problems to {escape(str(args.output))}.")
    return 0

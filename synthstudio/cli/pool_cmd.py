"""``synthstudio pool stats|list|show|accept|reject``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
from typing import Any

from rich.markup import escape
from rich.table import Table

from synthstudio.boundary.inert import inert
from synthstudio.cli.common import console, open_pool
from synthstudio.errors import InputError
from synthstudio.records import ACCEPTED, REJECTED, STATUSES


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("pool", parents=[common], help="look at and curate the pool")
    psub = p.add_subparsers(dest="pool_command", metavar="ACTION", required=True)
    st = psub.add_parser("stats", parents=[common],
                         help="counts by status, recipe and rejection reason")
    st.add_argument("--json", action="store_true", help="print JSON")
    st.set_defaults(func=cmd_stats)
    ls = psub.add_parser("list", parents=[common], help="list candidates")
    ls.add_argument("--status", choices=STATUSES)
    ls.add_argument("--recipe")
    ls.add_argument("--search", default="")
    ls.add_argument("--limit", type=int, default=50)
    ls.set_defaults(func=cmd_list)
    sh = psub.add_parser("show", parents=[common], help="one candidate with its provenance")
    sh.add_argument("id", type=candidate_id)
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=cmd_show)
    for action in ("accept", "reject"):
        a = psub.add_parser(action, parents=[common], help=f"{action} candidates by id")
        a.add_argument("ids", type=candidate_id, nargs="+")
        if action == "reject":
            a.add_argument("--reason", default="")
        a.set_defaults(func=cmd_decide, action=action)


#: the largest id SQLite can store (a signed 64-bit integer)
MAX_ID = 2**63 - 1


def candidate_id(text: str) -> int:
    """A candidate id from the command line: a whole number SQLite can hold."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a candidate id (a whole number)") from None
    if not 1 <= value <= MAX_ID:
        raise argparse.ArgumentTypeError(
            f"{text} is not a candidate id (ids run from 1 to {MAX_ID})")
    return value


#: what JSON leaves raw but a terminal would obey: DEL, C1 controls (U+009B is CSI),
#: line separators and bidi overrides; they only occur inside strings, so \\uXXXX is exact
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def safe_json(obj: Any) -> str:
    """``obj`` as indented JSON that is safe to print to a terminal (and parses the same)."""
    text = json.dumps(obj, ensure_ascii=False, indent=2)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def _shown(value: object) -> str:
    """Any stored value, made inert and markup-escaped for the console."""
    return escape(inert(str(value)))


def cmd_stats(args: argparse.Namespace) -> int:
    with open_pool(args) as pool:
        data = pool.stats()
    if args.json:
        print(safe_json(dataclasses.asdict(data)))
        return 0
    c = data.counts
    console.print(f"Pool {escape(data.db)}: {data.seeds} seed tasks, {data.runs} runs")
    table = Table(title="candidates by status")
    for col in ("recipe", *STATUSES):
        table.add_column(col, justify="right" if col != "recipe" else "left")
    for recipe, counts in data.by_recipe.items():
        table.add_row(_shown(recipe), *(str(counts[s]) for s in STATUSES))
    table.add_row("[b]all[/]", *(f"[b]{c[s]}[/]" for s in STATUSES))
    console.print(table)
    console.print(f"{data.accepted_instances} instances in accepted tasks.")
    if data.rejected_by_reason:
        reasons = Table(title="rejected by reason")
        reasons.add_column("reason")
        reasons.add_column("count", justify="right")
        for reason, n in data.rejected_by_reason.items():
            reasons.add_row(escape(inert(reason)), str(n))
        console.print(reasons)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with open_pool(args) as pool:
        items = pool.candidates(status=args.status, recipe=args.recipe, search=args.search,
                                limit=args.limit, newest_first=True, with_instances=False)
    table = Table(expand=True)
    for col in ("#", "recipe", "status", "item", "reason"):
        table.add_column(col, ratio=1 if col == "item" else None)
    for c in items:
        table.add_row(str(c.id), _shown(c.recipe), _shown(c.status), _shown(c.title[:200]),
                      escape(inert(c.reason)))
    console.print(table)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with open_pool(args) as pool:
        c = pool.get_candidate(args.id)
        judged = pool.get_score(args.id)
    if c is None:
        raise InputError(f"no candidate #{args.id} in the pool", field="id")
    if args.json:
        from dataclasses import asdict

        print(safe_json({**asdict(c), "judge": asdict(judged) if judged else None}))
        return 0
    console.print(f"[b]#{c.id}[/] {_shown(c.recipe)} · {_shown(c.status)} {_shown(c.reason)}")
    console.print(f"[b]instruction[/] {escape(inert(c.instruction))}")
    for i, inst in enumerate(c.instances, 1):
        console.print(f"  [b]{i}. input[/] {escape(inert(inst.input))}")
        console.print(f"     [b]output[/] {escape(inert(inst.output))}")
    if c.thinking:
        console.print(f"[b]thinking[/] {escape(inert(c.thinking))}")
    if c.text or c.answer:
        console.print(escape(inert(c.text or c.answer)))
    table = Table(title="filters")
    for col in ("filter", "value", "threshold", "verdict", "detail"):
        table.add_column(col)
    for s in c.scores:
        table.add_row(_shown(s.name), _shown(s.value), _shown(s.threshold),
                      "[green]pass[/]" if s.passed else "[red]fail[/]", escape(inert(s.detail)))
    console.print(table)
    prov = c.provenance
    console.print(f"[b]model[/] {_shown(prov.get('backend'))}:{_shown(prov.get('model'))}"
                  f"  [b]options[/] {_shown(json.dumps(prov.get('options', {})))}")
    for req in prov.get("requests", []):
        stats = req.get("stats", {})
        console.print(f"[dim]{_shown(req.get('step'))}: {_shown(stats.get('eval_tokens'))} "
                      f"tokens, {_shown(req.get('elapsed_s'))} s[/]")
    if judged is not None:
        score = "unscored" if judged.score is None else f"{judged.score:g}"
        console.print(f"[b]judge[/] {score}: {escape(inert(judged.reason))}  [dim]"
                      f"{_shown(judged.backend)}:{_shown(judged.model)}, rubric "
                      f"{_shown(judged.rubric_version)}, {_shown(judged.created_at)}[/]")
        if judged.score is None:
            console.print(f"[b]judge reply[/] {escape(inert(judged.raw))}")
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    from synthstudio.curation import Curator, user_reason

    status = ACCEPTED if args.action == "accept" else REJECTED
    reason = "" if status == ACCEPTED else user_reason(args.reason or "")
    with open_pool(args) as pool:
        found = []
        for cid in args.ids:
            c = pool.get_candidate(cid)
            if c is None:
                raise InputError(f"no candidate #{cid} in the pool", field="id")
            found.append(c)
        curator = Curator(pool)
        curator.record([curator.decision(c, status, reason) for c in found])
    console.print(f"{status.capitalize()} {len(args.ids)} candidate(s).")
    return 0

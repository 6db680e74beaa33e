"""``synthstudio judge``: rate pool items with a model, 0-5, with a progress bar and an ETA.

Only items with no score yet are rated, each score saved as it arrives: a pass stopped
or killed at any moment continues where it stopped when run again.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from rich.markup import escape

from synthstudio.boundary.inert import inert
from synthstudio.cli.common import (
    console,
    console_err,
    count_progress,
    load_settings,
    open_pool,
)
from synthstudio.config.choices import BACKEND_CHOICES
from synthstudio.errors import InputError
from synthstudio.records import ACCEPTED, PROPOSED, STATUSES, JudgeScore

if TYPE_CHECKING:  # imported when the command runs (the CLI starts fast)
    from synthstudio.config.settings import Settings


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "judge", parents=[common], help="rate pool items 0-5 with a judge model",
        description="Rate pool items with a model against the rubric (0-5, one sentence of "
                    "reason), AlpaGasus-style. Items that already have a score are skipped, "
                    "so an interrupted pass continues where it stopped.")
    p.add_argument("--status", choices=[*STATUSES, "all"],
                   help="which items (default: proposed and accepted; all: rejected too)")
    p.add_argument("--source", metavar="FILE-or-RUN",
                   help="only the items imported from FILE, or made by one generation run "
                        "(run:N or N)")
    p.add_argument("--rescore", nargs="?", const="unscored", choices=["unscored", "all"],
                   help="rate again the items whose reply did not parse (unscored), or all")
    p.add_argument("--limit", type=int, help="rate at most this many items")
    add_judge_options(p)
    p.set_defaults(func=cmd_judge)


def add_judge_options(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """The judge's server, model, rubric and concurrency (``judge`` and ``check --judge``)."""
    p.add_argument("--concurrency", type=int,
                   help="requests in flight at once (default from config: judge.concurrency)")
    p.add_argument("--backend", choices=BACKEND_CHOICES,
                   help="the judge's model server (default: judge.backend, else the "
                        "generator's)")
    p.add_argument("--model", help="the judge's model")
    p.add_argument("--host", help="the judge's Ollama URL")
    p.add_argument("--base-url", help="the judge's OpenAI-compatible URL, e.g. "
                                      "http://gpu:8000/v1")
    p.add_argument("--rubric", metavar="FILE", help="a rubric template file")
    p.add_argument("--threshold", type=float, help="the passing score (default 4.5)")
    p.add_argument("--no-structured", action="store_true",
                   help="ask in plain text instead of JSON-schema constrained output")


def judge_settings(args: argparse.Namespace) -> Settings:
    """The settings with the command line's judge options applied."""
    settings = load_settings(args)
    j = settings.judge
    for attr, field in (("backend", "backend"), ("model", "model"), ("host", "host"),
                        ("base_url", "base_url"), ("rubric", "rubric"),
                        ("threshold", "threshold"), ("concurrency", "concurrency")):
        value = getattr(args, attr, None)
        if value is not None:
            setattr(j, field, value)
    if getattr(args, "no_structured", False):
        j.structured = False
    if j.concurrency < 1:
        raise InputError("must be at least 1", field="--concurrency")
    if not 0 <= j.threshold <= 5:
        raise InputError("must be between 0 and 5", field="--threshold")
    return settings


def parse_source(text: str | None) -> tuple[int | None, str | None]:
    """``(run id, imported file)`` named by ``--source``: ``run:N``, ``N`` or a path."""
    if not text:
        return None, None
    value = text.removeprefix("run:")
    if value.isdigit():
        return int(value), None
    if text.startswith("run:"):
        raise InputError(f"'{text}' is not a run", field="--source",
                         hint="Give a run id as run:N or N (synthstudio pool stats lists runs).")
    from pathlib import Path

    return None, str(Path(text).expanduser().resolve())


def cmd_judge(args: argparse.Namespace) -> int:
    settings = judge_settings(args)
    if args.limit is not None and args.limit < 1:
        raise InputError("must be at least 1", field="--limit")
    run_id, source_file = parse_source(args.source)
    statuses: tuple[str, ...] = ((PROPOSED, ACCEPTED) if args.status is None
                                 else () if args.status == "all" else (args.status,))
    return asyncio.run(_judge(args, settings, statuses, run_id, source_file))


async def _judge(args: argparse.Namespace, settings: Settings, statuses: tuple[str, ...],
                 run_id: int | None, source_file: str | None) -> int:
    from synthstudio.judge.judge_pass import judge_pass
    from synthstudio.judge.server import open_judge

    judge, why = await open_judge(settings)
    try:
        with open_pool(args, load_defaults=False) as pool:
            console.print(f"[dim]{escape(inert(why))}[/]")
            scores: list[float] = []
            progress = count_progress()

            def on_score(s: JudgeScore) -> None:
                if s.score is not None:
                    scores.append(s.score)
                info = (f"#{s.candidate_id}: {s.score:g}" if s.score is not None
                        else f"#{s.candidate_id}: unscored")
                progress.update(task, advance=1, info=info)

            total = pool.count_to_judge(statuses=statuses, run_id=run_id,
                                        rescore=args.rescore or "", source_file=source_file)
            total = min(total, args.limit) if args.limit else total
            with progress:
                server = f"{judge.backend.name}:{judge.backend.model or '?'}"
                task = progress.add_task(f"judge · {server}", total=total, info="")
                summary = await judge_pass(
                    pool, judge, statuses=statuses, run_id=run_id,
                    rescore=args.rescore or "", concurrency=settings.judge.concurrency,
                    on_score=on_score, limit=args.limit, source_file=source_file)
            left = pool.count_to_judge(statuses=statuses, run_id=run_id,
                                       source_file=source_file)
    finally:
        await judge.backend.aclose()
    j = settings.judge
    passed = sum(1 for s in scores if s >= j.threshold)
    mean = f", mean {sum(scores) / len(scores):.2f}" if scores else ""
    console.print(f"Rated {summary.rated} of {summary.total} items in {summary.seconds:.1f} s: "
                  f"{summary.scored} scored{mean}, {summary.unscored} unscored; {passed} at "
                  f"or above {j.threshold:g}. {left} still without a score.")
    if summary.unscored:
        console.print("[dim]Unscored replies are kept (synthstudio pool show ID); "
                      "--rescore asks again.[/]")
    if summary.overloads:
        console.print(f"[dim]The judge's server said it was overloaded {summary.overloads} "
                      "time(s); each halved the requests in flight for a while.[/]")
    if summary.error is not None:
        console_err.print(f"[bold red]error:[/] {escape(inert(summary.error.full()))} "
                          "Every score so far is saved; run the command again to continue.",
                          soft_wrap=True)
        return 1
    return 0

"""``synthstudio generate``: run a recipe headless, with a progress bar."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from synthstudio.boundary.inert import inert
from synthstudio.cli.common import (
    console,
    console_err,
    count_progress,
    load_settings,
    open_pool,
)
from synthstudio.config.choices import BACKEND_CHOICES, RECIPE_CHOICES
from synthstudio.errors import InputError
from synthstudio.records import ACCEPTED, PROPOSED, REJECTED, RunStatus

if TYPE_CHECKING:  # imported when the command runs (the CLI starts fast)
    from synthstudio.config.settings import Settings


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("generate", parents=[common], help="run a recipe without the studio")
    p.add_argument("--recipe", default=None, choices=RECIPE_CHOICES,
                   help="which recipe to run (default from config: self-instruct)")
    p.add_argument("--count", type=int, default=10,
                   help="how many items that pass the filters to make (default 10)")
    p.add_argument("--backend", choices=BACKEND_CHOICES,
                   help="model server (default from config: auto)")
    p.add_argument("--model", help="model name (default: the backend's)")
    p.add_argument("--host", help="Ollama URL (default $OLLAMA_HOST or 127.0.0.1:11434)")
    p.add_argument("--base-url", help="OpenAI-compatible server URL, e.g. http://gpu:8000/v1")
    p.add_argument("--temperature", type=float)
    p.add_argument("--seed", type=int, help="random seed for sampling and the model")
    p.add_argument("--auto-accept", action="store_true",
                   help="accept every item that passes all filters (default: leave them "
                        "proposed for curation in the studio)")
    p.add_argument("--resume", action="store_true",
                   help="continue the last run that was stopped or killed")
    p.add_argument("--no-pull", action="store_true",
                   help="do not download a configured model that Ollama lacks")
    p.add_argument("--max-requests", type=int,
                   help="give up after this many generation steps")
    p.add_argument("--concurrency", type=int, metavar="N",
                   help="requests in flight at once (default from config, else 1 embedded, "
                        "4 Ollama, 8 OpenAI-compatible)")
    p.set_defaults(func=cmd_generate)


#: command-line options that set a setting: (argparse dest, setting, flag)
OVERRIDES = (("backend", "backend", "--backend"), ("model", "model", "--model"),
             ("host", "ollama_host", "--host"), ("base_url", "openai_base_url", "--base-url"),
             ("temperature", "temperature", "--temperature"), ("seed", "seed", "--seed"),
             ("concurrency", "concurrency", "--concurrency"))


def settings_from_args(args: argparse.Namespace,
                       warnings: list[str] | None = None) -> Settings:
    """The config's settings with the command line's options over them, each validated by
    the config's rules (a bad value names its flag)."""
    settings = load_settings(args, warnings)
    for attr, field, flag in OVERRIDES:
        value = getattr(args, attr, None)
        if value is not None:
            settings.override(field, value, flag)
    return settings


def cmd_generate(args: argparse.Namespace) -> int:
    if args.count < 1:
        raise InputError("must be at least 1", field="--count")
    if args.max_requests is not None and args.max_requests < 1:
        raise InputError("must be at least 1", field="--max-requests")
    if args.concurrency is not None and not 1 <= args.concurrency <= 1024:
        raise InputError("must be between 1 and 1024", field="--concurrency")
    settings = settings_from_args(args)
    return asyncio.run(_generate(args, settings))


async def _generate(args: argparse.Namespace, settings: Settings) -> int:
    from synthstudio.backends.ollama import OllamaBackend
    from synthstudio.backends.openai_compat import OpenAIBackend
    from synthstudio.backends.select import open_backend
    from synthstudio.engine import Engine
    from synthstudio.events import CandidateReady, Status, Throughput
    from synthstudio.recipes import make_recipe

    backend, why = await open_backend(settings)
    pool = None
    try:
        # a server that is down or silent at the start is one sentence, not hours of retries
        if isinstance(backend, OpenAIBackend):
            await backend.check()
        if isinstance(backend, OllamaBackend):
            await backend.version()
            if settings.model and not args.no_pull:
                from synthstudio.cli.models_cmd import ensure_model_pulled

                await ensure_model_pulled(backend, settings.model)
        pool = open_pool(args)
        resume_run = None
        if args.resume:
            resume_run = pool.last_unfinished_run(args.recipe)
            if resume_run is None:
                console.print("No stopped or killed run to resume; starting a new one.")
            else:
                args.recipe = resume_run.recipe
        recipe_name = args.recipe or settings.recipe
        recipe = make_recipe(recipe_name)
    except BaseException:
        await backend.aclose()
        if pool is not None:
            pool.close()
        raise
    console.print(f"[dim]{escape(why)}[/]")
    progress = count_progress("flow")
    engine: Engine | None = None
    flow = Throughput()
    shown = [0.0]

    def on_event(event: Any) -> None:
        if flow.see(event):
            now = flow.clock()
            if now - shown[0] >= 0.25:  # the bar redraws 10 times a second anyway
                shown[0] = now
                in_flight = engine.in_flight if engine is not None else 0
                progress.update(task, flow=f"{in_flight} in flight · {flow.rate:.0f} tok/s")
            return
        if isinstance(event, CandidateReady):
            c = event.candidate
            if c.status == REJECTED:
                progress.update(task, info=f"rejected: {c.reason}")
                return
            word = str(c.status)
            progress.console.print(f"{word} #{c.id}: {escape(inert(c.title[:100]))}")
            progress.update(task, advance=1, info="")
        elif isinstance(event, Status):
            style = {"error": "red", "warning": "yellow"}.get(event.level, "dim")
            progress.console.print(f"[{style}]{escape(inert(event.text))}[/]")

    try:
        engine = Engine(pool, backend, recipe, settings, target=args.count,
                        auto_accept=args.auto_accept, emit=on_event,
                        max_steps=args.max_requests, resume_run=resume_run)
        with progress:
            task = progress.add_task(f"{recipe_name} · {backend.name}:{backend.model}",
                                     total=engine.target, info="", flow="")
            if resume_run:
                done = pool.run_counts(resume_run.id)
                progress.update(task, completed=done[PROPOSED] + done[ACCEPTED])
            summary = await engine.run()
    finally:
        await backend.aclose()
        counts = pool.counts()
        pool.close()
    console.print(
        f"Run {summary.run_id}: {summary.produced} passed the filters "
        f"({summary.accepted} accepted), {summary.rejected} filtered out, "
        f"{summary.requests} steps. Pool: {counts[ACCEPTED]} accepted, "
        f"{counts[PROPOSED]} proposed, {counts[REJECTED]} rejected.")
    if summary.status == RunStatus.FAILED:  # an error: on stderr, like every other command's
        console_err.print(f"[bold red]error:[/] {escape(inert(summary.message))}",
                          soft_wrap=True)
    elif summary.message:
        console.print(f"[yellow]{escape(inert(summary.message))}[/]")
    return 0 if summary.status in (RunStatus.FINISHED, RunStatus.STOPPED) else 1

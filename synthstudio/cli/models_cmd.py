"""``synthstudio models list|pull``: what a backend offers, and downloading into Ollama."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn
from rich.table import Table

from synthstudio.boundary.inert import inert
from synthstudio.cli.common import console, load_settings
from synthstudio.config.choices import BACKEND_CHOICES

if TYPE_CHECKING:  # imported when the command runs (the CLI starts fast)
    from synthstudio.backends.ollama import OllamaBackend
    from synthstudio.config.settings import Settings


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("models", parents=[common], help="list models, pull into Ollama")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    ls = msub.add_parser("list", parents=[common], help="models the backend offers")
    ls.add_argument("--backend", choices=BACKEND_CHOICES)
    ls.add_argument("--host", help="Ollama URL")
    ls.set_defaults(func=cmd_list)
    pl = msub.add_parser("pull", parents=[common], help="download a model into Ollama")
    pl.add_argument("model")
    pl.add_argument("--host", help="Ollama URL")
    pl.set_defaults(func=cmd_pull)


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(args)
    if getattr(args, "backend", None):
        settings.backend = args.backend
    if getattr(args, "host", None):
        settings.ollama_host = args.host
    return settings


def cmd_list(args: argparse.Namespace) -> int:
    return asyncio.run(_list(_settings(args)))


async def _list(settings: Settings) -> int:
    from synthstudio.backends.select import open_backend

    backend, why = await open_backend(settings)
    try:
        models = await backend.list_models()
    finally:
        await backend.aclose()
    console.print(f"[dim]{escape(why)}[/]")
    table = Table()
    for col in ("model", "size", "family", "parameters", "quantization"):
        table.add_column(col)
    for m in models:
        size = f"{m.size_bytes / 1e9:.1f} GB" if m.size_bytes else ""
        table.add_row(escape(inert(m.name)), size, escape(m.family), escape(m.parameter_size),
                      escape(m.quantization))
    console.print(table)
    return 0


async def pull_with_progress(backend: OllamaBackend, model: str) -> None:
    """Download ``model`` into Ollama with a progress bar."""
    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                  console=console) as progress:
        task = progress.add_task(f"pulling {escape(model)}", total=None)

        def on_progress(status: str, completed: int | None, total: int | None) -> None:
            progress.update(task, description=escape(inert(status or model))[:60],
                            completed=completed or 0, total=total)

        await backend.pull(model, on_progress)
    console.print(f"Pulled {escape(model)}.")


async def ensure_model_pulled(backend: OllamaBackend, model: str) -> bool:
    """Pull ``model`` if the Ollama ``backend`` lacks it; True when a pull happened."""
    names = {m.name for m in await backend.list_models()}
    if not model or model in names or f"{model}:latest" in names:
        return False
    console.print(f"Ollama has no model '{escape(model)}' yet; downloading it.")
    await pull_with_progress(backend, model)
    return True


def cmd_pull(args: argparse.Namespace) -> int:
    from synthstudio.backends.ollama import OllamaBackend

    settings = _settings(args)

    async def go() -> int:
        backend = OllamaBackend(settings.ollama_host or None, args.model,
                                connect_timeout=settings.connect_timeout)
        try:
            await backend.version(timeout=settings.check_timeout)
            await pull_with_progress(backend, args.model)
        finally:
            await backend.aclose()
        return 0

    return asyncio.run(go())

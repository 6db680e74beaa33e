"""``synthstudio doctor``: which model backends work here, and how to fix the others."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from rich.text import Text

from synthstudio.boundary.inert import inert
from synthstudio.cli.common import config_path, console, load_settings
from synthstudio.errors import ConfigError

LABELS = {"ollama": "Ollama", "openai": "OpenAI-compatible", "embedded": "embedded"}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("doctor", parents=[common],
                       help="check the model backends and say how to fix what is missing",
                       description="Check Ollama, an OpenAI-compatible server and the "
                                   "embedded model: reachable?, which models?, and the exact "
                                   "fix for anything missing. Works with nothing running.")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--quick", action="store_true",
                   help="do not load the embedded model (only check that its file exists)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from synthstudio.backends.doctor import diagnose
    from synthstudio.config.settings import Settings, default_config_path

    path = config_path(args) or default_config_path()
    config_problem = ""
    try:
        settings = load_settings(args)
    except ConfigError as err:
        config_problem = err.full()
        settings = Settings.model_construct()  # the defaults, not the broken environment
    where = f"{path}" + ("" if path.exists() else " (not created yet: defaults in use)")
    report = asyncio.run(diagnose(settings, run_embedded=not args.quick, config=where))
    if args.json:
        data = report.as_dict()
        data["config_problem"] = config_problem
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return 0 if report.usable else 1
    out = Text()
    out.append("config   ", style="bold").append(inert(where) + "\n")
    if config_problem:
        out.append("         " + inert(config_problem) + "\n", style="red")
    out.append("backend  ", style="bold").append(f"{report.backend}: ")
    out.append(inert(report.selected) + "\n\n")
    for c in report.checks:
        mark, style = ("✓", "green") if c.ok else (("✗", "red") if c.needed else ("-", "dim"))
        out.append(f"{mark} {LABELS.get(c.backend, c.backend):<19}", style=f"bold {style}")
        out.append(inert(c.summary))
        if not c.ok and not c.needed:
            out.append(" (optional: not configured)", style="dim")
        out.append("\n")
        if c.models:
            shown = ", ".join(c.models[:8]) + (" …" if len(c.models) > 8 else "")
            out.append("    models: ", style="dim").append(inert(shown) + "\n")
        caps = c.details.get("capabilities")
        if caps:
            out.append("    ", style="dim").append(
                inert(f"{c.details['model']}: {', '.join(caps)}") + "\n", style="dim")
        if c.details.get("note"):
            out.append("    note: " + c.details["note"] + "\n", style="dim")
        if c.details.get("concurrency_note") and (c.ok or c.needed):
            out.append("    concurrency: " + c.details["concurrency_note"] + "\n",
                       style="dim")
        for fix in c.fixes:
            out.append("    fix: ", style="yellow").append(inert(fix) + "\n")
    console.print(out, end="")
    return 0 if report.usable else 1

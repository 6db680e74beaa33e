"""The ``synthstudio`` command: no arguments opens the studio; subcommands work headless.

Each command group lives in its own module exposing ``register(subparsers, common)``;
:data:`COMMAND_MODULES` lists them in help order.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from synthstudio.cli.common import console_err, run_command
from synthstudio.config.choices import BACKEND_CHOICES
from synthstudio.errors import SynthError

COMMAND_MODULES = [
    "synthstudio.cli.seeds_cmd",
    "synthstudio.cli.topics_cmd",
    "synthstudio.cli.problems_cmd",
    "synthstudio.cli.generate_cmd",
    "synthstudio.cli.pool_cmd",
    "synthstudio.cli.import_cmd",
    "synthstudio.cli.check_cmd",
    "synthstudio.cli.export_cmd",
    "synthstudio.cli.dedup_cmd",
    "synthstudio.cli.clean_cmd",
    "synthstudio.cli.report_cmd",
    "synthstudio.cli.judge_cmd",
    "synthstudio.cli.models_cmd",
    "synthstudio.cli.doctor_cmd",
]


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                        help="pool file (default: $SYNTHSTUDIO_DB or the user data dir)")
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS,
                        help="config file (default: $SYNTHSTUDIO_CONFIG or the user config dir)")
    parser = argparse.ArgumentParser(
        prog="synthstudio", parents=[common],
        description="Grow a synthetic training dataset with a local LLM. "
                    "Run with no command to open the studio.",
    )
    studio = parser.add_argument_group("the studio (no command)")
    studio.add_argument("--backend", choices=BACKEND_CHOICES,
                        help="model server for this session (default from config: auto)")
    studio.add_argument("--model", help="model name for this session")
    studio.add_argument("--host", help="Ollama URL (default $OLLAMA_HOST or 127.0.0.1:11434)")
    studio.add_argument("--base-url", help="OpenAI-compatible server URL")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(args_list)
    if not getattr(args, "command", None):
        return run_command(_open_studio, args)
    return run_command(args.func, args)


def _open_studio(args: argparse.Namespace) -> int:
    try:
        from synthstudio.tui.app import run_studio
    except ImportError as exc:  # pragma: no cover - only when textual is missing
        raise SynthError(f"The studio cannot start: {exc}.") from exc
    return run_studio(args)


__all__ = ["main", "build_parser", "console_err"]

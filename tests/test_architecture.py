"""The core never imports textual; only synthstudio.tui does."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import synthstudio

ROOT = Path(__file__).resolve().parents[1]


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(synthstudio.__path__, "synthstudio."):
        # __main__ runs the command on import
        if not info.name.startswith("synthstudio.tui") and info.name != "synthstudio.__main__":
            names.append(info.name)
    return names


def test_core_modules_do_not_load_textual():
    mods = core_modules()
    assert "synthstudio.engine" in mods and "synthstudio.store.pool" in mods
    code = ("import importlib, sys\n"
            f"for m in {mods!r}:\n"
            "    importlib.import_module(m)\n"
            "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
            "print(len(bad))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True, timeout=120)
    assert out.stdout.strip() == "0", out.stdout + out.stderr


def test_no_textual_import_statement_outside_tui():
    offenders = []
    for path in (ROOT / "synthstudio").rglob("*.py"):
        if "tui" in path.relative_to(ROOT / "synthstudio").parts:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            s = line.strip()
            if s.startswith(("import textual", "from textual")):
                offenders.append(f"{path}: {s}")
    assert offenders == []


def test_import_linter_contract():
    exe = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(exe), "--config", str(ROOT / "pyproject.toml")],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 kept, 0 broken" in out.stdout

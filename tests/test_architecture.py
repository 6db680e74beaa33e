"""The core never imports textual; only synthstudio.tui does; only the store runs SQL."""

from __future__ import annotations

import pkgutil
import re
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


def test_import_linter_contracts_hold():
    """Every contract in pyproject.toml (no textual in the core; the layers) is kept: each
    is checked on its own, by its id, and judged by lint-imports' exit code (an unknown
    id fails too), not by the words it prints."""
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"]["importlinter"]["contracts"]
    assert {c["type"] for c in contracts} >= {"forbidden", "layers"}
    exe = Path(sys.executable).with_name("lint-imports")
    for c in contracts:
        out = subprocess.run([str(exe), "--config", str(ROOT / "pyproject.toml"),
                              "--contract", c["id"]],
                             capture_output=True, text=True, cwd=ROOT)
        assert out.returncode == 0, (c["id"], out.stdout + out.stderr)


def test_layers_contract_catches_an_upward_import(tmp_path):
    """The layers contract is live: a store module importing the engine breaks it."""
    import shutil

    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "synthstudio", copy / "synthstudio",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    bad = copy / "synthstudio" / "store" / "upward.py"
    bad.write_text("import synthstudio.engine\n", encoding="utf-8")
    exe = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(exe), "--config", str(copy / "pyproject.toml")],
                         capture_output=True, text=True, cwd=copy,
                         env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"})
    assert out.returncode != 0
    assert "synthstudio.store.upward -> synthstudio.engine" in out.stdout


def test_tests_and_benchmarks_read_nothing_outside_the_repository():
    """`./run pytest` passes on a fresh clone: no test reaches beside or above the checkout
    (the public Self-Instruct seeds live in tests/data, with their license note)."""
    import re

    outside = re.compile(r"""ROOT\.parent|parents\[\d\]\.parent|\.\./|["']/work/|["']shared["']""")
    offenders = []
    for folder in ("tests", "benchmarks"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.relative_to(ROOT / folder).parts[0] == "data":
                continue  # what the benchmarks build (git ignores it), not their code
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if outside.search(line) and "outside = re.compile" not in line:
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []
    assert (ROOT / "tests" / "data" / "self_instruct_seed_tasks.jsonl").is_file()
    assert "Apache" in (ROOT / "tests" / "data" / "README.md").read_text(encoding="utf-8")
SQL = re.compile(r"\b(SELECT\s|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+"
                 r"(TABLE|INDEX|TRIGGER|VIRTUAL)|DROP\s+(TABLE|INDEX)|PRAGMA\s)|"
                 r"\.execute(many|script)?\(")


def test_no_sql_outside_the_store() -> None:
    """The store owns its SQL: everything else asks it through methods."""
    root = Path(synthstudio.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.is_relative_to(root / "store"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if SQL.search(line):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert not found, "SQL outside synthstudio/store:\n" + "\n".join(found)


def test_the_sql_scan_finds_sql() -> None:
    """The scan above would see a query (so its silence means something)."""
    assert SQL.search('pool.query("SELECT id FROM candidates")')
    assert SQL.search('conn.execute("UPDATE runs SET status = ?")')
    assert SQL.search("conn.executemany(sql, rows)")
    assert not SQL.search("self.query(InstanceRow)")

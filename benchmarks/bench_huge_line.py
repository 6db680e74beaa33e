"""Peak memory of every file-reading command on a file whose first record is one 200 MB line.

Usage: ``python benchmarks/bench_huge_line.py [--mb 200]``.

Writes a JSON lines file: one record whose instruction is ``--mb`` MB long, then two
ordinary records; and the same as a JSON array. Runs each command as a subprocess from
start to exit and reads its peak resident memory (``ru_maxrss`` of the child). The
baseline is ``synthstudio --help`` in the same run (the interpreter and the imports).
Each command must refuse the huge record in one sentence naming the file and line (exit
1), or skip it with ``--skip-bad``, and stay within a small multiple of the 16 MB
per-record limit above the baseline.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

LIMIT_MB = 150  # above the baseline: a small multiple of the 16 MB record limit


def write(path: Path, mb: int, array: bool) -> None:
    with path.open("wb") as f:
        f.write(b'[{"instruction": "' if array else b'{"instruction": "')
        for _ in range(mb):
            f.write(b"word " * 200_000)
        f.write(b'", "output": "x"},\n' if array else b'", "output": "x"}\n')
        rest = b'{"instruction": "Name a colour.", "output": "Blue."}'
        f.write(rest + (b"]\n" if array else b"\n"))


def peak_mb(cmd: list[str]) -> tuple[float, int, str]:
    """Peak RSS in MB of one child run, its exit code and its last stderr line."""
    code = ("import resource, subprocess, sys\n"
            "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.returncode)\n"
            "print((p.stderr.strip().splitlines() or [''])[-1])\n")
    out = subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True,
                         text=True, check=True).stdout.splitlines()
    kb, rc = out[0].split()
    return int(kb) / 1024, int(rc), out[1] if len(out) > 1 else ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=200)
    args = ap.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="synthstudio-huge-"))
    lines, array = folder / "huge.jsonl", folder / "huge.json"
    write(lines, args.mb, array=False)
    write(array, args.mb, array=True)
    cli = [sys.executable, "-m", "synthstudio"]
    db = ["--db", str(folder / "p.db")]
    base, _, _ = peak_mb([*cli, "--help"])
    print(f"one {args.mb} MB record; baseline (synthstudio --help): {base:.0f} MB peak")
    runs = {
        "dedup": [*cli, "dedup", str(lines), "-o", str(folder / "d.jsonl")],
        "clean": [*cli, "clean", str(lines), "-o", str(folder / "c.jsonl")],
        "seeds import": [*cli, "seeds", "import", str(lines), *db],
        "import": [*cli, "import", str(lines), *db],
        "import --skip-bad": [*cli, "import", str(lines), "--skip-bad", *db],
        "check": [*cli, "check", str(lines), "-o", str(folder / "v.jsonl")],
        "dedup (array)": [*cli, "dedup", str(array), "-o", str(folder / "d.json")],
        "import (array)": [*cli, "import", str(array), *db],
    }
    ok = True
    for name, cmd in runs.items():
        mb, rc, said = peak_mb(cmd)
        fine = mb - base < LIMIT_MB
        ok = ok and fine
        print(f"{name:18} peak {mb:6.0f} MB ({mb / base:4.1f}x baseline), exit {rc}: "
              f"{said[:110]}")
    print(f"every command within {LIMIT_MB} MB of the baseline: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

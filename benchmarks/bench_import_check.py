"""Import and check 50,000 Alpaca records: whole commands, start to exit, as a person runs them.

Usage: ``python benchmarks/bench_import_check.py [--n 50000] [--workers 1,2]``.

Writes N Alpaca-style records (a JSON array, the form Alpaca ships in; a fifth with a
"No input" placeholder, some with refusals, URLs and HTML) to a temp folder, then times in
subprocesses, each from start to exit:

* the baseline: ``python -c`` that json-loads the file and json-dumps every record (the
  floor any reader of the file pays), measured in this same run;
* ``synthstudio check FILE -o VERDICTS.jsonl`` and ``synthstudio import FILE`` into a fresh
  pool, for each ``--workers`` value.

The commands run as installed: with bytecode cached (under the temp folder) and warmed
by one small run, since a checkout run with PYTHONDONTWRITEBYTECODE recompiles every
module at each start. Prints seconds and the ratio to the baseline, and whether import +
check together stay under the 30 s target. The machine is shared: the load average is
printed too, and the ratio is the figure to compare between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 30.0
ROOT = Path(__file__).resolve().parents[1]


def make_file(path: Path, n: int) -> None:
    rng = random.Random(7)
    verbs = ["Explain", "Describe", "List", "Write", "Summarize", "Translate", "Classify",
             "Give", "Rewrite", "Compare"]
    topics = ["photosynthesis", "the water cycle", "a haiku about rain",
              "three tips for better sleep", "the causes of inflation",
              "this sentence into French", "the sentiment of the review",
              "a short story about a lighthouse", "the rules of chess", "如何泡一壶好茶"]
    words = ("the a of to and is in that it for on with as was by this are be at from "
             "answer result example water energy light plant people time first").split()
    rows = []
    for i in range(n):
        inp = rng.choice(["", "", "", "No input", "The movie was wonderful.",
                          "https://example.com/article", "I like drinking tea."])
        out = " ".join(rng.choice(words) for _ in range(rng.randint(8, 120))) + "."
        if i % 50 == 0:
            out = "As an AI language model, I cannot do that."
        if i % 70 == 0:
            out = "<p>" + out + "</p><br/><b>done</b>"
        rows.append({"instruction": f"{rng.choice(verbs)} {rng.choice(topics)} ({i}).",
                     "input": inp, "output": out})
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    took = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    return took


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50_000)
    ap.add_argument("--workers", default="1,2", help="comma-separated values to time")
    args = ap.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="synthstudio-import-"))
    src = folder / "alpaca.json"
    make_file(src, args.n)
    size = src.stat().st_size / 1e6
    py = sys.executable
    base = timed([py, "-c", "import json, sys\nrows = json.load(open(sys.argv[1]))\n"
                  "for r in rows: json.dumps(r, ensure_ascii=False)", str(src)])
    print(f"{args.n:,} records, {size:.1f} MB; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    print(f"baseline (json.load + dumps, start to exit): {base:.2f} s")
    # as installed: bytecode cached (kept out of the checkout), warmed by one small run
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    cli = [py, "-m", "synthstudio"]
    small = folder / "small.json"
    make_file(small, 100)
    timed([*cli, "check", str(small)], env)
    timed([*cli, "import", str(small), "--db", str(folder / "warm.db")], env)
    ok = True
    for workers in [int(w) for w in args.workers.split(",")]:
        check = timed([*cli, "check", str(src), "-o", str(folder / "v.jsonl"),
                       "--workers", str(workers)], env)
        db = folder / f"pool-{workers}.db"
        imp = timed([*cli, "import", str(src), "--db", str(db), "--workers", str(workers)],
                    env)
        total = check + imp
        ok = ok and total < TARGET_S
        print(f"workers {workers}: check {check:.1f} s ({check / base:.0f}x baseline), "
              f"import {imp:.1f} s ({imp / base:.0f}x baseline), together {total:.1f} s; "
              f"target < {TARGET_S:.0f} s: {'PASS' if total < TARGET_S else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

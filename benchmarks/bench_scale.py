"""How the pool behaves at 1,000,000 items: opening, the reads the studio makes, searching
and exporting, each against its target (inner functions, timed alone).

What a person waits for in the studio on the same pool (key to screen for accept,
reject, un-accept and search; start to first screen from the process start) is measured
by ``bench_keys.py``: this script times the pool's own calls, not the studio.

Usage: ``python benchmarks/bench_scale.py [--n 1000000] [--db PATH] [--rebuild]``

The pool is built once with ``benchmarks/make_pool.py`` into ``benchmarks/data/`` and
reused. Every line prints the measurement, the target and ``target / measured`` (for a
time, >= 1 meets the target; for a throughput, <= 1 does).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.make_pool import make_pool  # noqa: E402
from synthstudio.store import Pool  # noqa: E402

OPEN_TARGET_S = 2.0
SEARCH_TARGET_S = 0.200
EXPORT_TARGET_ROWS_S = 100_000
SEARCH_WORDS = ["poem", "climate change", "ancient Rome", "光合作用", "interview",
                "energy water", "zyxwv"]


def line(what: str, measured: float, target: float, unit: str, *, higher_is_better: bool
         = False) -> bool:
    ok = measured >= target if higher_is_better else measured <= target
    ratio = target / measured if measured else float("inf")
    print(f"{what:<44} {measured:>12,.3f} {unit:<6} target {target:>9,.3f} {unit:<6} "
          f"target/measured {ratio:7.2f}  {'ok' if ok else 'MISSED'}")
    return ok


def info(what: str, value: str) -> None:
    print(f"{what:<44} {value}")


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def ensure_pool(path: Path, n: int, rebuild: bool) -> None:
    if rebuild and path.exists():
        for p in path.parent.glob(path.name + "*"):
            p.unlink()
    if path.exists():
        with Pool(path) as pool:
            have = int(pool.query("SELECT count(*) AS n FROM candidates")[0]["n"])
        if have >= n:
            info("pool", f"reusing {path} ({have:,} items)")
            return
        raise SystemExit(f"{path} has {have:,} items, not {n:,}: use --rebuild")
    start = time.perf_counter()
    make_pool(path, n, seed=0)
    info("pool", f"built {path} ({n:,} items) in {time.perf_counter() - start:.1f} s")


def import_time() -> float:
    """Seconds a new interpreter needs to import the pool (what every command pays)."""
    code = ("import time; t = time.perf_counter(); import synthstudio.store, "
            "synthstudio.datasets.seeds; print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    return float(out.stdout.strip())


def first_screen(path: Path) -> tuple[float, Pool]:
    """Pool() + counts() + the newest 50 candidates + the seed list."""
    start = time.perf_counter()
    pool = Pool(path)
    pool.counts()
    pool.candidates(limit=50, newest_first=True)
    pool.list_seeds()
    return time.perf_counter() - start, pool


def studio_queries(pool: Pool) -> None:
    """The other reads the studio makes when it opens, each timed (for diagnosis)."""
    queries: list[tuple[str, Callable[[], Any]]] = [
        ("  rejection_reasons()", pool.rejection_reasons),
        ("  newest 300 accepted (pool pane)",
         lambda: pool.candidates(status="accepted", limit=300, newest_first=True)),
        ("  oldest 2000 proposed (review queue)",
         lambda: pool.candidates(status="proposed", limit=2000)),
        ("  newest 500 rejected (filtered view)",
         lambda: pool.candidates(status="rejected", limit=500, newest_first=True)),
    ]
    for what, fn in queries:
        t, _ = timed(fn)
        info(what, f"{t * 1000:,.1f} ms")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--db", type=Path)
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args(argv)
    path = args.db or ROOT / "benchmarks" / "data" / f"pool_{args.n}.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    ensure_pool(path, args.n, args.rebuild)
    ok = True

    info("import synthstudio.store (new interpreter)", f"{import_time():.2f} s")
    t, pool = first_screen(path)
    ok &= line("open + counts + newest 50 + seeds", t, OPEN_TARGET_S, "s")
    studio_queries(pool)

    worst = 0.0
    for word in SEARCH_WORDS:
        start = time.perf_counter()
        found = pool.candidates(search=word, limit=50)
        t = time.perf_counter() - start
        info(f"  search {word!r}", f"{t * 1000:,.1f} ms ({len(found)} shown)")
        worst = max(worst, t)
    ok &= line("search, slowest of the words above", worst * 1000, SEARCH_TARGET_S * 1000,
               "ms")

    with tempfile.TemporaryDirectory() as tmp:
        from synthstudio.datasets.export import export

        t, summary = timed(lambda: export(pool, "alpaca", Path(tmp) / "out.jsonl"))
    rate = summary.rows / t
    info("export alpaca", f"{summary.rows:,} rows in {t:.1f} s")
    ok &= line("export rows/s", rate, EXPORT_TARGET_ROWS_S, "rows/s", higher_is_better=True)
    pool.close()
    print("all targets met" if ok else "some targets MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Export speed in lines per second, per format, on a generated pool.

Usage: ``python benchmarks/bench_export.py [--big] [--db PATH] [--formats F,...]``: a
100,000-item pool by default, 1,000,000 with ``--big`` (built with ``make_pool`` or
reused). Each format runs ``--repeat`` times and the fastest run counts (wall time; CPU
time, all threads, is shown beside it). Target: at least 100,000 lines a second on 1M.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_pool import ensure_pool  # noqa: E402

from synthstudio.datasets.export import FORMATS, export  # noqa: E402
from synthstudio.store import Pool  # noqa: E402

TARGET = 100_000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big", action="store_true", help="use a 1,000,000-item pool")
    ap.add_argument("--db", default=str(Path(tempfile.gettempdir()) / "synthstudio-bench"
                                        / "pool-{n}.db"))
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--provenance", action="store_true", help="also time --with-provenance")
    ap.add_argument("--repeat", type=int, default=3, help="runs per format; the best counts")
    args = ap.parse_args(argv)
    n = 1_000_000 if args.big else 100_000
    path = ensure_pool(args.db.format(n=n), n)
    out_dir = Path(tempfile.mkdtemp(prefix="synthstudio-export-"))
    worst = float("inf")
    runs = [(f, False) for f in args.formats.split(",")]
    if args.provenance:
        runs.append(("messages", True))
    with Pool(path) as pool:
        for fmt, prov in runs:
            out = out_dir / f"{fmt}.jsonl"
            best = (float("inf"), 0.0)
            for _ in range(max(1, args.repeat)):
                t, c = time.perf_counter(), time.process_time()
                s = export(pool, fmt, out, with_provenance=prov)
                best = min(best, (time.perf_counter() - t, time.process_time() - c))
            wall, cpu = best
            rate = s.rows / wall if wall else 0.0
            if not prov:
                worst = min(worst, rate)
            size = out.stat().st_size / 1e6
            out.unlink()
            label = fmt + (" +provenance" if prov else "")
            print(f"{label:24} {s.rows:>9} lines {size:8.1f} MB {wall:6.2f} s wall "
                  f"{cpu:6.2f} s CPU {rate:>10,.0f} lines/s")
    out_dir.rmdir()
    print(f"pool of {n} items; slowest format {worst:,.0f} lines/s; target {TARGET:,}: "
          f"{'PASS' if worst >= TARGET else 'FAIL'}")
    return 0 if worst >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())

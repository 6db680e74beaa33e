"""Time the data report on a 100,000-item pool: build_report, terminal and HTML rendering.

Usage: ``python benchmarks/bench_report.py [--db PATH] [--n N]``; the pool is built with
``make_pool`` (or reused when it already holds N items). Target: well under 10 s.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_pool import ensure_pool  # noqa: E402

from synthstudio.cli.report_cmd import render_html, render_terminal  # noqa: E402
from synthstudio.datasets.report import build_report  # noqa: E402
from synthstudio.store import Pool  # noqa: E402

TARGET_S = 10.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--db", default=str(Path(tempfile.gettempdir()) / "synthstudio-bench"
                                        / "pool-{n}.db"))
    args = ap.parse_args(argv)
    path = ensure_pool(args.db.format(n=args.n), args.n)
    with Pool(path) as pool:
        t0, c0 = time.perf_counter(), time.process_time()
        data = build_report(pool)
        t1 = time.perf_counter()
        render_terminal(data, Console(file=io.StringIO(), width=100, force_terminal=True))
        t2 = time.perf_counter()
        page = render_html(data)
        t3, c3 = time.perf_counter(), time.process_time()
    total = t3 - t0
    print(f"items {data.total}: build_report {t1 - t0:.2f} s, terminal {t2 - t1:.2f} s, "
          f"html {t3 - t2:.2f} s ({len(page)} bytes)")
    print(f"total {total:.2f} s wall, {c3 - c0:.2f} s CPU; target < {TARGET_S:.0f} s: "
          f"{'PASS' if total < TARGET_S else 'FAIL'}")
    return 0 if total < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())

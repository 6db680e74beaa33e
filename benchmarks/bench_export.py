"""Export speed in lines per second, per format, on a generated pool.

Usage: ``python benchmarks/bench_export.py [--big] [--db PATH] [--formats F,...]
[--runs N]``: a 100,000-item pool by default, 1,000,000 with ``--big`` (built once with
``make_pool`` under ``benchmarks/data/``, then reused). Each format runs ``--runs`` times
(default 5) and every run is printed: wall time of the whole ``export`` call (a user's
``synthstudio export`` minus start-up), lines a second, the CPU time of all threads and of
the reader process (lines per CPU-second hardly depends on how busy the machine is; wall
time does), the bytes this process read (``rchar``: what SQLite asked of the file,
page cache or not; the reader process's reads are not in it), and how much of the pool
had to come from the disk because it was not in the page cache (a cold run).

Baseline, measured in the same process just before each format: writing the same bytes
(the export's own output, held in memory) to a new file through the same atomic writer.
``x baseline`` is export time over that time: how far the export is from the speed at
which this machine, as busy as it is now, writes the file at all.

Target: every run at least 100,000 lines a second on the 1,000,000-item pool.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_pool import ensure_pool  # noqa: E402

from synthstudio.boundary.files import atomic_writer  # noqa: E402
from synthstudio.datasets.export import FORMATS, export  # noqa: E402
from synthstudio.store import Pool  # noqa: E402

TARGET = 100_000
DATA = Path(__file__).resolve().parent / "data"


def read_bytes() -> int:
    """Bytes this process has read through system calls so far (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/io", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("rchar:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def disk_bytes() -> int:
    """Bytes this process and its reaped children (the reader process) had read from the
    disk itself, not the page cache (``ru_inblock``, in 512-byte blocks on Linux): a run
    right after something else pushed the pool out of memory reads it from the disk."""
    return 512 * sum(resource.getrusage(who).ru_inblock
                     for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def cpu_seconds() -> float:
    """CPU seconds of this process and of its reaped children (the export's reader process)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def baseline(data: bytes, out: Path) -> float:
    """Seconds to write ``data`` to ``out`` atomically (fsync included), as export does."""
    t = time.perf_counter()
    with atomic_writer(out) as fh:
        fh.buffer.write(data)  # type: ignore[attr-defined]
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big", action="store_true", help="use a 1,000,000-item pool")
    ap.add_argument("--db", default=str(DATA / "pool-{n}.db"))
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--provenance", action="store_true", help="also time --with-provenance")
    ap.add_argument("--runs", type=int, default=5, help="runs per format, each printed")
    args = ap.parse_args(argv)
    n = 1_000_000 if args.big else 100_000
    path = ensure_pool(args.db.format(n=n), n)
    out_dir = Path(tempfile.mkdtemp(prefix="synthstudio-export-"))
    worst = float("inf")
    jobs = [(f, False) for f in args.formats.split(",")]
    if args.provenance:
        jobs.append(("messages", True))
    with Pool(path) as pool:
        for fmt, prov in jobs:
            out = out_dir / f"{fmt}.jsonl"
            label = fmt + (" +provenance" if prov else "")
            rates = []
            for run in range(1, max(1, args.runs) + 1):
                r0, d0 = read_bytes(), disk_bytes()
                t, cpu0 = time.perf_counter(), cpu_seconds()
                s = export(pool, fmt, out, with_provenance=prov)
                wall, cpu = time.perf_counter() - t, cpu_seconds() - cpu0
                read_mb, disk_mb = (read_bytes() - r0) / 1e6, (disk_bytes() - d0) / 1e6
                base = baseline(out.read_bytes(), out_dir / "baseline.jsonl")
                rate = s.rows / wall if wall else 0.0
                rates.append(rate)
                print(f"{label:20} run {run}: {s.rows:>9} lines {out.stat().st_size / 1e6:7.1f} MB"
                      f" {wall:6.2f} s {rate:>10,.0f} lines/s  {cpu:6.2f} s CPU"
                      f" ({s.rows / cpu if cpu else 0:>9,.0f} lines/CPU-s)  read {read_mb:7.1f} MB"
                      f" ({disk_mb:6.1f} MB from disk)"
                      f"  {wall / base if base else 0:5.1f} x baseline ({base:.2f} s)",
                      flush=True)
            if not prov:
                worst = min(worst, *rates)
            out.unlink()
    (out_dir / "baseline.jsonl").unlink(missing_ok=True)
    out_dir.rmdir()
    print(f"pool of {n} items; slowest run of any format {worst:,.0f} lines/s; "
          f"target {TARGET:,} in every run: {'PASS' if worst >= TARGET else 'FAIL'}")
    return 0 if worst >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())

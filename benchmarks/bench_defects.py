"""The defect filters on the labelled examples: a per-class table, and their speed.

Usage: ``python benchmarks/bench_defects.py [--n 50000]``.

Table: for each defect class in ``tests/data/defects/*.jsonl``, how many of its records
the class's own filter caught, and how many clean records (near misses written to look
like defects) any filter failed. Targets: >= 90 % caught per class, < 3 % false alarms.

Speed: ``check_record`` (every filter on one record, the inner function that ``check``
and ``import`` call) over ``--n`` records cycled from the labelled set, against a
baseline measured in the same process: the noise filters alone on the output, which is
all ``clean`` ran per record before. CPU seconds, so a busy machine distorts little.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from synthstudio.filters.dataset import check_record
from synthstudio.filters.noise import run_noise_filters

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "defects"
FILTER_OF = {"symbols_only": "instance_symbols_only"}
MIN_CAUGHT, MAX_FALSE = 0.90, 0.03


def load() -> list[dict[str, str]]:
    return [json.loads(line) for path in sorted(DATA.glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def table(records: list[dict[str, str]]) -> bool:
    total: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    clean = alarms = 0
    by_filter: Counter[str] = Counter()
    for r in records:
        verdict = check_record(r["instruction"], r["input"], r["output"])
        if r["label"] == "clean":
            clean += 1
            alarms += not verdict.passed
            by_filter.update(verdict.failed)
        else:
            total[r["label"]] += 1
            caught[r["label"]] += FILTER_OF.get(r["label"], r["label"]) in verdict.failed
    ok = True
    print(f"{'class':<22} {'caught':>9} {'share':>7}")
    for label in sorted(total):
        share = caught[label] / total[label]
        ok &= share >= MIN_CAUGHT
        print(f"{label:<22} {caught[label]:>4} / {total[label]:<3} {share:>6.1%}"
              f"{'' if share >= MIN_CAUGHT else '  BELOW TARGET'}")
    false = alarms / clean if clean else 0.0
    ok &= false < MAX_FALSE
    print(f"{'false alarms (clean)':<22} {alarms:>4} / {clean:<3} {false:>6.1%}"
          + (f"  by {dict(by_filter)}" if by_filter else ""))
    return ok


def speed(records: list[dict[str, str]], n: int) -> None:
    rows = [records[i % len(records)] for i in range(n)]
    c0 = time.process_time()
    for r in rows:
        run_noise_filters(r["output"])
    c1 = time.process_time()
    for r in rows:
        check_record(r["instruction"], r["input"], r["output"])
    c2 = time.process_time()
    base, full = c1 - c0, c2 - c1
    print(f"{n} records: noise filters on the output {base:.2f} s CPU, check_record "
          f"{full:.2f} s CPU ({full / n * 1e6:.0f} us a record, {full / base:.1f}x the "
          f"noise filters alone)")


#: long, repetitive fields that would show a regex going quadratic
WORST = {
    "instruction markers": ("Instruction: x\n" * 5000, "", "Instruction: do\n" * 5000),
    "hash lines": ("#" * 50_000, "", "##\n" * 20_000),
    "links": ("Summarize https://a.com/" + "x" * 50_000, "www." + "a." * 20_000,
              "http://" * 10_000),
    "quotes": ('"' * 50_000, "“" * 50_000, "the following " * 5000),
    "Chinese": ("请把下面的句子翻译成英文" * 3000, "", "我们一起跳" * 20_000),
    "digits": ("1. " * 20_000, "1" * 50_000, "}[1]{" * 10_000),
}


def worst_cases() -> None:
    """CPU time of check_record on 50-100k-character fields, against the noise filters
    alone on the same output (the baseline)."""
    for name, (instruction, input, output) in WORST.items():
        c0 = time.process_time()
        run_noise_filters(output)
        c1 = time.process_time()
        check_record(instruction, input, output)
        c2 = time.process_time()
        print(f"worst case {name:<20} check_record {c2 - c1:.3f} s CPU "
              f"({(c2 - c1) / max(c1 - c0, 1e-6):.1f}x the noise filters on the output)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50_000, help="records for the speed run")
    args = ap.parse_args(argv)
    records = load()
    ok = table(records)
    if args.n:
        speed(records, args.n)
        worst_cases()
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

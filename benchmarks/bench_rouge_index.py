"""RougeIndex against rouge-score brute force: greedy ROUGE-L dedup at threshold 0.7.

Usage: ``uv run python benchmarks/bench_rouge_index.py [--quick] [--seed S]``

1. On the same N instructions (default 2,000): the brute force as Alpaca runs it (every
   instruction tokenized once with the scorer's tokenizer, then ``_score_lcs`` against every
   kept one) and the index's greedy dedup; prints both times, the speed ratio and the number
   of differing keep/drop decisions.
2. The index's greedy dedup time for 50,000 and 200,000 instructions.
3. The memory of an index holding all 200,000 instructions (tracemalloc peak, in a separate
   build since tracing slows allocation) and the process's peak RSS.

Times are CPU seconds of this process (``time.process_time``), which a busy machine disturbs
less than wall time; wall time is printed alongside.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

from rouge_score import rouge_scorer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_instructions import make_instructions  # noqa: E402

from synthstudio.similarity import RougeIndex  # noqa: E402

THRESHOLD = 0.7


class Clock:
    def __enter__(self) -> Clock:
        self.cpu, self.wall = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cpu = time.process_time() - self.cpu
        self.wall = time.perf_counter() - self.wall


def brute_greedy(texts: list[str]) -> list[bool]:
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    tokens = [scorer._tokenizer.tokenize(t) for t in texts]
    kept: list[list[str]] = []
    decisions = []
    for new in tokens:
        scores = [rouge_scorer._score_lcs(new, old).fmeasure for old in kept]
        keep = max(scores, default=0.0) <= THRESHOLD
        if keep:
            kept.append(new)
        decisions.append(keep)
    return decisions


def index_greedy(texts: list[str]) -> tuple[list[bool], RougeIndex]:
    index = RougeIndex()
    decisions = []
    for i, text in enumerate(texts):
        keep = not index.any_above(text, THRESHOLD)[0]
        if keep:
            index.add(i, text)
        decisions.append(keep)
    return decisions, index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="RougeIndex vs rouge-score brute force")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes (brute force on 500; index on 5k and 20k)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    n_brute, sizes = (500, [5_000, 20_000]) if args.quick else (2_000, [50_000, 200_000])

    with Clock() as gen:
        texts = make_instructions(max(sizes), args.seed)
    print(f"generated {len(texts):,} instructions in {gen.wall:.1f}s (seed {args.seed})")

    sample = texts[:n_brute]
    with Clock() as fast:
        ours, _ = index_greedy(sample)
    print(f"\n[1] greedy dedup of {n_brute:,} instructions at ROUGE-L > {THRESHOLD}")
    print(f"  RougeIndex:             {fast.cpu:9.3f} s cpu ({fast.wall:.3f} s wall), "
          f"kept {sum(ours):,}")
    with Clock() as slow:
        ref = brute_greedy(sample)
    print(f"  rouge-score brute force:{slow.cpu:9.3f} s cpu ({slow.wall:.3f} s wall), "
          f"kept {sum(ref):,}")
    differ = sum(a != b for a, b in zip(ours, ref, strict=True))
    print(f"  speed-up: {slow.cpu / fast.cpu:,.0f}x   differing decisions: {differ}")

    print("\n[2] RougeIndex greedy dedup")
    for n in sizes:
        with Clock() as c:
            decisions, index = index_greedy(texts[:n])
        print(f"  {n:>9,} instructions: {c.cpu:8.1f} s cpu ({c.wall:.1f} s wall), "
              f"kept {sum(decisions):,}, {c.cpu / n * 1e6:.0f} us per instruction")
        del index

    n = max(sizes)
    print(f"\n[3] memory of an index holding all {n:,} instructions")
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    index = RougeIndex()
    for i, text in enumerate(texts[:n]):
        index.add(i, (text + " ")[:-1])  # a fresh copy, as a text read from a file would be
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"  tracemalloc: {current / 2**20:.0f} MiB held, {peak / 2**20:.0f} MiB peak "
          f"(texts included: {sum(map(len, texts[:n])) / 2**20:.0f} MiB of characters)")
    print(f"  peak RSS of this process: {rss / 1024:.0f} MiB "
          f"(grew {max(rss - base, 0) / 1024:.0f} MiB while building it)")
    if differ:
        print("FAIL: decisions differ from rouge-score")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

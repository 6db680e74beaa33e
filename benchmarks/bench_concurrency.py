"""Concurrent generation against a server that answers many requests at once.

Usage: ``python benchmarks/bench_concurrency.py [--steps 16] [--delay 0.01] [--llama]``

A loopback OpenAI-compatible stand-in (the Self-Instruct stand-in of the tests, in its own
process so its CPU is not counted as the engine's) streams every reply in its own thread,
one SSE chunk every ``--delay`` seconds, as a GPU server batching requests does. The whole
engine runs (the real OpenAI backend, Self-Instruct, ROUGE-L, SQLite stores) for ``--steps``
steps (three requests each) at concurrency 1, 8 and 32, all in this process, and prints:

* wall time per run and the speed-up of 8 over 1 (target: >= 6x), and the most requests
  the server saw at once (target: 8);
* the engine's own CPU per request (``time.process_time`` of this process / requests) at
  32 against 1 (target: <= 1.2x).

``--llama`` also runs the real llama.cpp server (xllamacpp, the embedded SmolLM2-135M with
4 slots) at concurrency 1 and 4 and prints items per minute (slow on a small machine).
The ratios are measured in one process one after the other; a busy machine distorts the
absolute times more than the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from synthstudio.backends.base import Backend  # noqa: E402
from synthstudio.backends.openai_compat import OpenAIBackend  # noqa: E402
from synthstudio.config.settings import Settings  # noqa: E402
from synthstudio.datasets.seeds import ensure_default_seeds  # noqa: E402
from synthstudio.engine import Engine  # noqa: E402
from synthstudio.events import RequestStarted  # noqa: E402
from synthstudio.recipes.self_instruct import SelfInstruct  # noqa: E402
from synthstudio.store import Pool  # noqa: E402

SPEEDUP_TARGET = 6.0
CPU_RATIO_TARGET = 1.2

SERVER = """
import sys
from tests.crash_harness import SelfInstructOpenAI
s = SelfInstructOpenAI(chunk_delay=float(sys.argv[1]), per_reply=(1, 1), chunk=6).start()
print(s.url, flush=True)
sys.stdin.read()
"""


class Standin:
    """The stand-in server in a child process."""

    def __init__(self, delay: float) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", SERVER, str(delay)], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().decode().strip()

    def stats(self, reset: bool = False) -> dict[str, Any]:
        r = httpx.request("POST" if reset else "GET", self.url + "/_stats")
        return dict(json.loads(r.content))

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(10)


async def run_engine(backend: Backend, concurrency: int, steps: int, target: int,
                     recipe: Any = None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        pool = Pool(Path(tmp) / "pool.db")
        ensure_default_seeds(pool)
        requests = [0]

        def emit(event: Any) -> None:
            if isinstance(event, RequestStarted):
                requests[0] += 1

        engine = Engine(pool, backend, recipe or SelfInstruct(), Settings(), target=target,
                        auto_accept=True, emit=emit, seed=1, max_steps=steps,
                        concurrency=concurrency)
        cpu, wall = time.process_time(), time.perf_counter()
        summary = await engine.run()
        wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu
        pool.close()
    return {"wall": wall, "cpu": cpu, "requests": requests[0], "items": summary.produced,
            "steps": summary.requests}


async def standin_runs(args: argparse.Namespace) -> bool:
    server = Standin(args.delay)
    results: dict[int, dict[str, float]] = {}
    seen: dict[int, int] = {}
    try:
        # warm up (imports, first connections) so the first measured run is not penalised
        backend = OpenAIBackend(server.url, model="standin:1b", concurrency=4)
        await run_engine(backend, 4, 4, 10**6)
        await backend.aclose()
        for n in (1, 8, 32):
            steps = args.steps if n < 32 else max(args.steps, 4 * n)
            server.stats(reset=True)
            backend = OpenAIBackend(server.url, model="standin:1b", concurrency=n)
            results[n] = await run_engine(backend, n, steps, 10**6)
            await backend.aclose()
            seen[n] = int(server.stats()["max_in_flight"])
            r = results[n]
            print(f"concurrency {n:>2}: {int(r['steps'])} steps, {int(r['requests'])} "
                  f"requests in {r['wall']:.2f} s; engine CPU {1000 * r['cpu']:.0f} ms = "
                  f"{1000 * r['cpu'] / r['requests']:.2f} ms/request; server saw at most "
                  f"{seen[n]} at once")
    finally:
        server.close()
    per_step = {n: r["wall"] / r["steps"] for n, r in results.items()}
    speedup = per_step[1] / per_step[8]
    cpu_ratio = ((results[32]["cpu"] / results[32]["requests"])
                 / (results[1]["cpu"] / results[1]["requests"]))
    ok1 = speedup >= SPEEDUP_TARGET and seen[8] >= 8
    ok2 = cpu_ratio <= CPU_RATIO_TARGET
    print(f"speed-up {args.steps} steps, concurrency 8 over 1: {speedup:.1f}x "
          f"(target >= {SPEEDUP_TARGET:g}x), in flight at the server: {seen[8]} (target 8) "
          f"{'OK' if ok1 else 'MISSED'}")
    print(f"engine CPU per request, concurrency 32 / 1: {cpu_ratio:.2f}x "
          f"(target <= {CPU_RATIO_TARGET:g}x) {'OK' if ok2 else 'MISSED'}")
    return ok1 and ok2


async def llama_runs(steps: int) -> None:
    from synthstudio.backends.embedded import EmbeddedBackend

    backend = EmbeddedBackend(slots=4)
    await backend.engine()  # load once, not timed
    rates = {}
    for n in (1, 4):
        r = await run_engine(backend, n, steps, 10**6)
        rates[n] = r["steps"] / r["wall"] * 60
        print(f"llama.cpp (xllamacpp, 4 slots), concurrency {n}: {int(r['steps'])} steps, "
              f"{int(r['items'])} items in {r['wall']:.1f} s = "
              f"{r['items'] / r['wall'] * 60:.1f} items/min, {rates[n]:.1f} steps/min")
    print(f"llama.cpp steps/min, concurrency 4 / 1: {rates[4] / rates[1]:.2f}x")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=16)
    ap.add_argument("--delay", type=float, default=0.01,
                    help="seconds between two chunks of one reply (default 0.01)")
    ap.add_argument("--llama", action="store_true",
                    help="also measure the real llama.cpp server (slow)")
    ap.add_argument("--llama-steps", type=int, default=8)
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    ok = asyncio.run(standin_runs(args))
    if args.llama:
        asyncio.run(llama_runs(args.llama_steps))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Time a judge pass: 10,000 pool items rated at concurrency 16 against a loopback stand-in.

Usage: ``python benchmarks/bench_judge.py [--n 10000] [--concurrency 16]
[--backend ollama|openai]``. The stand-in (``tests/judge_standins.py``: a thread per
connection, so it answers many requests at once) runs in its own process, as a real
server would. Three figures:

1. **baseline**: the same stand-in answering the same kind of request from a bare httpx
   client (stream the reply, read its lines; no parsing, no storing) at the same
   concurrency: the floor on this machine.
2. **user path**: ``synthstudio judge --concurrency 16`` in a subprocess on an N-item
   pool, from start to exit, and its ratio to the baseline per item. Target: < 60 s.
3. **bookkeeping**: per item, in this process with no network: page the ids, load the
   items, render the rubric, parse a reply and save the score in its own transaction.
   Target: < 2 ms per item. Its ratio is against a bare ``INSERT``+``COMMIT`` per row.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from synthstudio.config.settings import JudgeSettings  # noqa: E402
from synthstudio.judge.rater import Judge  # noqa: E402
from synthstudio.judge.rubric import load_rubric  # noqa: E402
from synthstudio.judge.verdict import parse_reply  # noqa: E402
from synthstudio.records import Candidate, Instance, JudgeScore  # noqa: E402
from synthstudio.store import Pool  # noqa: E402
from tests.judge_standins import MODEL, reply_text  # noqa: E402

TARGET_PASS_S = 60.0
TARGET_BOOKKEEPING_MS = 2.0
SERVE = (
    "import sys\n"
    "from tests.judge_standins import JudgeOllama, JudgeOpenAI, keep_no_requests\n"
    "s = (JudgeOllama if sys.argv[1] == 'ollama' else JudgeOpenAI)()\n"
    "s.server.request_queue_size = 128\n"
    "keep_no_requests(s)\n"
    "s.start()\n"
    "print(s.url, flush=True)\n"
    "sys.stdin.read()\n"
    "print(s.judged, flush=True)\n"
)


def make_pool(path: Path, n: int) -> None:
    with Pool(path) as pool, pool.transaction():
        for i in range(n):
            pool.add_candidate(Candidate(
                "self-instruct", f"Explain item {i} of the benchmark (rate {i % 11 / 2:g}).",
                [Instance(f"input {i}", f"A short answer to item {i}, two sentences long. "
                          "It says what the item asks.")], status="accepted"))


class Server:
    def __init__(self, backend: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", SERVE, backend], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()

    def cpu_s(self) -> float:
        """CPU seconds the server process has used so far (Linux)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> int:
        out, _ = self.proc.communicate("", timeout=30)
        return int(out.strip() or 0)


async def baseline(url: str, backend: str, n: int, concurrency: int) -> float:
    """Seconds for ``n`` bare streamed requests at ``concurrency``."""
    import httpx

    prompt = load_rubric().render("Explain item 1 (rate 4).", "input", "An answer.")
    if backend == "ollama":
        path, body = "/api/chat", {"model": MODEL, "stream": True,
                                   "messages": [{"role": "user", "content": prompt}]}
    else:
        path, body = "/chat/completions", {"model": MODEL, "stream": True,
                                           "messages": [{"role": "user", "content": prompt}]}
    sem = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30,
                                 limits=httpx.Limits(max_keepalive_connections=concurrency)
                                 ) as client:
        async def one() -> None:
            async with sem, client.stream("POST", path, json=body) as r:
                async for _line in r.aiter_lines():
                    pass

        t = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        return time.perf_counter() - t


def user_path(db: Path, url: str, backend: str, concurrency: int) -> tuple[float, str]:
    flag = ["--host", url] if backend == "ollama" else ["--base-url", url]
    env = dict(os.environ, COLUMNS="120")
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "synthstudio", "judge", "--backend", backend,
                          *flag, "--model", MODEL, "--concurrency", str(concurrency),
                          "--status", "all", "--db", str(db)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    took = time.perf_counter() - t
    if out.returncode != 0:
        raise SystemExit(out.stdout + out.stderr)
    return took, out.stdout.strip().splitlines()[-2] if out.stdout else ""


def bookkeeping(db: Path, n: int) -> tuple[float, float]:
    """ms per item for synthstudio's bookkeeping, and for a bare insert+commit per row."""

    class NoBackend:
        name, model = "ollama", MODEL

    judge = Judge(NoBackend(), JudgeSettings(), load_rubric())  # type: ignore[arg-type]
    with Pool(db) as pool:
        t = time.perf_counter()
        after, done = 0, 0
        while ids := pool.ids_to_judge(after=after, limit=256):
            after = ids[-1]
            for c in pool.candidates_by_id(ids):
                request = judge.request(c)
                reply = reply_text(request.messages[0].content, "json")
                v = parse_reply(reply)
                pool.save_score(JudgeScore(c.id or 0, v.score, v.reason, reply, MODEL, "ollama",
                                           judge.rubric.version, {"temperature": 0.0}))
                done += 1
        ours = (time.perf_counter() - t) * 1000 / max(1, done)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE bare (id INTEGER PRIMARY KEY, score REAL, raw TEXT)")
    raw = json.dumps({"score": 4.0, "reason": "Rated 4 by the stand-in."})
    t = time.perf_counter()
    for i in range(n):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO bare VALUES (?, ?, ?)", (i, 4.0, raw))
        conn.execute("COMMIT")
    bare = (time.perf_counter() - t) * 1000 / n
    conn.close()
    return ours, bare


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--backend", choices=["ollama", "openai"], default="ollama")
    ap.add_argument("--baseline-n", type=int, default=2_000)
    args = ap.parse_args(argv)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        db, db2 = Path(tmp) / "judge.db", Path(tmp) / "keeping.db"
        make_pool(db, args.n)
        make_pool(db2, args.n)
        server = Server(args.backend)
        try:
            cpu0 = server.cpu_s()
            base_s = asyncio.run(baseline(server.url, args.backend, args.baseline_n,
                                          args.concurrency))
            cpu1 = server.cpu_s()
            pass_s, summary = user_path(db, server.url, args.backend, args.concurrency)
            cpu2 = server.cpu_s()
        finally:
            answered = server.close()
        with Pool(db) as pool:
            stored = pool.query("SELECT count(*) AS n FROM judge_scores")[0]["n"]
        ours_ms, bare_ms = bookkeeping(db2, args.n)
    base_per = base_s / args.baseline_n * 1000
    pass_per = pass_s / args.n * 1000
    print(f"machine load (1 min) at start: {load:.1f} on {os.cpu_count()} cores")
    print(f"baseline: {args.baseline_n} bare streamed requests at concurrency "
          f"{args.concurrency}: {base_s:.2f} s ({base_per:.2f} ms per request; the "
          f"stand-in used {(cpu1 - cpu0) / args.baseline_n * 1000:.2f} ms CPU per request)")
    print(f"user path: synthstudio judge, {args.n} items at concurrency {args.concurrency} "
          f"({args.backend}): {pass_s:.1f} s start to exit ({pass_per:.2f} ms per item, "
          f"{pass_per / base_per:.2f}x the baseline); {stored} scores stored, {answered} "
          f"requests answered; the stand-in used {(cpu2 - cpu1) / args.n * 1000:.2f} ms CPU "
          f"per request")
    print(f"  {summary}")
    print(f"bookkeeping (page, load, render, parse, save in its own transaction): "
          f"{ours_ms:.3f} ms per item; a bare insert+commit: {bare_ms:.3f} ms "
          f"({ours_ms / bare_ms:.1f}x)")
    ok_pass = pass_s < TARGET_PASS_S and stored == args.n
    ok_keep = ours_ms < TARGET_BOOKKEEPING_MS
    print(f"targets: pass < {TARGET_PASS_S:.0f} s: {'PASS' if ok_pass else 'FAIL'}; "
          f"bookkeeping < {TARGET_BOOKKEEPING_MS:g} ms: {'PASS' if ok_keep else 'FAIL'}")
    return 0 if ok_pass and ok_keep else 1


if __name__ == "__main__":
    sys.exit(main())

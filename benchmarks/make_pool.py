"""Fill a pool with N realistic candidates, fast, for benchmarks and reliability tests.

Usage: ``python benchmarks/make_pool.py PATH N [--seed S]``.

The schema comes from :class:`synthstudio.store.Pool` (migrations); rows go in with
``executemany`` inside one transaction (rollback journal in memory, no fsync; the pool is
back in WAL mode after), and the full-text index is rebuilt once at the end, so search
works on the result. Items spread over the three recipes and the three statuses, carry
instances, a ``rouge_l`` score, provenance, and timestamps over seven days; some are in
Chinese. Rows are drawn from a bank of prebuilt items, so 1,000,000 take about a minute.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from synthstudio.store import Pool

LEADS = [""] * 12 + ["Please ", "Can you ", "I want you to "]
VERBS = ["Write", "Generate", "Classify", "Explain", "Give", "Create", "Find", "Summarize",
         "Describe", "Translate", "List", "Suggest", "Identify", "Rewrite", "Compose"]
DETS = ["a", "the", "some", "a short", "an interesting", "the following", "three"]
NOUNS = ["poem", "story", "list", "sentence", "email", "summary", "question", "review",
         "recipe", "function", "title", "paragraph", "joke", "plan", "letter", "tweet"]
TOPICS = ["climate change", "a rainy day", "machine learning", "friendship", "the ocean",
          "healthy breakfast", "ancient Rome", "job interviews", "time management", "cats"]
ZH_INSTR = ["写一首关于春天的诗。", "请解释一下光合作用的过程。", "把下面的句子翻译成英文。",
            "给出三个提高学习效率的建议。"]
WORDS = ("the of and to in is that for it as with was on be by this are from at an or "
         "energy water system model data people time process result example learning "
         "cell light structure history language number value force market policy").split()
ZH_TEXT = ("光合作用是植物利用光能，把二氧化碳和水转化为有机物，并释放氧气的过程。"
           "这个过程主要发生在叶绿体中，对地球上的生命至关重要。")
AUDIENCES = ["young children", "high school students", "college students", "professionals"]
STYLES = ["textbook", "blog post", "story", "wikihow article"]
REASONS = {"self-instruct": ["rouge_l", "blacklist", "too_short", "noise:html"],
           "textbook": ["noise:repetition", "too_short", "noise:boilerplate"],
           "reasoning": ["wrong_answer", "no_answer", "too_long"]}
RECIPES = ["self-instruct"] * 5 + ["textbook"] * 3 + ["reasoning"] * 2
STATUSES = ["accepted"] * 6 + ["rejected"] * 3 + ["proposed"] * 1

CAND_SQL = (
    "INSERT INTO candidates (id, run_id, recipe, status, reason, instruction, "
    "is_classification, text, thinking, answer, meta, scores, created_at, decided_at) "
    "VALUES (?,NULL,?,?,?,?,?,?,?,?,?,?,?,?)"
)
PROV_SQL = ("INSERT INTO candidate_provenance (candidate_id, prompt, raw_output, provenance) "
            "VALUES (?,?,?,?)")
AM = "automerge"
INST_SQL = "INSERT INTO instances (candidate_id, idx, input, output) VALUES (?,?,?,?)"


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _texts(rng: random.Random, k: int, lo: int, hi: int) -> list[str]:
    """A small bank of filler paragraphs, picked from per row (generation stays cheap)."""
    out = []
    for _ in range(k):
        words = rng.choices(WORDS, k=rng.randint(lo, hi))
        out.append(" ".join(words).capitalize() + ".")
    return out


class _Template:
    """One prebuilt row without id and timestamps; rows are drawn from a bank of these."""

    __slots__ = ("row", "prov", "instances", "status", "delay")

    def __init__(self, row: tuple[Any, ...], prov: tuple[str, str, str],
                 instances: list[tuple[int, str, str]], status: str, delay: int) -> None:
        self.row, self.prov, self.instances = row, prov, instances
        self.status, self.delay = status, delay


def _template(rng: random.Random, bodies: list[str], shorts: list[str]) -> _Template:
    recipe = rng.choice(RECIPES)
    status = rng.choice(STATUSES)
    reason = rng.choice(REASONS[recipe]) if status == "rejected" else ""
    instruction = text = thinking = answer = ""
    is_cls: int | None = None
    meta: dict[str, Any] = {}
    scores: list[dict[str, Any]] = []
    instances: list[tuple[int, str, str]] = []
    if recipe == "self-instruct":
        if rng.random() < 0.08:
            instruction = rng.choice(ZH_INSTR)
        else:
            instruction = (f"{rng.choice(LEADS)}{rng.choice(VERBS)} {rng.choice(DETS)} "
                           f"{rng.choice(NOUNS)} about {rng.choice(TOPICS)}.")
        is_cls = int(rng.random() < 0.2)
        for i in range(rng.choice((1, 1, 2, 3))):
            instances.append((i, rng.choice(shorts) if rng.random() < 0.5 else "",
                              rng.choice(bodies)))
        rouge = min(1.0, max(0.0, rng.gauss(0.35, 0.15)))
        if reason == "rouge_l":
            rouge = 0.7 + 0.3 * rng.random()
        scores.append({"name": "rouge_l", "passed": rouge <= 0.7, "value": round(rouge, 4),
                       "threshold": 0.7, "detail": "", "extra": {}})
        out = instances[0][2]
    elif recipe == "textbook":
        meta = {"topic": rng.choice(TOPICS), "audience": rng.choice(AUDIENCES),
                "style": rng.choice(STYLES)}
        instruction = meta["topic"]
        text = ZH_TEXT * 3 if rng.random() < 0.05 else rng.choice(bodies)
        scores.append({"name": "length", "passed": True, "value": len(text.split()),
                       "threshold": 50, "detail": "", "extra": {}})
        out = text
    else:
        a, b = rng.randint(2, 999), rng.randint(2, 999)
        instruction = f"What is {a} times {b}? Explain your steps."
        thinking = f"We multiply {a} by {b}. " + rng.choice(shorts)
        correct = status != "rejected"
        answer = str(a * b if correct else a * b + 1)
        meta = {"reference": str(a * b), "correct": correct}
        scores.append({"name": "math_verify", "passed": correct, "value": float(correct),
                       "threshold": 1.0, "detail": "", "extra": {}})
        out = f"<think>{thinking}</think>{answer}"
    prompt = [{"role": "user", "content": instruction}]
    prov = {"model": "qwen2.5:7b-instruct", "backend": "ollama",
            "options": {"temperature": 0.7, "top_p": 0.9, "num_predict": 512},
            "requests": [{"step": "generate", "prompt": prompt, "raw": out,
                          "stats": {"eval_count": rng.randint(50, 400),
                                    "total_duration_ms": rng.randint(300, 5000)}}]}
    row = (recipe, status, reason, instruction, is_cls, text, thinking, answer, _dumps(meta),
           _dumps(scores))
    return _Template(row, (_dumps(prompt), out, _dumps(prov)), instances, status,
                     rng.randint(1, 600))


class _Clock:
    """ISO timestamps (UTC, milliseconds) for offsets in ms, cheap per call."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self._minute = -1
        self._prefix = ""

    def at(self, ms: int) -> str:
        minute, rest = divmod(ms, 60_000)
        if minute != self._minute:
            self._minute = minute
            self._prefix = (self.start + timedelta(minutes=minute)).isoformat()[:16]
        sec, milli = divmod(rest, 1000)
        return f"{self._prefix}:{sec:02d}.{milli:03d}+00:00"


def _rows(n: int, first: int, total: int, start_id: int, rng: random.Random,
          bank: list[_Template], inst_out: list[tuple[int, int, str, str]],
          prov_out: list[tuple[int, str, str, str]],
          clock: _Clock) -> Iterator[tuple[Any, ...]]:
    """Rows ``first .. first + n`` of ``total`` (timestamps spread over seven days)."""
    span_ms = 7 * 86_400_000
    nb = len(bank)
    rand = rng.random
    for k in range(first, first + n):
        cid = start_id + k
        t = bank[int(rand() * nb)]
        ms = span_ms * k // total
        created = clock.at(ms)
        decided = None if t.status == "proposed" else clock.at(ms + t.delay * 1000)
        for idx, inp, out in t.instances:
            inst_out.append((cid, idx, inp, out))
        prov_out.append((cid, *t.prov))
        yield (cid, *t.row, created, decided)


def make_pool(path: str | Path, n: int, seed: int = 0, *, chunk: int = 50_000,
              bank_size: int = 5000) -> Path:
    """Add ``n`` candidates (with instances) to the pool at ``path``; return the path.

    Rows are drawn from a bank of ``bank_size`` prebuilt items (so 1,000,000 rows take
    well under a minute); the full-text index is rebuilt once at the end.
    """
    path = Path(path)
    Pool(path).close()  # create or migrate the schema
    rng = random.Random(seed)
    bodies, shorts = _texts(rng, 400, 30, 150), _texts(rng, 400, 3, 25)
    bank = [_template(rng, bodies, shorts) for _ in range(bank_size)]
    clock = _Clock(datetime(2025, 3, 1, tzinfo=UTC))
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        # a bulk load: no WAL (every page would be written twice), no fsync
        conn.execute("PRAGMA journal_mode = MEMORY")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -400000")
        start = int(conn.execute("SELECT coalesce(max(id), 0) FROM candidates").fetchone()[0])
        trigger = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                               "AND name = 'candidates_ai'").fetchone()
        conn.execute("BEGIN IMMEDIATE")
        if trigger:  # index once at the end: much faster than row by row
            conn.execute("DROP TRIGGER candidates_ai")
        done = 0
        while done < n:
            k = min(chunk, n - done)
            inst: list[tuple[int, int, str, str]] = []
            prov: list[tuple[int, str, str, str]] = []
            conn.executemany(CAND_SQL, _rows(k, done, n, start + 1, rng, bank, inst, prov,
                                             clock))
            conn.executemany(INST_SQL, inst)
            conn.executemany(PROV_SQL, prov)
            done += k
        if trigger:
            conn.execute(trigger[0])
            # no segment merging while rebuilding (much faster); the default after
            conn.execute(f"INSERT INTO candidates_fts(candidates_fts, rank) VALUES ('{AM}', 0)")
            conn.execute("INSERT INTO candidates_fts(candidates_fts) VALUES ('rebuild')")
            conn.execute(f"INSERT INTO candidates_fts(candidates_fts, rank) VALUES ('{AM}', 4)")
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()
    return path


def ensure_pool(path: str | Path, n: int, seed: int = 0) -> Path:
    """The pool at ``path`` if it holds exactly ``n`` candidates, else a fresh one."""
    path = Path(path)
    if path.exists():
        conn = sqlite3.connect(str(path))
        try:
            have = conn.execute("SELECT count(*) FROM candidates").fetchone()[0]
        except sqlite3.DatabaseError:
            have = -1
        finally:
            conn.close()
        if have == n:
            return path
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    make_pool(path, n, seed)
    print(f"built a pool of {n} items in {time.perf_counter() - t:.1f} s: {path}")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path")
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    t = time.perf_counter()
    make_pool(args.path, args.n, args.seed)
    print(f"{args.n} items in {time.perf_counter() - t:.1f} s -> {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

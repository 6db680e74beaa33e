"""SIGKILL ``synthstudio judge`` at random moments: no stored score is lost, none redone.

A real ``judge --concurrency 4`` subprocess rates a pool against a stand-in judge that
takes a few ms per reply, and is killed 0.05-1.2 s after its first request (while
replies stream and scores are written). After every kill the pool must pass ``PRAGMA
integrity_check``, still hold every score stored before (unchanged), and the process must
not have asked about any item that already had a score when it started. A last process
finishes the pass: every item ends with exactly one score. CI runs 4 kills; ``-m slow``
runs 20.
"""

from __future__ import annotations

import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synthstudio.records import Candidate, Instance
from synthstudio.store import Pool
from tests.crash_harness import ROOT, cli_env
from tests.judge_standins import MODEL, JudgeOllama

TASK = re.compile(r"Explain item (\d+) ")


def make_pool(db: Path, n: int) -> dict[int, int]:
    """``{item number: candidate id}``."""
    with Pool(db) as pool, pool.transaction():
        return {i: pool.add_candidate(Candidate(
            "self-instruct", f"Explain item {i} (rate {i % 11 / 2:g}).",
            [Instance("", f"answer {i}")], status="accepted")) for i in range(n)}


def stored(db: Path) -> dict[int, tuple[float | None, str, str]]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {r[0]: (r[1], r[2], r[3]) for r in conn.execute(
            "SELECT candidate_id, score, raw, created_at FROM judge_scores")}
    finally:
        conn.close()


def judge_proc(db: Path, url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "synthstudio", "judge", "--backend", "ollama", "--host", url,
         "--model", MODEL, "--concurrency", "4", "--db", str(db)],
        cwd=ROOT, env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def crash_cycles(tmp_path: Path, kills: int, n: int, seed: int) -> None:
    rng = random.Random(seed)
    db = tmp_path / "judge.db"
    ids = make_pool(db, n)
    killed_mid_pass = kills_after_scores = 0
    with JudgeOllama(delay=0.02) as ol:
        for _ in range(kills):
            before = stored(db)
            asked_from = len(ol.prompts)
            proc = judge_proc(db, ol.url)
            deadline = time.monotonic() + 120
            while len(ol.prompts) == asked_from and proc.poll() is None:
                assert time.monotonic() < deadline, "the judge sent no request"
                time.sleep(0.01)
            time.sleep(rng.uniform(0.05, 1.2))
            if proc.poll() is None:
                killed_mid_pass += 1
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
            after = stored(db)
            lost = {k: v for k, v in before.items() if after.get(k) != v}
            assert not lost, f"stored scores lost or changed: {sorted(lost)[:5]}"
            asked = [ids[int(m.group(1))] for p in ol.prompts[asked_from:]
                     if (m := TASK.search(p))]
            kills_after_scores += len(after) > len(before)
            redone = sorted(set(asked) & set(before))
            assert not redone, f"re-rated items that had a score: {redone[:5]}"
        final = judge_proc(db, ol.url)
        _, err = final.communicate(timeout=300)
        assert final.returncode == 0, err.decode()
    end = stored(db)
    assert sorted(end) == sorted(ids.values())
    assert all(v[0] == (i % 11) / 2 for i, cid in ids.items() for v in [end[cid]])
    assert killed_mid_pass >= kills // 2, "most kills must land while the pass is running"
    assert kills_after_scores >= kills // 2, "most kills must land after scores were stored"


def test_judge_killed_at_random_moments_loses_and_redoes_nothing(tmp_path):
    crash_cycles(tmp_path, kills=4, n=400, seed=7)


@pytest.mark.slow
def test_judge_killed_many_times(tmp_path):
    crash_cycles(tmp_path, kills=20, n=3000, seed=11)

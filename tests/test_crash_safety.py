"""SIGKILL ``synthstudio generate`` at random moments; nothing it reported may be lost.

A real ``generate --count 1000 --auto-accept`` subprocess streams from the Self-Instruct
stand-in (small random pauses per chunk, so kills land mid-stream and mid-write) and is
killed 0.05-1.5 s after its first request (some kills instead land 0-20 ms after an
``accepted`` line, while the step's other items and the run state are being written).
After every kill the pool must pass ``PRAGMA integrity_check``, hold every ID the
process printed as ``accepted #ID`` (with that instruction, status accepted), and hold
no half-written candidate (see
:func:`tests.crash_harness.check_pool`). Each next process runs ``--resume`` and must
continue the same run: one run row, every candidate in it, saved step count and accepted
items never going back. A last resumed process is stopped with SIGINT; its progress bar
must count the whole run.
"""

from __future__ import annotations

import random
import re
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.crash_harness import Generate, PoolCheck, SelfInstructStandin, check_pool

START_TIMEOUT = 120  # seconds for a (warm) process to send its first request


@dataclass
class CrashStats:
    kills: int = 0
    targeted: int = 0
    reported: int = 0  # "accepted #ID" lines read before the kills, all verified
    kills_after_a_report: int = 0
    per_process: list[int] = field(default_factory=list)
    final_accepted: int = 0
    final_rejected: int = 0
    steps: int = 0
    seconds: float = 0.0
    max_in_flight: int = 0  # the most requests the stand-in answered at once

    def line(self) -> str:
        return (f"{self.kills} kills ({self.targeted} aimed at writes) in "
                f"{self.seconds:.0f} s: {self.reported} reported IDs "
                f"checked, {self.kills_after_a_report} kills after >= 1 report, "
                f"max {max(self.per_process, default=0)} items in one process; run ends "
                f"with {self.final_accepted} accepted, {self.final_rejected} rejected, "
                f"{self.steps} steps; at most {self.max_in_flight} requests at once")


def check_after_kill(g: Generate, check: PoolCheck) -> dict[int, bytes]:
    assert check.integrity == "ok"
    assert check.problems == []
    reported = g.reported()
    missing = sorted(set(reported) - check.accepted)
    assert not missing, f"reported as accepted but not in the pool: {missing}"
    for cid, title in reported.items():
        assert check.instruction[cid].startswith(title.decode()), (cid, title)
    return reported


def crash_cycles(db: Path, kills: int, seed: int, targeted: int = 0,
                 concurrency: int = 1) -> CrashStats:
    """``kills`` cycles; every ``targeted``-th kill lands 0-20 ms after a report."""
    rng = random.Random(seed)
    stats = CrashStats()
    started = time.monotonic()
    run_id: int | None = None
    kept: set[int] = set()
    steps = 0
    with SelfInstructStandin(seed=seed) as ol:
        nxt = Generate(db, ol.url, warm=True, concurrency=concurrency)
        for i in range(kills):
            g = nxt
            before = len(ol.chat_bodies())
            g.go()
            assert g.wait_requests(ol, before, START_TIMEOUT), g.stderr
            nxt = Generate(db, ol.url, resume=True, warm=True,  # warms up meanwhile
                           concurrency=concurrency)
            if targeted and i % targeted == targeted - 1:
                # aim at the writes: just after a report, the step's other candidates and
                # the run state are being stored
                g.wait_reports(len(g.reported()) + 1, START_TIMEOUT)
                time.sleep(rng.uniform(0.0, 0.02))
                stats.targeted += 1
            else:
                time.sleep(rng.uniform(0.05, 1.5))
            g.kill()
            assert g.finish() == -signal.SIGKILL, g.stderr
            check = check_pool(db)
            reported = check_after_kill(g, check)
            stats.kills += 1
            stats.reported += len(reported)
            stats.kills_after_a_report += bool(reported)
            stats.per_process.append(len(reported))
            # the same run goes on: one run row, holding every candidate
            assert len(check.runs) == 1, check.runs
            run = check.runs[0]
            run_id = run["id"] if run_id is None else run_id
            assert run["id"] == run_id and run["status"] == "running"
            assert set(check.run_of.values()) <= {run_id}
            if i:
                assert b"No stopped or killed run" not in g.stdout
            # counts kept: nothing accepted earlier is gone; saved state never goes back
            assert kept <= check.accepted
            kept = check.accepted
            assert run["counts"].get("accepted", 0) <= len(kept)
            new_steps = int(run["state"].get("engine", {}).get("steps", 0))
            assert new_steps >= steps
            steps = new_steps
        # the last one: resume, accept one more item, Ctrl-C
        g = nxt
        g.go()
        assert g.wait_reports(1, START_TIMEOUT), g.stderr
        g.signal(signal.SIGINT)
        assert g.finish() == 130, g.stderr
    assert b"everything accepted so far is saved" in g.stderr
    assert b"Traceback" not in g.stderr
    check = check_pool(db)
    check_after_kill(g, check)
    run = check.runs[0]
    assert len(check.runs) == 1 and run["id"] == run_id and run["status"] == "stopped"
    assert kept < check.accepted
    bars = re.findall(rb"(\d+)/1000", g.stdout)
    assert bars and int(bars[-1]) == len(check.accepted), bars
    stats.final_accepted = len(check.accepted)
    stats.final_rejected = sum(s == "rejected" for s in check.status.values())
    stats.steps = int(run["state"]["engine"]["steps"])
    stats.seconds = time.monotonic() - started
    stats.max_in_flight = ol.max_in_flight
    return stats


@pytest.mark.timeout(300)
def test_random_kills_lose_nothing(tmp_path: Path) -> None:
    stats = crash_cycles(tmp_path / "pool.db", kills=4, seed=8, targeted=4)
    print(stats.line())


@pytest.mark.timeout(300)
def test_random_kills_lose_nothing_at_concurrency_4(tmp_path: Path) -> None:
    """Four steps in flight: kills land while several streams and stores interleave."""
    stats = crash_cycles(tmp_path / "pool.db", kills=4, seed=9, targeted=2, concurrency=4)
    print(stats.line())
    assert stats.reported > 0
    assert stats.max_in_flight >= 3  # the steps really ran side by side


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_random_kills_lose_nothing_long(tmp_path: Path) -> None:
    stats = crash_cycles(tmp_path / "pool.db", kills=60, seed=88, targeted=3)
    print(stats.line())
    assert stats.kills_after_a_report >= 20

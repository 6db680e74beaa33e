"""``generate --resume`` at the command line, after Ctrl-C and after SIGKILL.

Without ``--auto-accept`` every item stays proposed for curation. A run stopped with
SIGINT (exit 130, run "stopped") and then one killed with SIGKILL (run left "running")
are continued by ``--resume``: the same run id, its target, its counts (items passed,
filtered out, steps) and its pending proposed candidates kept, until it finishes.
``--resume`` with nothing to resume says so and starts a new run.
"""

from __future__ import annotations

import re
import signal
from pathlib import Path

import pytest

from tests.crash_harness import Generate, SelfInstructStandin, check_pool

pytestmark = pytest.mark.timeout(300)

NOTHING = b"No stopped or killed run to resume; starting a new one."


def proposed_in(db: Path) -> set[int]:
    return {i for i, s in check_pool(db).status.items() if s == "proposed"}


def test_stop_kill_resume_finishes_the_same_run(tmp_path: Path) -> None:
    db = tmp_path / "pool.db"
    with SelfInstructStandin(per_reply=(1, 1), seed=5) as ol:
        first = Generate(db, ol.url, count=6, auto_accept=False, warm=True)
        second = Generate(db, ol.url, count=99, auto_accept=False, resume=True, warm=True)
        first.go()
        assert first.wait_reports(2, 120), first.stderr
        first.signal(signal.SIGINT)
        assert first.finish() == 130
        assert b"interrupted; everything accepted so far is saved." in first.stderr
        assert b"Traceback" not in first.stderr
        check = check_pool(db)
        [run] = check.runs
        assert run["status"] == "stopped"
        pending = proposed_in(db)
        assert set(first.reported()) == pending and len(pending) >= 2

        third = Generate(db, ol.url, count=99, auto_accept=False, resume=True, warm=True)
        second.go()
        assert second.wait_reports(1, 120), second.stderr
        second.kill()
        assert second.finish() == -signal.SIGKILL
        assert NOTHING not in second.stdout
        check = check_pool(db)
        assert [r["id"] for r in check.runs] == [run["id"]]
        assert check.runs[0]["status"] == "running"  # killed: nobody could mark it
        assert pending <= proposed_in(db)
        pending = proposed_in(db)
        steps = check.runs[0]["state"]["engine"]["steps"]

        fourth = Generate(db, ol.url, count=1, auto_accept=False, resume=True, warm=True)
        third.go()
        assert third.finish(180) == 0, third.stderr
        fourth.go()
        assert fourth.finish(180) == 0, fourth.stderr

    out = third.stdout.decode()
    assert NOTHING.decode() not in out
    check = check_pool(db)
    resumed = [r for r in check.runs if r["id"] == run["id"]][0]
    assert resumed["status"] == "finished" and resumed["target"] == 6
    in_run = {i for i, r in check.run_of.items() if r == run["id"]}
    assert pending <= proposed_in(db) & in_run  # nothing pending was dropped or decided
    produced = sum(check.status[i] == "proposed" for i in in_run)
    rejected = sum(check.status[i] == "rejected" for i in in_run)
    assert produced == 6
    summary = re.search(r"Run (\d+): (\d+) passed the filters \((\d+) accepted\), (\d+) "
                        r"filtered out, (\d+) steps\.", out)
    assert summary, out
    assert int(summary[1]) == run["id"]
    assert (int(summary[2]), int(summary[3]), int(summary[4])) == (6, 0, rejected)
    assert int(summary[5]) > steps
    bar = [ln for ln in out.splitlines() if ln.startswith("self-instruct ·")]
    assert bar and " 6/6 " in bar[-1], bar  # the progress bar counts the whole run

    # the only run is finished now: --resume has nothing to continue
    assert NOTHING in fourth.stdout
    assert [r["id"] for r in check.runs] == [run["id"], run["id"] + 1]
    new = check.runs[1]
    assert new["status"] == "finished" and new["target"] == 1
    assert f"Run {new['id']}: 1 passed" in fourth.stdout.decode()

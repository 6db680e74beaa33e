"""Runs in the pool as typed records: options, counts and the engine's state."""

from __future__ import annotations

import json
import random

from synthstudio.records import EngineState, RunCounts, RunOptions, RunStatus
from synthstudio.store import Pool


def test_a_run_reads_back_as_records(pool: Pool) -> None:
    options = RunOptions(temperature=0.7, top_p=0.95, seed=3, concurrency=2)
    run_id = pool.start_run("textbook", "ollama", "m", options, {"count": 5}, 5)
    fresh = pool.get_run(run_id)
    assert fresh is not None and fresh.options == options and fresh.status == RunStatus.RUNNING
    assert (fresh.counts, fresh.engine, fresh.state) == (RunCounts(), EngineState(), {})
    assert fresh.settings == {"count": 5}

    rng = random.Random(7)
    rng.random()
    pool.save_run_state(run_id, {"seen": [1, 2]}, EngineState(rng.getstate(), steps=4),
                        RunCounts(produced=2, accepted=1, rejected=3))
    run = pool.get_run(run_id)
    assert run is not None and run.counts == RunCounts(produced=2, accepted=1, rejected=3)
    assert run.state == {"seen": [1, 2]} and run.engine.steps == 4
    assert run.engine.rng is not None
    again = random.Random()
    again.setstate(run.engine.rng)
    assert again.random() == rng.random()  # resumes the same random sequence


def test_a_run_row_of_json_as_older_versions_wrote_it(pool: Pool) -> None:
    """The runs table keeps its JSON layout: the engine's state under "engine" beside the
    recipe's keys, and rows missing keys (or holding odd values) still read."""
    run_id = pool.start_run("self-instruct", "x", "m", RunOptions(temperature=1.0), {}, 3)
    pool.save_run_state(run_id, {"k": 1}, EngineState(None, 2), RunCounts(accepted=1))
    raw = pool.query("SELECT options, state, counts FROM runs WHERE id = ?", [run_id])[0]
    assert json.loads(raw["state"]) == {"k": 1, "engine": {"rng": None, "steps": 2}}
    assert json.loads(raw["counts"]) == {"produced": 0, "accepted": 1, "rejected": 0}
    assert json.loads(raw["options"]) == {"temperature": 1.0, "top_p": None, "seed": None,
                                          "concurrency": None}
    with pool.transaction() as conn:
        conn.execute("UPDATE runs SET options = ?, state = ?, counts = ? WHERE id = ?",
                     ('{"temperature": 1, "seed": "x"}', '{"engine": {"steps": 6}}',
                      '{"accepted": 2}', run_id))
    run = pool.get_run(run_id)
    assert run is not None
    assert run.options == RunOptions(temperature=1.0)
    assert run.engine == EngineState(rng=None, steps=6) and run.state == {}
    assert run.counts == RunCounts(accepted=2)

"""Runs in the pool: what was asked, how far it got, and its state for resume."""

from __future__ import annotations

import os
from typing import Any

from synthstudio.records import (
    STATUSES,
    UNFINISHED_RUNS,
    EngineState,
    Run,
    RunCounts,
    RunOptions,
    RunStatus,
)
from synthstudio.store.connection import PoolBase, _dumps, _loads, now

#: the key of the engine's state in ``runs.state`` (the rest is the recipe's)
ENGINE_KEY = "engine"


class RunStore(PoolBase):
    """One row per generation run."""

    # -- runs -----------------------------------------------------------------------

    def start_run(self, recipe: str, backend: str, model: str, options: RunOptions,
                  settings: dict[str, Any], target: int) -> int:
        stamp = now()
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO runs (recipe, backend, model, options, settings, state, counts, "
                "target, status, started_at, updated_at, pid) "
                "VALUES (?, ?, ?, ?, ?, '{}', '{}', ?, ?, ?, ?, ?)",
                (recipe, backend, model, _dumps(_options_json(options)), _dumps(settings),
                 target,
                 RunStatus.RUNNING, stamp, stamp, os.getpid()),
            )
            return int(cur.lastrowid or 0)

    def save_run_state(self, run_id: int, state: dict[str, Any], engine: EngineState,
                       counts: RunCounts) -> None:
        """Save the recipe's ``state`` with the engine's (one JSON object, the engine's
        under ``"engine"``) and how far the run got."""
        data = {**state, ENGINE_KEY: {"rng": _lists(engine.rng), "steps": engine.steps}}
        totals = {"produced": counts.produced, "accepted": counts.accepted,
                  "rejected": counts.rejected}
        with self.transaction() as conn:
            conn.execute("UPDATE runs SET state = ?, counts = ?, updated_at = ? WHERE id = ?",
                         (_dumps(data), _dumps(totals), now(), run_id))

    def finish_run(self, run_id: int, status: RunStatus) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE runs SET status = ?, ended_at = ?, updated_at = ? "
                         "WHERE id = ?", (RunStatus(status), now(), now(), run_id))

    def reopen_run(self, run_id: int) -> None:
        """Mark a stopped or killed run as running again (it is being resumed)."""
        with self.transaction() as conn:
            conn.execute("UPDATE runs SET status = ?, updated_at = ? WHERE id = ?",
                         (RunStatus.RUNNING, now(), run_id))

    def get_run(self, run_id: int) -> Run | None:
        rows = self.query("SELECT * FROM runs WHERE id = ?", [run_id])
        if not rows:
            return None
        r = rows[0]
        try:
            status = RunStatus(r["status"])
        except ValueError:
            status = RunStatus.STOPPED
        state = _object(_loads(r["state"], {}))
        engine = _engine(state.pop(ENGINE_KEY, None))
        return Run(
            id=int(r["id"]), recipe=r["recipe"] or "", backend=r["backend"] or "",
            model=r["model"] or "", options=_options(_object(_loads(r["options"], {}))),
            settings=_object(_loads(r["settings"], {})), state=state, engine=engine,
            counts=_counts(_object(_loads(r["counts"], {}))), target=int(r["target"] or 0),
            status=status,
            started_at=r["started_at"] or "", updated_at=r["updated_at"] or "",
            ended_at=r["ended_at"] or "", pid=r["pid"])

    def last_unfinished_run(self, recipe: str | None = None) -> Run | None:
        """The newest run that did not reach its target (killed, stopped or running)."""
        sql = f"SELECT id FROM runs WHERE status IN ({', '.join('?' * len(UNFINISHED_RUNS))})"
        params: list[Any] = list(UNFINISHED_RUNS)
        if recipe:
            sql += " AND recipe = ?"
            params.append(recipe)
        rows = self.query(sql + " ORDER BY id DESC LIMIT 1", params)
        return self.get_run(rows[0]["id"]) if rows else None

    def run_counts(self, run_id: int) -> dict[str, int]:
        out: dict[str, int] = dict.fromkeys(STATUSES, 0)
        for r in self.query("SELECT status, count(*) AS n FROM candidates WHERE run_id = ? "
                            "GROUP BY status", [run_id]):
            out[r["status"]] = r["n"]
        return out


# -- JSON of the runs table <-> records (rows written by older versions read too) -----------


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _options_json(options: RunOptions) -> dict[str, float | int | None]:
    return {"temperature": options.temperature, "top_p": options.top_p,
            "seed": options.seed, "concurrency": options.concurrency}


def _options(data: dict[str, Any]) -> RunOptions:
    return RunOptions(temperature=_number(data.get("temperature")),
                      top_p=_number(data.get("top_p")), seed=_whole(data.get("seed")),
                      concurrency=_whole(data.get("concurrency")))


def _counts(data: dict[str, Any]) -> RunCounts:
    return RunCounts(**{k: _whole(data.get(k)) or 0
                        for k in ("produced", "accepted", "rejected")})


def _engine(data: Any) -> EngineState:
    data = _object(data)
    rng = data.get("rng")
    return EngineState(rng=_tuples(rng) if isinstance(rng, list) else None,
                       steps=_whole(data.get("steps")) or 0)


def _lists(state: Any) -> Any:
    """A random generator's state (tuples in tuples) as JSON lists."""
    return [_lists(x) for x in state] if isinstance(state, tuple) else state


def _tuples(state: Any) -> Any:
    """The JSON lists of :func:`_lists` as the tuples ``random.setstate`` takes."""
    return tuple(_tuples(x) for x in state) if isinstance(state, list) else state

"""Runs in the pool: what was asked, how far it got, and its state for resume."""

from __future__ import annotations

import os
from typing import Any

from synthstudio.records import STATUSES, UNFINISHED_RUNS, Run, RunStatus
from synthstudio.store.connection import PoolBase, _dumps, _loads, now


class RunStore(PoolBase):
    """One row per generation run."""

    # -- runs -----------------------------------------------------------------------

    def start_run(self, recipe: str, backend: str, model: str, options: dict[str, Any],
                  settings: dict[str, Any], target: int) -> int:
        stamp = now()
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO runs (recipe, backend, model, options, settings, state, counts, "
                "target, status, started_at, updated_at, pid) "
                "VALUES (?, ?, ?, ?, ?, '{}', '{}', ?, ?, ?, ?, ?)",
                (recipe, backend, model, _dumps(options), _dumps(settings), target,
                 RunStatus.RUNNING, stamp, stamp, os.getpid()),
            )
            return int(cur.lastrowid or 0)

    def save_run_state(self, run_id: int, state: dict[str, Any],
                       counts: dict[str, int]) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE runs SET state = ?, counts = ?, updated_at = ? WHERE id = ?",
                         (_dumps(state), _dumps(counts), now(), run_id))

    def finish_run(self, run_id: int, status: str) -> None:
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
        return Run(
            id=int(r["id"]), recipe=r["recipe"] or "", backend=r["backend"] or "",
            model=r["model"] or "", options=_loads(r["options"], {}),
            settings=_loads(r["settings"], {}), state=_loads(r["state"], {}),
            counts=_loads(r["counts"], {}), target=int(r["target"] or 0), status=status,
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

"""The pool: one SQLite file (WAL) holding seeds, candidates with provenance, and runs.

Every write happens inside :meth:`Pool.transaction` (``BEGIN IMMEDIATE``), so a kill at
any moment leaves either the whole write or none of it. A busy timeout lets the studio
and a headless ``generate`` share one file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs

from synthstudio.errors import StoreError
from synthstudio.records import (
    ACCEPTED,
    PROPOSED,
    REJECTED,
    STATUSES,
    Candidate,
    FilterResult,
    Instance,
    SeedTask,
)
from synthstudio.store.schema import migrate

BUSY_TIMEOUT_MS = 30_000

#: the columns of topics and problems a person may edit (``update_row``)
ROW_COLUMNS: dict[str, frozenset[str]] = {
    "topics": frozenset({"topic", "field", "extract"}),
    "problems": frozenset({"key", "problem", "answer", "kind"}),
}


def default_db_path() -> Path:
    """``$SYNTHSTUDIO_DB``, else ``pool.db`` in the user data directory."""
    env = os.environ.get("SYNTHSTUDIO_DB")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("synthstudio")) / "pool.db"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _loads(text: str | None, default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def _wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL. On a new file another connection may hold it for its own switch or
    migration, and this pragma then fails at once instead of waiting: retry."""
    for attempt in range(100):
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 99:
                raise
            time.sleep(min(0.01 * (attempt + 1), 0.5))


def _fts_phrase(search: str) -> str:
    """``search`` as one full-text phrase (quotes doubled, no query syntax)."""
    return '"' + search.replace('"', '""') + '"'


class Pool:
    """A connection to one pool file. Thread-safe for one process (a lock serialises use)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                str(self.path), isolation_level=None, check_same_thread=False, timeout=30
            )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _wal(conn)
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(conn)  # re-reads the version under the write lock: safe across processes
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"Cannot open the pool {self.path}: {exc}.",
                "Check the path, or choose another pool with --db PATH.",
            ) from exc
        except OSError as exc:
            raise StoreError(f"Cannot create the pool {self.path}: {exc.strerror}.") from exc
        self.conn = conn
        self._lock = threading.RLock()
        self._depth = 0

    # -- plumbing -------------------------------------------------------------------

    @property
    def db(self):  # type: ignore[no-untyped-def]
        """A sqlite-utils view of the pool, for ad-hoc queries and schema work.

        Imported on first use: sqlite-utils pulls in pandas when it is installed, which
        costs seconds at every start of the studio.
        """
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write; nested calls join the outer transaction."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            self._begin()
            self._depth = 1
            try:
                yield self.conn
            except BaseException:
                self._depth = 0
                self.conn.execute("ROLLBACK")
                raise
            self._depth = 0
            self.conn.execute("COMMIT")

    def _begin(self) -> None:
        # busy_timeout covers most waits; retry covers the rare SQLITE_BUSY on BEGIN
        for attempt in range(50):
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                time.sleep(min(0.05 * (attempt + 1), 1.0))
        raise StoreError(f"The pool {self.path} stayed locked by another process.",
                         "Close the other synthstudio, then try again.")

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            cur = self.conn.execute(sql, tuple(params))
            cols = [d[0] for d in cur.description or ()]
            return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    def integrity_check(self) -> str:
        return str(self.query("PRAGMA integrity_check")[0]["integrity_check"])

    # -- seeds ----------------------------------------------------------------------

    def add_seeds(self, seeds: Iterable[SeedTask], source: str = "user") -> list[int]:
        """Insert all seeds in one transaction; return their row ids."""
        ids: list[int] = []
        stamp = now()
        with self.transaction() as conn:
            for s in seeds:
                cur = conn.execute(
                    "INSERT INTO seeds (key, name, instruction, is_classification, source, "
                    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (s.key, s.name, s.instruction, int(s.is_classification), source, stamp,
                     stamp),
                )
                sid = int(cur.lastrowid or 0)
                self._write_instances(conn, "seed_id", sid, s.instances)
                s.id = sid
                ids.append(sid)
        return ids

    @staticmethod
    def _write_instances(conn: sqlite3.Connection, owner: str, owner_id: int,
                         instances: list[Instance]) -> None:
        conn.execute(f"DELETE FROM instances WHERE {owner} = ?", (owner_id,))
        conn.executemany(
            f"INSERT INTO instances ({owner}, idx, input, output) VALUES (?, ?, ?, ?)",
            [(owner_id, i, inst.input, inst.output) for i, inst in enumerate(instances)],
        )

    def _instances_for(self, owner: str, ids: list[int]) -> dict[int, list[Instance]]:
        out: dict[int, list[Instance]] = {i: [] for i in ids}
        for chunk_start in range(0, len(ids), 900):
            chunk = ids[chunk_start:chunk_start + 900]
            marks = ",".join("?" * len(chunk))
            for row in self.query(
                f"SELECT {owner} AS owner, input, output FROM instances "
                f"WHERE {owner} IN ({marks}) ORDER BY {owner}, idx", chunk
            ):
                out[row["owner"]].append(Instance(row["input"] or "", row["output"] or ""))
        return out

    def list_seeds(self, search: str = "") -> list[SeedTask]:
        sql = "SELECT * FROM seeds"
        params: list[Any] = []
        if search:
            sql += " WHERE instruction LIKE ? OR name LIKE ? OR key LIKE ?"
            params = [f"%{search}%"] * 3
        rows = self.query(sql + " ORDER BY id", params)
        inst = self._instances_for("seed_id", [r["id"] for r in rows])
        return [self._seed_from_row(r, inst[r["id"]]) for r in rows]

    @staticmethod
    def _seed_from_row(r: dict[str, Any], instances: list[Instance]) -> SeedTask:
        return SeedTask(
            instruction=r["instruction"], instances=instances,
            is_classification=bool(r["is_classification"]), name=r["name"] or "",
            key=r["key"] or "", id=r["id"],
        )

    def get_seed(self, seed_id: int) -> SeedTask | None:
        rows = self.query("SELECT * FROM seeds WHERE id = ?", [seed_id])
        if not rows:
            return None
        return self._seed_from_row(rows[0], self._instances_for("seed_id", [seed_id])[seed_id])

    def count_seeds(self) -> int:
        return int(self.query("SELECT count(*) AS n FROM seeds")[0]["n"])

    def update_seed(self, seed: SeedTask) -> None:
        if seed.id is None:
            raise ValueError("update_seed needs a seed with an id")
        with self.transaction() as conn:
            conn.execute(
                "UPDATE seeds SET key = ?, name = ?, instruction = ?, is_classification = ?, "
                "updated_at = ? WHERE id = ?",
                (seed.key, seed.name, seed.instruction, int(seed.is_classification), now(),
                 seed.id),
            )
            self._write_instances(conn, "seed_id", seed.id, seed.instances)

    def delete_seed(self, seed_id: int) -> SeedTask | None:
        """Delete a seed and return it (for undo)."""
        seed = self.get_seed(seed_id)
        if seed is None:
            return None
        with self.transaction() as conn:
            conn.execute("DELETE FROM instances WHERE seed_id = ?", (seed_id,))
            conn.execute("DELETE FROM seeds WHERE id = ?", (seed_id,))
        return seed

    def restore_seed(self, seed: SeedTask) -> int:
        """Put back a deleted seed under its old row id where it is free."""
        with self.transaction() as conn:
            taken = seed.id is not None and conn.execute(
                "SELECT 1 FROM seeds WHERE id = ?", (seed.id,)).fetchone()
            if seed.id is not None and not taken:
                stamp = now()
                conn.execute(
                    "INSERT INTO seeds (id, key, name, instruction, is_classification, source, "
                    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'user', ?, ?)",
                    (seed.id, seed.key, seed.name, seed.instruction,
                     int(seed.is_classification), stamp, stamp),
                )
                self._write_instances(conn, "seed_id", seed.id, seed.instances)
                return seed.id
            seed.id = None
            return self.add_seeds([seed])[0]

    # -- topics and problems (textbook and reasoning recipes) -------------------------

    def add_rows(self, table: str, rows: list[dict[str, Any]], source: str = "user") -> int:
        if table not in {"topics", "problems"}:
            raise ValueError(table)
        stamp = now()
        with self.transaction() as conn:
            for row in rows:
                data = {**row, "source": source, "created_at": stamp}
                cols = ", ".join(data)
                marks = ", ".join("?" * len(data))
                conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})",
                             tuple(data.values()))
        return len(rows)

    def list_rows(self, table: str) -> list[dict[str, Any]]:
        if table not in {"topics", "problems"}:
            raise ValueError(table)
        return self.query(f"SELECT * FROM {table} ORDER BY id")

    def update_row(self, table: str, row_id: int, fields: dict[str, Any]) -> bool:
        """Set ``fields`` (editable columns only) on one topic or problem; True if found."""
        allowed = ROW_COLUMNS.get(table)
        if allowed is None:
            raise ValueError(table)
        unknown = sorted(set(fields) - allowed)
        if unknown:
            raise ValueError(f"{table} has no editable column {', '.join(unknown)}")
        if not fields:
            return False
        sets = ", ".join(f"{col} = ?" for col in fields)
        with self.transaction() as conn:
            cur = conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?",
                               (*fields.values(), row_id))
            return cur.rowcount > 0

    def delete_row(self, table: str, row_id: int) -> bool:
        """Delete one topic or problem; True if it was there."""
        if table not in ROW_COLUMNS:
            raise ValueError(table)
        with self.transaction() as conn:
            return conn.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,)).rowcount > 0

    # -- candidates -----------------------------------------------------------------

    def add_candidate(self, c: Candidate) -> int:
        """Insert a candidate with its instances in one transaction; set ``c.id``."""
        c.created_at = c.created_at or now()
        if c.status != PROPOSED and not c.decided_at:
            c.decided_at = c.created_at
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO candidates (run_id, recipe, status, reason, instruction, "
                "is_classification, text, thinking, answer, meta, scores, prompt, raw_output, "
                "provenance, created_at, decided_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    c.run_id, c.recipe, c.status, c.reason, c.instruction,
                    None if c.is_classification is None else int(c.is_classification),
                    c.text, c.thinking, c.answer, _dumps(c.meta),
                    _dumps([s.as_dict() for s in c.scores]), _dumps(c.prompt), c.raw_output,
                    _dumps(c.provenance), c.created_at, c.decided_at or None,
                ),
            )
            c.id = int(cur.lastrowid or 0)
            self._write_instances(conn, "candidate_id", c.id, c.instances)
        return c.id

    def set_status(self, candidate_id: int, status: str, reason: str = "") -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        with self.transaction() as conn:
            conn.execute(
                "UPDATE candidates SET status = ?, reason = ?, decided_at = ? WHERE id = ?",
                (status, reason, None if status == PROPOSED else now(), candidate_id),
            )

    def update_candidate(self, c: Candidate) -> None:
        """Save an edited candidate (text fields, instances, scores, status)."""
        if c.id is None:
            raise ValueError("update_candidate needs a candidate with an id")
        with self.transaction() as conn:
            conn.execute(
                "UPDATE candidates SET status = ?, reason = ?, instruction = ?, "
                "is_classification = ?, text = ?, thinking = ?, answer = ?, meta = ?, "
                "scores = ?, decided_at = ? WHERE id = ?",
                (
                    c.status, c.reason, c.instruction,
                    None if c.is_classification is None else int(c.is_classification),
                    c.text, c.thinking, c.answer, _dumps(c.meta),
                    _dumps([s.as_dict() for s in c.scores]),
                    None if c.status == PROPOSED else (c.decided_at or now()), c.id,
                ),
            )
            self._write_instances(conn, "candidate_id", c.id, c.instances)

    def get_candidate(self, candidate_id: int) -> Candidate | None:
        rows = self.query("SELECT * FROM candidates WHERE id = ?", [candidate_id])
        if not rows:
            return None
        return self._candidates_from_rows(rows)[0]

    def _candidates_from_rows(self, rows: list[dict[str, Any]],
                              with_instances: bool = True) -> list[Candidate]:
        inst = (self._instances_for("candidate_id", [r["id"] for r in rows])
                if with_instances else {})
        out = []
        for r in rows:
            ic = r["is_classification"]
            out.append(Candidate(
                recipe=r["recipe"], instruction=r["instruction"] or "",
                instances=inst.get(r["id"], []),
                is_classification=None if ic is None else bool(ic),
                text=r["text"] or "", thinking=r["thinking"] or "", answer=r["answer"] or "",
                meta=_loads(r["meta"], {}), status=r["status"], reason=r["reason"] or "",
                scores=[FilterResult.from_dict(d) for d in _loads(r["scores"], [])
                        if isinstance(d, dict)],
                prompt=_loads(r["prompt"], []), raw_output=r["raw_output"] or "",
                provenance=_loads(r["provenance"], {}), run_id=r["run_id"], id=r["id"],
                created_at=r["created_at"] or "", decided_at=r["decided_at"] or "",
            ))
        return out

    def candidates(
        self, *, status: str | None = None, recipe: str | None = None,
        since: str | None = None, until: str | None = None, search: str = "",
        limit: int | None = None, offset: int = 0, newest_first: bool = False,
        with_instances: bool = True,
    ) -> list[Candidate]:
        order = "DESC" if newest_first else ""
        page = "" if limit is None else f" LIMIT {int(limit)} OFFSET {int(offset)}"
        if len(search) >= 3:
            # walk the full-text matches in id order and stop at the page (the index hands
            # them out lazily; "id IN (matches)" first collected every match of a 1M pool)
            where, params = self._where(status, recipe, since, until, "", "c.")
            sql = (f"SELECT c.* FROM candidates_fts JOIN candidates AS c "
                   f"ON c.id = candidates_fts.rowid WHERE candidates_fts MATCH ? "
                   f"{where.replace('WHERE', 'AND', 1)} "
                   f"ORDER BY candidates_fts.rowid {order}{page}")
            params = [_fts_phrase(search), *params]
        else:
            where, params = self._where(status, recipe, since, until, search)
            sql = f"SELECT * FROM candidates {where} ORDER BY id {order}{page}"
        return self._candidates_from_rows(self.query(sql, params), with_instances)

    def iter_candidates(self, *, batch: int = 5000, **filters: Any) -> Iterator[Candidate]:
        """Walk candidates in id order without loading them all at once."""
        last = 0
        status, recipe = filters.get("status"), filters.get("recipe")
        since, until = filters.get("since"), filters.get("until")
        while True:
            where, params = self._where(status, recipe, since, until, "")
            where = (where + " AND" if where else "WHERE") + " id > ?"
            rows = self.query(f"SELECT * FROM candidates {where} ORDER BY id LIMIT {batch}",
                              [*params, last])
            if not rows:
                return
            yield from self._candidates_from_rows(rows)
            last = rows[-1]["id"]

    @staticmethod
    def _where(status: str | None, recipe: str | None, since: str | None,
               until: str | None, search: str, col: str = "") -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if status:
            clauses.append(f"{col}status = ?")
            params.append(status)
        if recipe:
            clauses.append(f"{col}recipe = ?")
            params.append(recipe)
        if since:
            clauses.append(f"{col}created_at >= ?")
            params.append(since)
        if until:
            clauses.append(f"{col}created_at < ?")
            params.append(until)
        if search:
            if len(search) >= 3:
                clauses.append("id IN (SELECT rowid FROM candidates_fts WHERE "
                               "candidates_fts MATCH ?)")
                params.append(_fts_phrase(search))
            else:
                clauses.append("(instruction LIKE ? OR text LIKE ?)")
                params += [f"%{search}%"] * 2
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", params

    def counts(self, recipe: str | None = None) -> dict[str, int]:
        """Candidates by status (every status present, zero where none)."""
        where, params = self._where(None, recipe, None, None, "")
        out = dict.fromkeys(STATUSES, 0)
        for r in self.query(f"SELECT status, count(*) AS n FROM candidates {where} "
                            "GROUP BY status", params):
            out[r["status"]] = r["n"]
        return out

    def rejection_reasons(self, recipe: str | None = None) -> dict[str, int]:
        where, params = self._where(REJECTED, recipe, None, None, "")
        return {r["reason"] or "(no reason)": r["n"] for r in self.query(
            f"SELECT reason, count(*) AS n FROM candidates {where} GROUP BY reason "
            "ORDER BY n DESC", params)}

    def instructions(self, statuses: tuple[str, ...] = (ACCEPTED,),
                     recipe: str = "self-instruct") -> list[tuple[int, str]]:
        marks = ",".join("?" * len(statuses))
        return [(r["id"], r["instruction"]) for r in self.query(
            f"SELECT id, instruction FROM candidates WHERE recipe = ? AND status IN ({marks}) "
            "ORDER BY id", [recipe, *statuses])]

    # -- runs -----------------------------------------------------------------------

    def start_run(self, recipe: str, backend: str, model: str, options: dict[str, Any],
                  settings: dict[str, Any], target: int) -> int:
        stamp = now()
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO runs (recipe, backend, model, options, settings, state, counts, "
                "target, status, started_at, updated_at, pid) "
                "VALUES (?, ?, ?, ?, ?, '{}', '{}', ?, 'running', ?, ?, ?)",
                (recipe, backend, model, _dumps(options), _dumps(settings), target, stamp,
                 stamp, os.getpid()),
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
                         "WHERE id = ?", (status, now(), now(), run_id))

    def get_run(self, run_id: int) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM runs WHERE id = ?", [run_id])
        if not rows:
            return None
        r = rows[0]
        for k in ("options", "settings", "state", "counts"):
            r[k] = _loads(r[k], {})
        return r

    def last_unfinished_run(self, recipe: str | None = None) -> dict[str, Any] | None:
        """The newest run that did not reach its target (killed, stopped or running)."""
        sql = "SELECT id FROM runs WHERE status IN ('running', 'stopped')"
        params: list[Any] = []
        if recipe:
            sql += " AND recipe = ?"
            params.append(recipe)
        rows = self.query(sql + " ORDER BY id DESC LIMIT 1", params)
        return self.get_run(rows[0]["id"]) if rows else None

    def run_counts(self, run_id: int) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for r in self.query("SELECT status, count(*) AS n FROM candidates WHERE run_id = ? "
                            "GROUP BY status", [run_id]):
            out[r["status"]] = r["n"]
        return out

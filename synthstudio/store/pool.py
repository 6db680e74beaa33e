"""The pool: one SQLite file (WAL) holding seeds, candidates with provenance, and runs.

:class:`Pool` is the connection (:mod:`.connection`) with the seed and run stores
(:mod:`.seeds_store`, :mod:`.runs_store`) and the candidates, defined here.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator
from typing import Any

from synthstudio.records import (
    ACCEPTED,
    PROPOSED,
    REJECTED,
    STATUSES,
    Candidate,
    FilterResult,
    ItemStatus,
    PoolStats,
)
from synthstudio.store.connection import PoolBase, _dumps, _loads, default_db_path, now
from synthstudio.store.instance_arrays import refresh_instance_arrays
from synthstudio.store.recipe_queries import RecipeQueries
from synthstudio.store.runs_store import RunStore
from synthstudio.store.scores_store import ScoreStore
from synthstudio.store.seeds_store import SeedStore

__all__ = ["Pool", "PoolBase", "default_db_path", "now"]


#: a candidate's row with what produced it (kept in a side table, one row per candidate)
_PROVENANCE_COLS = "p.prompt, p.raw_output, p.provenance"
_PROVENANCE_JOIN = "LEFT JOIN candidate_provenance AS p ON p.candidate_id = c.id"
_WITH_PROVENANCE = f"SELECT c.*, {_PROVENANCE_COLS} FROM candidates AS c {_PROVENANCE_JOIN}"


_CANDIDATE_FIELDS = ("run_id", "recipe", "status", "reason", "instruction",
                     "is_classification", "text", "thinking", "answer", "meta", "scores",
                     "created_at", "decided_at")
_INSERT_COLUMNS = ", ".join(_CANDIDATE_FIELDS)
_MARKS = ", ".join("?" * len(_CANDIDATE_FIELDS))


def _candidate_row(c: Candidate, scores: str | None = None) -> tuple[Any, ...]:
    """The values of a new candidate's row, in :data:`_CANDIDATE_FIELDS` order; stamps
    ``c.created_at`` (and ``c.decided_at`` when it is decided) if unset. ``scores``: the
    scores column already made (:func:`scores_json`), else made from ``c.scores``."""
    c.created_at = c.created_at or now()
    if c.status != PROPOSED and not c.decided_at:
        c.decided_at = c.created_at
    return (c.run_id, c.recipe, c.status, c.reason, c.instruction,
            None if c.is_classification is None else int(c.is_classification),
            c.text, c.thinking, c.answer, _dumps(c.meta),
            scores_json(c.scores) if scores is None else scores, c.created_at,
            c.decided_at or None)


#: the JSON of a filter result without extra data, by its fields and their types (0, 0.0
#: and False are equal keys otherwise); most results of an import repeat ("passed, 0.0")
_RESULT_JSON: dict[tuple[Any, ...], str] = {}
_RESULT_JSON_MAX = 65536
_SCALARS = (str, float, int, bool, type(None))


def _plain(x: object) -> bool:
    """Whether ``x`` is a scalar whose JSON its value and type decide (not -0.0, which
    equals 0.0)."""
    return type(x) in _SCALARS and not (x == 0 and type(x) is float
                                        and math.copysign(1.0, x) < 0)  # type: ignore[arg-type]


def scores_json(scores: list[FilterResult]) -> str:
    """``_dumps([s.as_dict() for s in scores])``, each distinct result's JSON made once."""
    parts = []
    for s in scores:
        v, t = s.value, s.threshold
        if s.extra or not (_plain(v) and _plain(t)) or type(s.passed) is not bool or (
                type(s.name) is not str or type(s.detail) is not str):
            parts.append(_dumps(s.as_dict()))
            continue
        key = (s.name, s.passed, v, t, s.detail, type(v), type(t))
        text = _RESULT_JSON.get(key)
        if text is None:
            text = _dumps(s.as_dict())
            if len(_RESULT_JSON) >= _RESULT_JSON_MAX:
                _RESULT_JSON.clear()
            _RESULT_JSON[key] = text
        parts.append(text)
    return "[" + ",".join(parts) + "]"


def _status(value: str | None) -> ItemStatus:
    """A stored status as the enum (a value this version does not know reads as proposed:
    shown for review, never exported as accepted)."""
    try:
        return ItemStatus(value or "")
    except ValueError:
        return ItemStatus.PROPOSED


def _fts_phrase(search: str) -> str:
    """``search`` as one full-text phrase (quotes doubled, no query syntax)."""
    return '"' + search.replace('"', '""') + '"'


class Pool(SeedStore, RunStore, RecipeQueries, ScoreStore):
    """A connection to one pool file, with everything stored in it."""

    # -- candidates -----------------------------------------------------------------

    def add_candidate(self, c: Candidate) -> int:
        """Insert a candidate with its instances and provenance in one transaction; set
        ``c.id``."""
        row = _candidate_row(c)
        with self.transaction() as conn:
            cur = conn.execute(f"INSERT INTO candidates ({_INSERT_COLUMNS}) VALUES "
                               f"({_MARKS})", row)
            c.id = int(cur.lastrowid or 0)
            conn.execute("INSERT INTO candidate_provenance (candidate_id, prompt, raw_output, "
                         "provenance) VALUES (?, ?, ?, ?)",
                         (c.id, _dumps(c.prompt), c.raw_output, _dumps(c.provenance)))
            self._write_instances(conn, "candidate_id", c.id, c.instances)
        return c.id

    def add_candidates(self, candidates: list[Candidate],
                       scores: list[str | None] | None = None) -> list[int]:
        """Insert many candidates in one transaction (all or none); set each ``c.id``.
        ``scores``: each one's scores column already made (:func:`scores_json`, in a
        filter process), None where it is to be made from ``c.scores``.

        Stored exactly as :meth:`add_candidate` stores each, with the ids SQLite would
        give them one by one (the largest id + 1, read under the write lock), but several
        rows per ``INSERT``: the full-text trigger writes one index segment per statement,
        so one row per statement cost more than the rest of the insert together."""
        if not candidates:
            return []
        made = scores if scores is not None else [None] * len(candidates)
        rows = [_candidate_row(c, j) for c, j in zip(candidates, made, strict=True)]
        with self.transaction() as conn:
            first = int(conn.execute("SELECT coalesce(max(id), 0) FROM candidates")
                        .fetchone()[0]) + 1
            ids = list(range(first, first + len(rows)))
            per = max(1, min(500, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
                             // (len(_CANDIDATE_FIELDS) + 1)))
            for start in range(0, len(rows), per):
                part = rows[start:start + per]
                values = ", ".join([f"(?, {_MARKS})"] * len(part))
                conn.execute(f"INSERT INTO candidates (id, {_INSERT_COLUMNS}) VALUES {values}",
                             [v for i, row in zip(ids[start:start + per], part, strict=True)
                              for v in (i, *row)])
            conn.executemany("INSERT INTO candidate_provenance (candidate_id, prompt, "
                             "raw_output, provenance) VALUES (?, ?, ?, ?)",
                             [(i, _dumps(c.prompt), c.raw_output, _dumps(c.provenance))
                              for i, c in zip(ids, candidates, strict=True)])
            # as _write_instances: no instance of an earlier item with a reused id survives
            conn.execute("DELETE FROM instances WHERE candidate_id BETWEEN ? AND ?",
                         (ids[0], ids[-1]))
            conn.executemany(
                "INSERT INTO instances (candidate_id, idx, input, output) VALUES (?, ?, ?, ?)",
                [(i, n, inst.input, inst.output)
                 for i, c in zip(ids, candidates, strict=True)
                 for n, inst in enumerate(c.instances)])
            refresh_instance_arrays(conn)
        for i, c in zip(ids, candidates, strict=True):
            c.id = i
        return ids

    def delete_candidates(self, ids: list[int]) -> int:
        """Remove candidates with their instances and provenance (an import taken back);
        how many went."""
        gone = 0
        with self.transaction() as conn:
            for start in range(0, len(ids), 500):
                part = ids[start:start + 500]
                marks = ",".join("?" * len(part))
                conn.execute(f"DELETE FROM instances WHERE candidate_id IN ({marks})", part)
                conn.execute(f"DELETE FROM candidate_provenance WHERE candidate_id IN ({marks})",
                             part)
                gone += conn.execute(f"DELETE FROM candidates WHERE id IN ({marks})",
                                     part).rowcount
        return gone

    def set_status(self, candidate_id: int, status: ItemStatus, reason: str = "") -> None:
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
                    scores_json(c.scores),
                    None if c.status == PROPOSED else (c.decided_at or now()), c.id,
                ),
            )
            self._write_instances(conn, "candidate_id", c.id, c.instances)

    def get_candidate(self, candidate_id: int) -> Candidate | None:
        rows = self.query(f"{_WITH_PROVENANCE} WHERE c.id = ?", [candidate_id])
        if not rows:
            return None
        return self._candidates_from_rows(rows)[0]

    def candidates_by_id(self, ids: list[int]) -> list[Candidate]:
        """The candidates with these ids that exist, in id order."""
        rows: list[dict[str, Any]] = []
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            rows += self.query(f"SELECT * FROM candidates WHERE id IN "
                               f"({','.join('?' * len(chunk))})", chunk)
        rows.sort(key=lambda r: r["id"])
        return self._candidates_from_rows(rows)

    def _candidates_from_rows(self, rows: list[dict[str, Any]],
                              with_instances: bool = True) -> list[Candidate]:
        inst = (self._instances_for("candidate_id", [r["id"] for r in rows])
                if with_instances else {})
        out = []
        # meta and provenance come back as the whole stored object, so keys that
        # CandidateMeta and Provenance do not list (an older version's) are kept
        for r in rows:
            ic = r["is_classification"]
            out.append(Candidate(
                recipe=r["recipe"], instruction=r["instruction"] or "",
                instances=inst.get(r["id"], []),
                is_classification=None if ic is None else bool(ic),
                text=r["text"] or "", thinking=r["thinking"] or "", answer=r["answer"] or "",
                meta=_loads(r["meta"], {}), status=_status(r["status"]),
                reason=r["reason"] or "",
                scores=[FilterResult.from_dict(d) for d in _loads(r["scores"], [])
                        if isinstance(d, dict)],
                prompt=_loads(r.get("prompt"), []), raw_output=r.get("raw_output") or "",
                provenance=_loads(r.get("provenance"), {}), run_id=r["run_id"], id=r["id"],
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
            sql = (f"SELECT c.*, {_PROVENANCE_COLS} FROM candidates_fts JOIN candidates AS c "
                   f"ON c.id = candidates_fts.rowid {_PROVENANCE_JOIN} "
                   f"WHERE candidates_fts MATCH ? "
                   f"{where.replace('WHERE', 'AND', 1)} "
                   f"ORDER BY candidates_fts.rowid {order}{page}")
            params = [_fts_phrase(search), *params]
        else:
            where, params = self._where(status, recipe, since, until, search, "c.")
            sql = f"{_WITH_PROVENANCE} {where} ORDER BY c.id {order}{page}"
        return self._candidates_from_rows(self.query(sql, params), with_instances)

    def iter_candidates(self, *, batch: int = 5000, **filters: Any) -> Iterator[Candidate]:
        """Walk candidates in id order without loading them all at once."""
        last = 0
        status, recipe = filters.get("status"), filters.get("recipe")
        since, until = filters.get("since"), filters.get("until")
        while True:
            where, params = self._where(status, recipe, since, until, "", "c.")
            where = (where + " AND" if where else "WHERE") + " c.id > ?"
            rows = self.query(f"{_WITH_PROVENANCE} {where} ORDER BY c.id LIMIT {batch}",
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
                clauses.append(f"{col}id IN (SELECT rowid FROM candidates_fts WHERE "
                               "candidates_fts MATCH ?)")
                params.append(_fts_phrase(search))
            else:
                clauses.append(f"({col}instruction LIKE ? OR {col}text LIKE ?)")
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

    def tally(self) -> tuple[dict[str, int], dict[str, int], int]:
        """Counts, rejection reasons and the newest candidate id, read with no write of
        this process in between (so a live count can go on from them)."""
        with self.lock:
            last = self.query("SELECT max(id) AS m FROM candidates")[0]["m"] or 0
            return self.counts(), self.rejection_reasons(), int(last)

    def stats(self) -> PoolStats:
        """The pool's file, seeds, runs and candidates in numbers (``pool stats``)."""
        return PoolStats(db=str(self.path), seeds=self.count_seeds(), counts=self.counts(),
                         by_recipe=self.counts_by_recipe(),
                         rejected_by_reason=self.rejection_reasons(),
                         accepted_instances=self.count_accepted_instances(),
                         runs=self.count_runs())

    def instructions(self, statuses: tuple[ItemStatus, ...] = (ACCEPTED,),
                     recipe: str = "self-instruct") -> list[tuple[int, str]]:
        marks = ",".join("?" * len(statuses))
        return [(r["id"], r["instruction"]) for r in self.query(
            f"SELECT id, instruction FROM candidates WHERE recipe = ? AND status IN ({marks}) "
            "ORDER BY id", [recipe, *statuses])]

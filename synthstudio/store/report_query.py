"""The data report's reads: aggregates and streams over one snapshot of the pool.

:func:`snapshot` opens a read transaction on a connection of its own (the pool's own in
memory), so every number of one report comes from the same state of the pool.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from synthstudio.records import REJECTED
from synthstudio.store.connection import PoolBase

#: rows fetched at a time by the streams
FETCH = 5000


def _where(prefix: str, recipe: str | None, status: str | None) -> tuple[str, list[str]]:
    clauses, params = [], []
    for col, val in (("recipe", recipe), ("status", status)):
        if val:
            clauses.append(f"{prefix}{col} = ?")
            params.append(val)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


class ReportSnapshot:
    """Reads for the report, all in one read transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def counts(self, recipe: str | None) -> Iterator[tuple[str, str, int]]:
        """(recipe, status, items)."""
        where, params = _where("", recipe, None)
        yield from self.conn.execute(
            f"SELECT recipe, status, count(*) FROM candidates {where} "
            "GROUP BY recipe, status", params)

    def rejection_reasons(self, recipe: str | None) -> list[tuple[str, int]]:
        """(reason, rejected items), most first; an empty reason is "(no reason)"."""
        where, params = _where("", recipe, REJECTED)
        return [(str(r), int(n)) for r, n in self.conn.execute(
            "SELECT coalesce(nullif(reason, ''), '(no reason)'), count(*) AS n FROM candidates "
            f"{where} GROUP BY 1 ORDER BY n DESC, 1", params)]

    def by_day(self, recipe: str | None) -> Iterator[tuple[str | None, str, int]]:
        """(day of creation YYYY-MM-DD, status, items), by day."""
        where, params = _where("", recipe, None)
        yield from self.conn.execute(
            f"SELECT substr(created_at, 1, 10) AS d, status, count(*) FROM candidates "
            f"{where} GROUP BY d, status ORDER BY d", params)

    def score_bins(self, recipe: str | None, score: str, bins: int
                   ) -> Iterator[tuple[str, int, int]]:
        """(status, bin, items) for the numeric values of filter ``score`` in [0, 1],
        cut into ``bins`` bins (values out of range go to the end bins)."""
        where, params = _where("", recipe, None)
        yield from self.conn.execute(
            f"SELECT c.status, max(0, min({bins - 1}, "
            f"CAST(json_extract(j.value, '$.value') * {bins} AS INTEGER))) AS bin, count(*) "
            "FROM (SELECT status, CASE WHEN json_valid(scores) THEN scores ELSE '[]' END AS s "
            f"FROM candidates {where}) AS c, json_each(c.s) AS j "
            "WHERE json_extract(j.value, '$.name') = ? "
            "AND json_type(j.value, '$.value') IN ('real', 'integer') GROUP BY c.status, bin",
            [*params, score])

    def texts(self, recipe: str | None, status: str | None
              ) -> Iterator[list[tuple[str, str | None, str | None]]]:
        """Batches of (recipe, instruction, output) where the output is a textbook item's
        text, a reasoning item's thinking and answer, else None."""
        where, params = _where("", recipe, status)
        cur = self.conn.execute(
            "SELECT recipe, instruction, CASE recipe WHEN 'textbook' THEN text "
            "WHEN 'reasoning' THEN coalesce(thinking, '') || ' ' || coalesce(answer, '') END "
            f"FROM candidates {where}", params)
        while rows := cur.fetchmany(FETCH):
            yield rows

    def instance_outputs(self, recipe: str | None, status: str | None
                         ) -> Iterator[list[tuple[str | None]]]:
        """Batches of (output,) of the instances of matching items."""
        where, params = _where("c.", recipe, status)
        cur = self.conn.execute("SELECT i.output FROM instances AS i JOIN candidates AS c "
                                f"ON c.id = i.candidate_id {where}", params)
        while rows := cur.fetchmany(FETCH):
            yield rows


@contextmanager
def snapshot(pool: PoolBase) -> Iterator[ReportSnapshot]:
    """One read transaction over ``pool`` for a whole report."""
    if str(pool.path) == ":memory:":
        with pool.lock:
            yield ReportSnapshot(pool.conn)
        return
    conn = sqlite3.connect(str(pool.path), timeout=30, isolation_level=None)
    try:
        conn.execute("BEGIN")
        yield ReportSnapshot(conn)
    finally:
        conn.close()

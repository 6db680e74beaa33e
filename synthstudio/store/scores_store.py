"""The judge's scores in the pool: one current score per item, each saved on its own.

A score is written in its own transaction the moment it arrives, so a killed pass keeps
every score it finished and the next pass asks only about items with none
(:meth:`ScoreStore.ids_to_judge`). ``score`` is NULL for a reply that did not parse.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from synthstudio.records import JudgeScore
from synthstudio.store.connection import PoolBase, _dumps, _loads, now

#: which items a pass rates again: none that have a row, the unscored ones, or all
RESCORE = ("", "unscored", "all")


class ScoreStore(PoolBase):
    """Save, read and count judge scores."""

    def save_score(self, s: JudgeScore) -> None:
        """Insert or replace the score of ``s.candidate_id``, in one transaction."""
        s.created_at = s.created_at or now()
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO judge_scores (candidate_id, score, reason, raw, model, backend, "
                "rubric_version, options, created_at, elapsed_s) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (candidate_id) DO UPDATE "
                "SET score = excluded.score, reason = excluded.reason, raw = excluded.raw, "
                "model = excluded.model, backend = excluded.backend, "
                "rubric_version = excluded.rubric_version, options = excluded.options, "
                "created_at = excluded.created_at, elapsed_s = excluded.elapsed_s",
                (s.candidate_id, s.score, s.reason, s.raw, s.model, s.backend,
                 s.rubric_version, _dumps(s.options), s.created_at, s.elapsed_s))

    @staticmethod
    def _score(r: dict[str, Any]) -> JudgeScore:
        return JudgeScore(candidate_id=r["candidate_id"], score=r["score"],
                          reason=r["reason"] or "", raw=r["raw"] or "", model=r["model"] or "",
                          backend=r["backend"] or "", rubric_version=r["rubric_version"] or "",
                          options=_loads(r["options"], {}), created_at=r["created_at"] or "",
                          elapsed_s=r["elapsed_s"] or 0.0)

    def get_score(self, candidate_id: int) -> JudgeScore | None:
        rows = self.query("SELECT * FROM judge_scores WHERE candidate_id = ?", [candidate_id])
        return self._score(rows[0]) if rows else None

    def scores_for(self, ids: list[int]) -> dict[int, JudgeScore]:
        """The scores of ``ids`` that have one."""
        out: dict[int, JudgeScore] = {}
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            marks = ",".join("?" * len(chunk))
            for r in self.query(f"SELECT * FROM judge_scores WHERE candidate_id IN ({marks})",
                                chunk):
                out[r["candidate_id"]] = self._score(r)
        return out

    @staticmethod
    def _judge_where(statuses: Sequence[str], run_id: int | None, rescore: str,
                     source_file: str | None = None) -> tuple[str, list[Any]]:
        if rescore not in RESCORE:
            raise ValueError(f"rescore must be one of {RESCORE}, not {rescore!r}")
        clauses: list[str] = []
        params: list[Any] = []
        if statuses:
            clauses.append(f"c.status IN ({','.join('?' * len(statuses))})")
            params += list(statuses)
        if run_id is not None:
            clauses.append("c.run_id = ?")
            params.append(run_id)
        if source_file:  # items imported from that file: provenance.source.file, kept in
            # candidate_provenance beside the item since schema 4
            clauses.append("c.id IN (SELECT p.candidate_id FROM candidate_provenance AS p "
                           "WHERE json_extract(CASE WHEN json_valid(p.provenance) "
                           "THEN p.provenance END, '$.source.file') = ?)")
            params.append(source_file)
        if rescore == "":
            clauses.append("s.candidate_id IS NULL")
        elif rescore == "unscored":
            clauses.append("s.score IS NULL")
        return " AND ".join(clauses) or "1", params

    def ids_to_judge(self, *, statuses: Sequence[str] = (), run_id: int | None = None,
                     rescore: str = "", after: int = 0, limit: int = 1000,
                     source_file: str | None = None) -> list[int]:
        """Ids of items a pass should rate, in id order, after id ``after``.

        ``statuses`` empty means any status; ``source_file`` keeps items imported from
        that file (its resolved path, as the importer records it). ``rescore``: ``""``
        items with no score row; ``"unscored"`` also those whose reply did not parse;
        ``"all"`` every matching item.
        """
        where, params = self._judge_where(statuses, run_id, rescore, source_file)
        with self.lock:
            cur = self.conn.execute(
                f"SELECT c.id FROM candidates AS c LEFT JOIN judge_scores AS s "
                f"ON s.candidate_id = c.id WHERE c.id > ? AND {where} ORDER BY c.id LIMIT ?",
                [after, *params, int(limit)])
            return [int(r[0]) for r in cur.fetchall()]

    def ids_by_score(self, *, status: str | None = None, best_first: bool = True,
                     limit: int = 300) -> list[int]:
        """Ids of scored items (of ``status``), best or worst score first."""
        where = "WHERE s.score IS NOT NULL" + (" AND c.status = ?" if status else "")
        order = "DESC" if best_first else "ASC"
        return [r["id"] for r in self.query(
            f"SELECT c.id AS id FROM judge_scores AS s JOIN candidates AS c "
            f"ON c.id = s.candidate_id {where} ORDER BY s.score {order}, c.id LIMIT ?",
            [*([status] if status else []), int(limit)])]

    def count_to_judge(self, *, statuses: Sequence[str] = (), run_id: int | None = None,
                       rescore: str = "", source_file: str | None = None) -> int:
        where, params = self._judge_where(statuses, run_id, rescore, source_file)
        return int(self.query(
            f"SELECT count(*) AS n FROM candidates AS c LEFT JOIN judge_scores AS s "
            f"ON s.candidate_id = c.id WHERE {where}", params)[0]["n"])

    def score_histogram(self, *, status: str | None = None, recipe: str | None = None
                        ) -> tuple[dict[float, int], int]:
        """Scored items by score rounded down to a half point (0, 0.5 ... 5), and the
        number of unscored ones."""
        clauses, params = [], []
        if status:
            clauses.append("c.status = ?")
            params.append(status)
        if recipe:
            clauses.append("c.recipe = ?")
            params.append(recipe)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        bins = {k / 2: 0 for k in range(11)}
        unscored = 0
        for r in self.query(f"SELECT s.score AS score, count(*) AS n FROM judge_scores AS s "
                            f"JOIN candidates AS c ON c.id = s.candidate_id {where} "
                            "GROUP BY s.score", params):
            if r["score"] is None:
                unscored += r["n"]
                continue
            key = min(5.0, max(0.0, math.floor(float(r["score"]) * 2) / 2))
            bins[key] += r["n"]
        return bins, unscored

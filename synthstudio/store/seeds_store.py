"""Seed tasks, and the textbook topics and reasoning problems, in the pool."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from synthstudio.records import Instance, Problem, SeedTask, Topic
from synthstudio.store.connection import PoolBase, now
from synthstudio.store.instance_arrays import refresh_instance_arrays

#: the columns of a topic and of a problem that the records set (besides ``source``):
#: an insert writes them, an update rewrites them; ``id`` and ``created_at`` are the store's
TOPIC_COLUMNS = ("topic", "field", "extract")
PROBLEM_COLUMNS = ("key", "problem", "answer", "kind")


class SeedStore(PoolBase):
    """Seeds with their instances; textbook topics; reasoning problems."""

    # -- seeds ----------------------------------------------------------------------

    def add_seeds(self, seeds: Iterable[SeedTask], source: str = "user",
                  above: int = 0) -> list[int]:
        """Insert all seeds in one transaction; return their row ids.

        New ids are greater than ``above``: the studio passes the id of a deleted seed it
        holds for undo, so that seed can come back under its own id.
        """
        ids: list[int] = []
        stamp = now()
        with self.transaction() as conn:
            for s in seeds:
                top = conn.execute("SELECT max(id) FROM seeds").fetchone()[0] or 0
                new_id = max(int(top), above) + 1 if above else None
                cur = conn.execute(
                    "INSERT INTO seeds (id, key, name, instruction, is_classification, "
                    "source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (new_id, s.key, s.name, s.instruction, int(s.is_classification), source,
                     stamp, stamp),
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
        refresh_instance_arrays(conn)  # an item's array; the mark passes a seed's rows

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

    def topics(self) -> list[Topic]:
        """The textbook topics, in the order they were added."""
        return [Topic(topic=r["topic"] or "", field=r["field"] or "",
                      extract=r["extract"] or "", source=r["source"] or "", id=r["id"],
                      created_at=r["created_at"] or "")
                for r in self.query("SELECT * FROM topics ORDER BY id")]

    def problems(self) -> list[Problem]:
        """The reasoning problems, in the order they were added."""
        return [Problem(problem=r["problem"] or "", answer=r["answer"] or "",
                        key=r["key"] or "", kind=r["kind"] or "", source=r["source"] or "",
                        id=r["id"], created_at=r["created_at"] or "")
                for r in self.query("SELECT * FROM problems ORDER BY id")]

    def add_topics(self, topics: Iterable[Topic]) -> list[int]:
        """Insert topics (each with its ``source``) in one transaction; return their new
        row ids. A topic's ``id`` and ``created_at`` are the store's: they are not read."""
        return self._insert("topics", TOPIC_COLUMNS,
                            [(t.topic, t.field, t.extract, t.source) for t in topics])

    def add_problems(self, problems: Iterable[Problem]) -> list[int]:
        """Insert problems (each with its ``source``) in one transaction; return their new
        row ids. A problem's ``id`` and ``created_at`` are the store's: they are not read."""
        return self._insert("problems", PROBLEM_COLUMNS,
                            [(p.key, p.problem, p.answer, p.kind, p.source) for p in problems])

    def update_topic(self, topic: Topic) -> bool:
        """Write the editable columns of ``topic`` to its row; True if the row is there."""
        return self._update("topics", TOPIC_COLUMNS, (topic.topic, topic.field, topic.extract),
                            topic.id)

    def update_problem(self, problem: Problem) -> bool:
        """Write the editable columns of ``problem`` to its row; True if the row is there."""
        return self._update("problems", PROBLEM_COLUMNS,
                            (problem.key, problem.problem, problem.answer, problem.kind),
                            problem.id)

    def delete_topic(self, topic_id: int) -> bool:
        """Delete one topic; True if it was there."""
        return self._delete("topics", topic_id)

    def delete_problem(self, problem_id: int) -> bool:
        """Delete one problem; True if it was there."""
        return self._delete("problems", problem_id)

    def _insert(self, table: str, columns: tuple[str, ...],
                rows: list[tuple[str, ...]]) -> list[int]:
        stamp = now()
        cols = ", ".join((*columns, "source", "created_at"))
        marks = ", ".join("?" * (len(columns) + 2))
        ids: list[int] = []
        with self.transaction() as conn:
            for row in rows:
                cur = conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})",
                                   (*row, stamp))
                ids.append(int(cur.lastrowid or 0))
        return ids

    def _update(self, table: str, columns: tuple[str, ...], values: tuple[str, ...],
                row_id: int | None) -> bool:
        if row_id is None:
            raise ValueError(f"updating {table} needs a row with an id")
        sets = ", ".join(f"{col} = ?" for col in columns)
        with self.transaction() as conn:
            cur = conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*values, row_id))
            return cur.rowcount > 0

    def _delete(self, table: str, row_id: int) -> bool:
        with self.transaction() as conn:
            return conn.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,)).rowcount > 0

"""Schema of the pool, as ordered migrations keyed by ``PRAGMA user_version``.

Each migration runs once, in order, inside one transaction. Never edit a shipped
migration: append a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def _v1(db: sqlite_utils.Database) -> None:
    db.table("seeds").create(
        {
            "id": int, "key": str, "name": str, "instruction": str,
            "is_classification": int, "source": str, "created_at": str, "updated_at": str,
        },
        pk="id",
        not_null={"instruction"},
        defaults={"key": "", "name": "", "is_classification": 0, "source": "user"},
    )
    db.table("runs").create(
        {
            "id": int, "recipe": str, "backend": str, "model": str, "options": str,
            "settings": str, "state": str, "counts": str, "target": int, "status": str,
            "started_at": str, "updated_at": str, "ended_at": str, "pid": int,
        },
        pk="id",
    )
    db.table("candidates").create(
        {
            "id": int, "run_id": int, "recipe": str, "status": str, "reason": str,
            "instruction": str, "is_classification": int, "text": str, "thinking": str,
            "answer": str, "meta": str, "scores": str, "prompt": str, "raw_output": str,
            "provenance": str, "created_at": str, "decided_at": str,
        },
        pk="id",
        defaults={"status": "proposed", "reason": ""},
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("instances").create(
        {"id": int, "candidate_id": int, "seed_id": int, "idx": int, "input": str,
         "output": str},
        pk="id",
        foreign_keys=[("candidate_id", "candidates", "id"), ("seed_id", "seeds", "id")],
    )
    db.table("topics").create(
        {"id": int, "topic": str, "field": str, "extract": str, "source": str,
         "created_at": str},
        pk="id",
    )
    db.table("problems").create(
        {"id": int, "key": str, "problem": str, "answer": str, "kind": str, "source": str,
         "created_at": str},
        pk="id",
    )
    for table, columns in (("candidates", ["status", "recipe"]), ("candidates", ["run_id"]),
                           ("candidates", ["created_at"]), ("instances", ["candidate_id"]),
                           ("instances", ["seed_id"]), ("seeds", ["key"])):
        db.table(table).create_index(columns)
    # Full-text search (trigram: works for CJK and substrings); triggers keep it in step,
    # and the update trigger fires only when searchable text changes, not on accept.
    for sql in _FTS_SQL:
        db.conn.execute(sql)


_FTS_SQL = [
    "CREATE VIRTUAL TABLE candidates_fts USING fts5(instruction, text, answer, "
    "content='candidates', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER candidates_ai AFTER INSERT ON candidates BEGIN "
    "INSERT INTO candidates_fts(rowid, instruction, text, answer) "
    "VALUES (new.id, new.instruction, new.text, new.answer); END",
    "CREATE TRIGGER candidates_ad AFTER DELETE ON candidates BEGIN "
    "INSERT INTO candidates_fts(candidates_fts, rowid, instruction, text, answer) "
    "VALUES ('delete', old.id, old.instruction, old.text, old.answer); END",
    "CREATE TRIGGER candidates_au AFTER UPDATE OF instruction, text, answer ON candidates "
    "BEGIN INSERT INTO candidates_fts(candidates_fts, rowid, instruction, text, answer) "
    "VALUES ('delete', old.id, old.instruction, old.text, old.answer); "
    "INSERT INTO candidates_fts(rowid, instruction, text, answer) "
    "VALUES (new.id, new.instruction, new.text, new.answer); END",
]


def _v2(db: sqlite_utils.Database) -> None:
    """Indexes that walk one status (and recipe) in id order without a sort: exports and
    the pool pane page through accepted items by id."""
    db.conn.execute("DROP INDEX IF EXISTS idx_candidates_status_recipe")
    db.conn.execute("CREATE INDEX idx_candidates_status_id ON candidates (status, id)")
    db.conn.execute(
        "CREATE INDEX idx_candidates_status_recipe_id ON candidates (status, recipe, id)")


def _v3(db: sqlite_utils.Database) -> None:
    """Rejections counted by reason from the index alone (the studio's status line)."""
    db.conn.execute("CREATE INDEX idx_candidates_status_reason ON candidates (status, reason)")


#: what produced a candidate, read only to show or export it with its provenance: kept
#: beside ``candidates`` (one row each, same id) so that scans of the items stay small
PROVENANCE_COLUMNS = ("prompt", "raw_output", "provenance")
#: the columns of ``candidates`` from schema 4 on
CANDIDATE_COLUMNS = ("id", "run_id", "recipe", "status", "reason", "instruction",
                     "is_classification", "text", "thinking", "answer", "meta", "scores",
                     "created_at", "decided_at")
_CANDIDATE_COLUMNS = (
    '"id" INTEGER PRIMARY KEY, "run_id" INTEGER REFERENCES "runs"("id"), "recipe" TEXT, '
    '"status" TEXT DEFAULT \'proposed\', "reason" TEXT DEFAULT \'\', "instruction" TEXT, '
    '"is_classification" INTEGER, "text" TEXT, "thinking" TEXT, "answer" TEXT, "meta" TEXT, '
    '"scores" TEXT, "created_at" TEXT, "decided_at" TEXT'
)


def _v4(db: sqlite_utils.Database) -> None:
    """Prompt, raw output and provenance move to ``candidate_provenance``, byte for byte.

    ``candidates`` is rebuilt (not ``DROP COLUMN``, which leaves every page as large as
    before): a new table takes the remaining columns, the old one goes, the new one takes
    its name, and its indexes and full-text triggers are made again. Ids do not change, so
    the full-text index and the instances still point at the right rows.
    """
    conn = db.conn
    conn.execute('CREATE TABLE "candidate_provenance" ("candidate_id" INTEGER PRIMARY KEY '
                 'REFERENCES "candidates"("id"), "prompt" TEXT, "raw_output" TEXT, '
                 '"provenance" TEXT)')
    conn.execute("INSERT INTO candidate_provenance (candidate_id, prompt, raw_output, "
                 "provenance) SELECT id, prompt, raw_output, provenance FROM candidates")
    again = [sql for (sql,) in conn.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'candidates' "
        "AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name")]
    keep = ", ".join(CANDIDATE_COLUMNS)
    conn.execute(f'CREATE TABLE "candidates_v4" ({_CANDIDATE_COLUMNS})')
    conn.execute(f"INSERT INTO candidates_v4 ({keep}) SELECT {keep} FROM candidates "
                 "ORDER BY id")
    conn.execute("DROP TABLE candidates")
    conn.execute("ALTER TABLE candidates_v4 RENAME TO candidates")
    for sql in again:
        conn.execute(sql)


def _v5(db: sqlite_utils.Database) -> None:
    """The judge's ratings: one current score per item (NULL when the reply did not
    parse), with the reply and what produced it (model, backend, rubric hash, options).

    ``candidate_id`` is a candidate's id without a foreign key, so that a migration may
    rebuild ``candidates`` (drop and rename, as schema 4 did) without touching or
    tripping over scores."""
    db.conn.execute(
        "CREATE TABLE judge_scores ("
        "candidate_id INTEGER PRIMARY KEY, "
        "score REAL, reason TEXT NOT NULL DEFAULT '', raw TEXT NOT NULL DEFAULT '', "
        "model TEXT NOT NULL DEFAULT '', backend TEXT NOT NULL DEFAULT '', "
        "rubric_version TEXT NOT NULL DEFAULT '', options TEXT NOT NULL DEFAULT '{}', "
        "created_at TEXT NOT NULL, elapsed_s REAL)")
    db.conn.execute("CREATE INDEX idx_judge_scores_score ON judge_scores (score)")


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_v1, _v2, _v3, _v4, _v5]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database up to :data:`SCHEMA_VERSION`; return the version found."""
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found > SCHEMA_VERSION:
        from synthstudio.errors import StoreError

        raise StoreError(
            f"The pool was written by a newer synthstudio (schema {found}, this one knows "
            f"{SCHEMA_VERSION}).",
            "Upgrade synthstudio, or open another pool with --db.",
        )
    if found == SCHEMA_VERSION:
        return int(found)
    import sqlite_utils  # only when there is work to do: it imports pandas if present

    db = sqlite_utils.Database(conn)
    # a migration may rebuild a table others point at: keys are checked once it is done
    # (the pragma is a no-op inside a transaction, so it is switched here)
    keys_on = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        while True:
            conn.execute("BEGIN IMMEDIATE")
            try:
                # re-read under the write lock: another process may have migrated meanwhile
                current = conn.execute("PRAGMA user_version").fetchone()[0]
                if current >= SCHEMA_VERSION:
                    conn.execute("COMMIT")
                    return int(found)
                MIGRATIONS[current](db)
                broken = conn.execute("PRAGMA foreign_key_check").fetchone()
                if keys_on and broken:
                    raise sqlite3.IntegrityError(f"migration {current + 1} left a row of "
                                                 f"{broken[0]} without its {broken[2]} row")
                conn.execute(f"PRAGMA user_version = {current + 1}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
    finally:
        conn.execute(f"PRAGMA foreign_keys = {'ON' if keys_on else 'OFF'}")

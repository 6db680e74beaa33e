"""Schema of the pool, as ordered migrations keyed by ``PRAGMA user_version``.

Each migration runs once, in order, inside one transaction. Never edit a shipped
migration: append a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from synthstudio.store.instance_arrays import INSTANCES_JSON_TRIGGERS, refresh_instance_arrays


def _table(name: str, columns: str) -> str:
    """``CREATE TABLE`` laid out as sqlite-utils wrote it when it made schema 1 (the text
    is kept in ``sqlite_master``: new pools get the same bytes as older ones)."""
    return f'CREATE TABLE "{name}" (\n   ' + ",\n   ".join(
        c.strip() for c in columns.split(";")) + "\n);"


def _index(table: str, columns: tuple[str, ...]) -> str:
    cols = ", ".join(f'"{c}"' for c in columns)
    return (f'CREATE INDEX "idx_{table}_{"_".join(columns)}"\n    ON "{table}" ({cols});')


_V1_SQL = [
    _table("seeds", """"id" INTEGER PRIMARY KEY; "key" TEXT DEFAULT ''; "name" TEXT DEFAULT '';
           "instruction" TEXT NOT NULL; "is_classification" INTEGER DEFAULT 0;
           "source" TEXT DEFAULT 'user'; "created_at" TEXT; "updated_at" TEXT"""),
    _table("runs", """"id" INTEGER PRIMARY KEY; "recipe" TEXT; "backend" TEXT; "model" TEXT;
           "options" TEXT; "settings" TEXT; "state" TEXT; "counts" TEXT; "target" INTEGER;
           "status" TEXT; "started_at" TEXT; "updated_at" TEXT; "ended_at" TEXT;
           "pid" INTEGER"""),
    _table("candidates", """"id" INTEGER PRIMARY KEY; "run_id" INTEGER REFERENCES "runs"("id");
           "recipe" TEXT; "status" TEXT DEFAULT 'proposed'; "reason" TEXT DEFAULT '';
           "instruction" TEXT; "is_classification" INTEGER; "text" TEXT; "thinking" TEXT;
           "answer" TEXT; "meta" TEXT; "scores" TEXT; "prompt" TEXT; "raw_output" TEXT;
           "provenance" TEXT; "created_at" TEXT; "decided_at" TEXT"""),
    _table("instances", """"id" INTEGER PRIMARY KEY;
           "candidate_id" INTEGER REFERENCES "candidates"("id");
           "seed_id" INTEGER REFERENCES "seeds"("id"); "idx" INTEGER; "input" TEXT;
           "output" TEXT"""),
    _table("topics", """"id" INTEGER PRIMARY KEY; "topic" TEXT; "field" TEXT; "extract" TEXT;
           "source" TEXT; "created_at" TEXT"""),
    _table("problems", """"id" INTEGER PRIMARY KEY; "key" TEXT; "problem" TEXT; "answer" TEXT;
           "kind" TEXT; "source" TEXT; "created_at" TEXT"""),
    *(_index(t, c) for t, c in (("candidates", ("status", "recipe")),
                                ("candidates", ("run_id",)), ("candidates", ("created_at",)),
                                ("instances", ("candidate_id",)), ("instances", ("seed_id",)),
                                ("seeds", ("key",)))),
]


def _v1(conn: sqlite3.Connection) -> None:
    """The first schema. It was made with sqlite-utils, which imports pandas when it is
    installed (seconds at the first start of a new pool); the statements are those it ran,
    byte for byte."""
    for sql in _V1_SQL:
        conn.execute(sql)
    # Full-text search (trigram: works for CJK and substrings); triggers keep it in step,
    # and the update trigger fires only when searchable text changes, not on accept.
    for sql in _FTS_SQL:
        conn.execute(sql)


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


def _v2(conn: sqlite3.Connection) -> None:
    """Indexes that walk one status (and recipe) in id order without a sort: exports and
    the pool pane page through accepted items by id."""
    conn.execute("DROP INDEX IF EXISTS idx_candidates_status_recipe")
    conn.execute("CREATE INDEX idx_candidates_status_id ON candidates (status, id)")
    conn.execute(
        "CREATE INDEX idx_candidates_status_recipe_id ON candidates (status, recipe, id)")


def _v3(conn: sqlite3.Connection) -> None:
    """Rejections counted by reason from the index alone (the studio's status line)."""
    conn.execute("CREATE INDEX idx_candidates_status_reason ON candidates (status, reason)")


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


def _v4(conn: sqlite3.Connection) -> None:
    """Prompt, raw output and provenance move to ``candidate_provenance``, byte for byte.

    ``candidates`` is rebuilt (not ``DROP COLUMN``, which leaves every page as large as
    before): a new table takes the remaining columns, the old one goes, the new one takes
    its name, and its indexes and full-text triggers are made again. Ids do not change, so
    the full-text index and the instances still point at the right rows.
    """
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


def _v5(conn: sqlite3.Connection) -> None:
    """The judge's ratings: one current score per item (NULL when the reply did not
    parse), with the reply and what produced it (model, backend, rubric hash, options).

    ``candidate_id`` is a candidate's id without a foreign key, so that a migration may
    rebuild ``candidates`` (drop and rename, as schema 4 did) without touching or
    tripping over scores."""
    conn.execute(
        "CREATE TABLE judge_scores ("
        "candidate_id INTEGER PRIMARY KEY, "
        "score REAL, reason TEXT NOT NULL DEFAULT '', raw TEXT NOT NULL DEFAULT '', "
        "model TEXT NOT NULL DEFAULT '', backend TEXT NOT NULL DEFAULT '', "
        "rubric_version TEXT NOT NULL DEFAULT '', options TEXT NOT NULL DEFAULT '{}', "
        "created_at TEXT NOT NULL, elapsed_s REAL)")
    conn.execute("CREATE INDEX idx_judge_scores_score ON judge_scores (score)")


def _v6(conn: sqlite3.Connection) -> None:
    """An item's instances indexed in their order (``candidate_id, idx``), replacing the
    index on ``candidate_id`` alone: reading them in order (export, the studio) walks the
    index instead of sorting each item's rows."""
    conn.execute("CREATE INDEX IF NOT EXISTS idx_instances_candidate_idx "
                 "ON instances (candidate_id, idx)")
    conn.execute("DROP INDEX IF EXISTS idx_instances_candidate_id")


def _v7(conn: sqlite3.Connection) -> None:
    """Each item's instances also as the JSON array the self-instruct export writes
    (``instances_json``, one row per item with instances), so that the export copies it
    instead of joining, escaping and aggregating every instance: about a third less of its
    SQL time on the 1,000,000-item pool. The instances stay the truth: triggers drop an
    array when its instances change, the store writes the arrays of items that gained
    instances (``instances_json_mark`` holds how far it got), and the export makes an
    array itself where none is kept, or for every item when instances were added past
    the mark behind the store's back. Made here for every item at once (about 16 s for
    the 1,000,000-item benchmark pool, once).

    A later migration that rebuilds ``instances`` or ``candidates`` (drop and rename, as
    schema 4 did) must make these triggers again."""
    # IF NOT EXISTS, here and in the triggers: SQLite keeps the statement without it
    conn.execute('CREATE TABLE IF NOT EXISTS "instances_json" ('
                 '"candidate_id" INTEGER PRIMARY KEY, "json" TEXT NOT NULL)')
    conn.execute('CREATE TABLE IF NOT EXISTS "instances_json_mark" ('
                 '"id" INTEGER PRIMARY KEY CHECK ("id" = 1), "instance_id" INTEGER NOT NULL)')
    for sql in INSTANCES_JSON_TRIGGERS:
        conn.execute(sql)
    refresh_instance_arrays(conn)


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3, _v4, _v5, _v6, _v7]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection,
            announce: Callable[[int], None] | None = None) -> int:
    """Bring the database up to :data:`SCHEMA_VERSION`; return the version found.
    ``announce(version)`` is called once, under the write lock, before this process
    upgrades a pool made by an older version (a large one takes a while: schema 7
    about 16 s for 1,000,000 items)."""
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
                if found and current and announce is not None:  # an older pool, upgraded
                    announce(int(current))
                    announce = None
                MIGRATIONS[current](conn)
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

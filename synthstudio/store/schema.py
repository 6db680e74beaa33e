"""Schema of the pool, as ordered migrations keyed by ``PRAGMA user_version``.

Each migration runs once, in order, inside one transaction. Never edit a shipped
migration: append a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


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


def instance_array(item: str) -> str:
    """SQL of item ``item``'s instances (``item`` an expression of its id) as the JSON
    array the self-instruct export writes: ``[{"input": ..., "output": ...}, ...]`` in
    their order, ``[]`` for none. The aggregate reads an ordered subquery and nothing
    groups it, so the order holds on every SQLite."""
    return ("(SELECT json_group_array(json_object('input', coalesce(input, ''), "
            "'output', coalesce(output, ''))) FROM (SELECT input, output FROM instances "
            f"WHERE candidate_id = {item} ORDER BY idx, id))")


#: the largest instance id whose item's array is up to date in ``instances_json``
_MARK = "coalesce((SELECT instance_id FROM instances_json_mark WHERE id = 1), -1)"
#: true when no item's instance lies past the mark (added behind the store's back): then
#: every kept array is up to date. Uncorrelated: SQLite runs it once per statement, so
#: it is judged inside the snapshot the statement reads.
ARRAYS_CURRENT = ("NOT EXISTS (SELECT 1 FROM instances NOT INDEXED "
                  f"WHERE id > {_MARK} AND candidate_id IS NOT NULL) "
                  # a negative id is only ever given by hand, and no trigger tells it
                  "AND NOT EXISTS (SELECT 1 FROM instances NOT INDEXED "
                  "WHERE id < 0 AND candidate_id IS NOT NULL)")
#: the largest id SQLite has; past it, it chooses ids at random (below the mark)
_TOP_ID = 9223372036854775807
#: lowers the mark to the largest id left (so that SQLite's next choice lies past it)
_LOWER_MARK = ("UPDATE instances_json_mark SET instance_id = min(instance_id, "
               "(SELECT coalesce(max(id), 0) FROM instances)) WHERE id = 1; ")

#: triggers that drop an item's row of ``instances_json`` when its instances are changed
#: or deleted, or the item is deleted, so that a stale array is never read. Instances
#: added are found by their ids instead (:func:`refresh_instance_arrays`, and
#: :data:`ARRAYS_CURRENT` for those added by hand), which holds because the mark never
#: exceeds the largest id (a delete or a changed id brings it down), so an id SQLite
#: chooses (the largest + 1) lies past it. Only an id given by hand can be at or below the
#: mark: the insert trigger acts on those (``new.id`` is -1 when SQLite chooses), dropping
#: the arrays of the new row's item and of the row a REPLACE removes (which fires no
#: delete trigger); a negative id is caught by :data:`ARRAYS_CURRENT`, and once the
#: largest id is SQLite's largest (it then chooses at random) no array is kept at all
#: (:func:`refresh_instance_arrays`). A trigger that acted on every insert made an
#: import of 50,000 items a second slower.
_INSTANCES_JSON_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS instances_json_bi BEFORE INSERT ON instances "
    f"WHEN new.id BETWEEN 0 AND {_MARK} BEGIN "
    "DELETE FROM instances_json WHERE candidate_id IN (new.candidate_id, "
    "(SELECT candidate_id FROM instances WHERE id = new.id)); END",
    "CREATE TRIGGER IF NOT EXISTS instances_json_ad AFTER DELETE ON instances BEGIN "
    "DELETE FROM instances_json WHERE candidate_id = old.candidate_id; "
    f"{_LOWER_MARK}END",
    # an id changed may take another row's place (UPDATE OR REPLACE removes that row
    # without a delete trigger) and may leave the largest id below the mark
    "CREATE TRIGGER IF NOT EXISTS instances_json_bu BEFORE UPDATE OF id ON instances "
    "WHEN new.id IS NOT old.id BEGIN DELETE FROM instances_json WHERE candidate_id = "
    "(SELECT candidate_id FROM instances WHERE id = new.id); END",
    "CREATE TRIGGER IF NOT EXISTS instances_json_au AFTER UPDATE ON instances BEGIN "
    "DELETE FROM instances_json WHERE candidate_id IN (old.candidate_id, new.candidate_id); "
    f"{_LOWER_MARK}END",
    "CREATE TRIGGER IF NOT EXISTS instances_json_cd AFTER DELETE ON candidates BEGIN "
    "DELETE FROM instances_json WHERE candidate_id = old.id; END",
]


def refresh_instance_arrays(conn: sqlite3.Connection) -> None:
    """Write the arrays of the items that gained instances since the last call (ids above
    the mark), then move the mark to the largest instance id. The store calls it in the
    transaction that added them. An item with a BLOB instance (JSON cannot hold one; only
    a hand-made row has it) gets none: its export fails as it did before."""
    gained = (f"SELECT DISTINCT candidate_id AS cid FROM instances NOT INDEXED "
              f"WHERE id > {_MARK} AND candidate_id IS NOT NULL")
    conn.execute(f"DELETE FROM instances_json WHERE candidate_id IN ({gained})")
    conn.execute(
        f"INSERT INTO instances_json (candidate_id, json) SELECT n.cid, "
        f"{instance_array('n.cid')} FROM ({gained}) AS n "
        "WHERE NOT EXISTS (SELECT 1 FROM instances AS b WHERE b.candidate_id = n.cid "
        "AND 'blob' IN (typeof(b.input), typeof(b.output)))")
    top = int(conn.execute("SELECT coalesce(max(id), 0) FROM instances").fetchone()[0])
    conn.execute("INSERT OR REPLACE INTO instances_json_mark (id, instance_id) "
                 "VALUES (1, ?)", (top,))
    if top == _TOP_ID:  # only a row made by hand has SQLite's largest id; from then on it
        # chooses ids at random, which may fall below the mark: keep no array at all
        conn.execute("DELETE FROM instances_json")


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
    for sql in _INSTANCES_JSON_TRIGGERS:
        conn.execute(sql)
    refresh_instance_arrays(conn)


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3, _v4, _v5, _v6, _v7]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection,
            announce: Callable[[int], None] | None = None) -> int:
    """Bring the database up to :data:`SCHEMA_VERSION`; return the version found.
    ``announce(found)`` is called first when a pool made by an older version is
    upgraded (a large one takes a while: schema 7 about 16 s for 1,000,000 items)."""
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

"""Each item's instances kept also as the JSON array a self-instruct export line holds
(table ``instances_json``, schema 7), and what keeps those arrays honest: the instances
stay the truth, an array is dropped when they change, the store writes the arrays of
items that gained instances, and the export makes an array itself wherever a kept one
cannot be shown to be current."""

from __future__ import annotations

import sqlite3


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
INSTANCES_JSON_TRIGGERS = [
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

"""Schema 7 keeps each item's instances also as the JSON array the self-instruct export
writes (``instances_json``). The instances stay the truth: every row there equals the
array made from them, whichever way they were written, and an export reads the same
lines with or without the kept arrays."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from synthstudio.datasets.export import export
from synthstudio.records import Candidate, Instance, SeedTask
from synthstudio.store import Pool
from synthstudio.store.export_query import build_query
from synthstudio.store.instance_arrays import ARRAYS_CURRENT, instance_array
from synthstudio.store.schema import MIGRATIONS


def _item(n: int, instances: int) -> Candidate:
    return Candidate(recipe="self-instruct", instruction=f"Task {n} \u2028 \"q\" 任务",
                     status="accepted",
                     instances=[Instance(f"in {n}.{k} \\ \x01", f"out {n}.{k} 例子")
                                for k in range(instances)])


def arrays_kept(pool: Pool) -> bool:
    with pool.lock:
        return bool(pool.conn.execute(f"SELECT {ARRAYS_CURRENT}").fetchone()[0])


def _kept(pool: Pool) -> dict[int, list[dict[str, str]]]:
    with pool.lock:
        rows = pool.conn.execute("SELECT candidate_id, json FROM instances_json").fetchall()
    return {int(i): json.loads(j) for i, j in rows}


def _truth(pool: Pool) -> dict[int, list[dict[str, str]]]:
    """Each item's instances, read from ``instances`` in Python, for items that have any."""
    with pool.lock:
        rows = pool.conn.execute("SELECT candidate_id, input, output FROM instances "
                                 "WHERE candidate_id IS NOT NULL ORDER BY candidate_id, "
                                 "idx, id").fetchall()
    out: dict[int, list[dict[str, str]]] = {}
    for cid, inp, outp in rows:
        out.setdefault(int(cid), []).append({"input": inp or "", "output": outp or ""})
    return out


def test_every_write_of_the_store_keeps_the_arrays_equal_to_the_instances(pool):
    pool.add_seeds([SeedTask(instruction="A seed.", instances=[Instance("", "o")])])
    one = pool.add_candidate(_item(1, 2))
    many = pool.add_candidates([_item(n, n % 4) for n in range(2, 12)])
    assert _kept(pool) == _truth(pool) and one in _kept(pool)
    assert set(_kept(pool)) == {one, *(i for i, n in zip(many, range(2, 12), strict=True)
                                       if n % 4)}
    edited = pool.get_candidate(many[1])
    assert edited is not None
    edited.instances = [Instance("new", "changed")]
    pool.update_candidate(edited)
    emptied = pool.get_candidate(one)
    assert emptied is not None
    emptied.instances = []
    pool.update_candidate(emptied)
    pool.delete_candidates([many[2]])
    kept = _kept(pool)
    assert kept == _truth(pool)
    assert kept[many[1]] == [{"input": "new", "output": "changed"}]
    assert one not in kept and many[2] not in kept
    pool.add_seeds([SeedTask(instruction="Another.", instances=[Instance("", "o")])])
    assert arrays_kept(pool)  # a seed's instances are no item's


def _exported(pool: Pool, path: Path) -> dict[int, list[dict[str, str]]]:
    export(pool, "self-instruct", path)
    lines = [json.loads(x) for x in path.read_bytes().splitlines()]
    return {int(x["id"].rsplit("_", 1)[1]): x["instances"] for x in lines}


def test_a_change_to_the_instances_outside_the_store_is_never_exported_stale(pool, tmp_path):
    """Raw changes (a tool, a later migration): an update or delete drops the item's kept
    array (a trigger); an instance added by hand puts every kept array aside until the
    store writes again, which then brings that item's array up to date."""
    ids = pool.add_candidates([_item(n, 3) for n in range(6)])
    assert arrays_kept(pool)
    with pool.transaction() as conn:
        conn.execute("UPDATE instances SET output = 'edited by hand' WHERE candidate_id = ? "
                     "AND idx = 1", (ids[0],))
        conn.execute("DELETE FROM instances WHERE candidate_id = ? AND idx = 0", (ids[1],))
    # a tool with foreign keys off (SQLite's default) deletes an item, not its instances
    raw = sqlite3.connect(str(pool.path), isolation_level=None)
    raw.execute("DELETE FROM candidates WHERE id = ?", (ids[3],))
    raw.close()
    assert set(_kept(pool)) == {ids[2], ids[4], ids[5]} and arrays_kept(pool)
    # the others' kept arrays are read, the changed items' arrays made
    truth = _truth(pool)
    assert _exported(pool, tmp_path / "0.jsonl") == {
        i: truth[i] for i in (ids[0], ids[1], ids[2], ids[4], ids[5])}
    with pool.transaction() as conn:
        conn.execute("INSERT INTO instances (candidate_id, idx, input, output) "
                     "VALUES (?, 9, 'added', 'by hand')", (ids[2],))
    assert not arrays_kept(pool)
    truth = _truth(pool)
    wanted = {i: truth[i] for i in (ids[0], ids[1], ids[2], ids[4], ids[5])}
    got = _exported(pool, tmp_path / "a.jsonl")
    assert got == wanted
    assert got[ids[0]][1]["output"] == "edited by hand"
    assert got[ids[2]][-1] == {"input": "added", "output": "by hand"}
    pool.add_candidate(_item(99, 1))  # the store writes: every array is current again
    kept, truth = _kept(pool), _truth(pool)
    assert arrays_kept(pool) and ids[2] in kept and kept == {i: truth[i] for i in kept}
    assert _exported(pool, tmp_path / "b.jsonl") == {**wanted, max(_truth(pool)): [
        {"input": "in 99.0 \\ \x01", "output": "out 99.0 例子"}]}


def test_the_export_is_the_same_with_and_without_the_kept_arrays(pool, tmp_path):
    pool.add_candidates([_item(n, n % 5) for n in range(40)])
    pool.add_candidate(Candidate(recipe="self-instruct", instruction="none",
                                 status="accepted"))
    export(pool, "self-instruct", tmp_path / "kept.jsonl")
    with pool.transaction() as conn:
        conn.execute("DELETE FROM instances_json")
    export(pool, "self-instruct", tmp_path / "made.jsonl")
    kept = (tmp_path / "kept.jsonl").read_bytes()
    assert kept == (tmp_path / "made.jsonl").read_bytes()
    assert kept.count(b'"instances":[]') == 9  # 8 items with n % 5 == 0, and "none"


def test_a_schema_6_pool_gains_an_array_for_every_item_with_instances(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(str(path), isolation_level=None)
    for migration in MIGRATIONS[:6]:
        migration(conn)
    conn.execute("PRAGMA user_version = 6")
    conn.executemany("INSERT INTO candidates (id, recipe, status, instruction) "
                     "VALUES (?, 'self-instruct', 'accepted', ?)",
                     [(i, f"t{i}") for i in range(1, 8)])
    # out of order on purpose: the array follows idx (then id), not the rows' order
    conn.executemany("INSERT INTO instances (candidate_id, idx, input, output) "
                     "VALUES (?, ?, ?, ?)",
                     [(2, 1, "b", "2"), (2, 0, "a", "1"), (5, 0, None, "x\x00y"),
                      (7, 3, "q", None), (7, 3, "r", "s")])
    conn.execute("INSERT INTO seeds (id, instruction) VALUES (1, 'a seed')")
    conn.execute("INSERT INTO instances (seed_id, idx, input, output) VALUES (1, 0, 'seed', 'o')")
    conn.close()
    with Pool(path) as pool:
        kept = _kept(pool)
        assert kept == _truth(pool)
        assert set(kept) == {2, 5, 7}
        assert kept[2] == [{"input": "a", "output": "1"}, {"input": "b", "output": "2"}]
        assert kept[7] == [{"input": "q", "output": ""}, {"input": "r", "output": "s"}]
        with pool.lock:
            made = pool.conn.execute(f"SELECT {instance_array('5')}").fetchone()[0]
            stored = pool.conn.execute("SELECT json FROM instances_json "
                                       "WHERE candidate_id = 5").fetchone()[0]
        assert made == stored and json.loads(stored)[0]["output"] == "x\x00y"


def test_the_fixture_pool_from_schema_3_reaches_schema_7_with_its_arrays(tmp_path):
    path = tmp_path / "pool.db"
    path.write_bytes((Path(__file__).parent / "data" / "pool-schema3.db").read_bytes())
    with Pool(path) as pool:
        assert pool.integrity_check() == "ok"
        assert _kept(pool) == _truth(pool) != {}


def _one_stale(pool: Pool, tmp_path: Path, change: list[str]) -> None:
    """Two items; ``change`` (raw SQL, ``{a}``/``{b}`` their ids) runs on a connection of
    its own; the export then shows each item's instances as they are."""
    a, b = pool.add_candidates([_item(1, 2), _item(2, 2)])
    raw = sqlite3.connect(str(pool.path), isolation_level=None)
    for sql in change:
        raw.execute(sql.format(a=a, b=b))
    raw.close()
    truth = _truth(pool)
    assert _exported(pool, tmp_path / "x.jsonl") == {i: truth.get(i, []) for i in (a, b)}


#: raw changes, each on a connection of its own (``{a}``/``{b}``: two items' ids), that
#: could leave a kept array stale if nothing caught them
HAND_CHANGES = {
    # without AUTOINCREMENT SQLite gives the largest id + 1: once the top rows are gone,
    # an id at or below the mark comes back (the mark follows the largest id down)
    "id-freed-at-the-top-given-again": [
        "DELETE FROM instances WHERE id = (SELECT max(id) FROM instances)",
        "INSERT INTO instances (candidate_id, idx, input, output) "
        "VALUES ({a}, 5, 'reused id', 'x')"],
    "a-delete-after-rows-past-the-mark": [
        "INSERT INTO instances (candidate_id, idx, input, output) "
        "VALUES ({a}, 5, 'past', 'the mark')",
        "DELETE FROM instances WHERE candidate_id = {b} AND idx = 0"],
    "id-below-the-mark-given-by-hand": [
        "DELETE FROM instances WHERE candidate_id = {b} AND idx = 0",
        "INSERT INTO instances (id, candidate_id, idx, input, output) "
        "VALUES (3, {a}, 7, 'old id', 'y')"],
    # INSERT OR REPLACE removes the old row without firing delete triggers
    "insert-or-replace-moves-a-row": [
        "INSERT OR REPLACE INTO instances (id, candidate_id, idx, input, output) "
        "VALUES (1, {b}, 9, 'moved', 'z')"],
    "negative-id-given-by-hand": [
        "INSERT INTO instances (id, candidate_id, idx, input, output) "
        "VALUES (-5, {a}, 9, 'negative', 'id')"],
    # UPDATE OR REPLACE removes the row in the way without a delete trigger
    "id-changed-onto-another-row": [
        "UPDATE OR REPLACE instances SET id = (SELECT min(id) FROM instances "
        "WHERE candidate_id = {a}) WHERE id = (SELECT max(id) FROM instances)"],
    "id-changed-downward-then-an-insert": [
        "UPDATE instances SET id = 0 WHERE id = (SELECT max(id) FROM instances)",
        "INSERT INTO instances (candidate_id, idx, input, output) "
        "VALUES ({a}, 9, 'after', 'the change')"],
}


@pytest.mark.parametrize("change", list(HAND_CHANGES.values()), ids=list(HAND_CHANGES))
def test_a_change_by_hand_is_never_exported_stale(pool, tmp_path, change):
    _one_stale(pool, tmp_path, change)


def test_an_item_deleted_through_the_store_frees_ids_that_come_back(pool, tmp_path):
    a, b = pool.add_candidates([_item(1, 2), _item(2, 2)])
    pool.delete_candidates([b])
    with pool.transaction() as conn:
        conn.execute("INSERT INTO instances (candidate_id, idx, input, output) "
                     "VALUES (?, 3, 'after', 'delete')", (a,))
    c = pool.add_candidate(_item(3, 1))
    truth = _truth(pool)
    assert _exported(pool, tmp_path / "x.jsonl") == {a: truth[a], c: truth[c]}
    assert truth[a][-1] == {"input": "after", "output": "delete"}
    assert set(_kept(pool)) == {c} or _kept(pool)[a] == truth[a]


def test_a_blob_written_by_hand_fails_only_its_own_export(pool, tmp_path):
    """JSON cannot hold a BLOB: the item gets no kept array, every other write and the
    pool's opening go on, and exporting that item fails as it did before schema 7."""
    a = pool.add_candidate(_item(1, 1))
    with pool.transaction() as conn:
        conn.execute("INSERT INTO instances (candidate_id, idx, input, output) "
                     "VALUES (?, 1, x'00ff', 'o')", (a,))
    b = pool.add_candidate(_item(2, 1))
    pool.add_candidate(Candidate(recipe="textbook", instruction="t", text="x"))
    assert set(_kept(pool)) == {b}
    pool.close()
    with Pool(pool.path) as again:
        assert again.get_candidate(b) is not None


def test_a_store_write_reads_only_the_instances_past_the_mark(pool):
    """The refresh, and the export's check, search instances by id, not the whole
    (candidate_id, idx) index: on a pool of 900,000 instances walking that index took
    each write 100 ms."""
    from synthstudio.store.instance_arrays import refresh_instance_arrays

    pool.add_candidates([_item(n, 2) for n in range(20)])
    ran: list[str] = []
    with pool.lock:
        pool.conn.set_trace_callback(ran.append)
        try:
            refresh_instance_arrays(pool.conn)
        finally:
            pool.conn.set_trace_callback(None)
        plans = [[r[3] for r in pool.conn.execute("EXPLAIN QUERY PLAN " + sql)]
                 for sql in [*ran, f"SELECT {ARRAYS_CURRENT}"]]
    walked = [p for p in plans if any("SCAN instances" in x or "candidate_idx (candidate_id>?)"
                                      in x for x in p)]
    past_mark = [p for p in plans if any("instances USING INTEGER PRIMARY KEY (rowid>?)" in x
                                         for x in p)]
    assert len(ran) == 4 and not walked and len(past_mark) == 3, plans


#: the self-instruct line as schema 6 rendered it, in one json_object (kept here to hold
#: the new rendering to it byte for byte)
_OLD_LINE = (
    "SELECT CAST(json_object('id', 'synth_task_' || c.id, 'name', CASE WHEN "
    "instr(c.m, '\"name\"') THEN coalesce(nullif(trim(coalesce(CAST(json_extract(c.m, "
    "'$.name') AS TEXT), ''), ' '||char(9,10,13,12,11)), ''), 'synth_task_' || c.id) ELSE "
    "'synth_task_' || c.id END, 'instruction', c.instruction, 'instances', CASE WHEN "
    "count(i.id) THEN json_group_array(json_object('input', coalesce(i.input, ''), "
    "'output', coalesce(i.output, ''))) ELSE json_array() END, 'is_classification', "
    "json(CASE WHEN c.is_classification THEN 'true' ELSE 'false' END)) AS BLOB) FROM "
    "(SELECT id, instruction, is_classification, CASE WHEN meta = '{{}}' THEN '{{}}' WHEN "
    "json_valid(meta) THEN meta ELSE '{{}}' END AS m FROM candidates WHERE id = {cid}) AS c "
    "LEFT JOIN (SELECT * FROM instances ORDER BY candidate_id, idx) AS i "
    "ON i.candidate_id = c.id GROUP BY c.id"
)


def test_a_self_instruct_line_has_the_bytes_json_object_gave(pool):
    odd = ["", " x ", "\x00nul", "\u2028", "\"", "\\", "任务", "\x7f\x1f", "😀"]
    items = [Candidate(recipe="self-instruct", instruction=t, status="accepted",
                       is_classification=n % 2 == 0,
                       meta={"name": odd[-n]} if n % 3 else {},
                       instances=[Instance(u, odd[(n + k) % len(odd)])
                                  for k, u in enumerate(odd[:n % 4])])
             for n, t in enumerate(odd)]
    ids = pool.add_candidates(items)
    sql, params = build_query("self-instruct", recipe="self-instruct")
    with pool.lock:
        for cid in ids:
            new = pool.conn.execute(sql, {**params, "lo": cid - 1, "hi": cid}).fetchone()[2]
            old = pool.conn.execute(_OLD_LINE.format(cid=cid)).fetchone()[0]
            assert new == old


def test_a_command_says_once_that_it_upgrades_an_older_pool(tmp_path, capsys):
    from synthstudio.cli import main

    path = tmp_path / "old.db"
    conn = sqlite3.connect(str(path), isolation_level=None)
    for migration in MIGRATIONS[:6]:
        migration(conn)
    conn.execute("PRAGMA user_version = 6")
    conn.close()
    assert main(["pool", "stats", "--db", str(path)]) == 0
    first = " ".join(capsys.readouterr().err.split())  # rich wraps the line
    assert main(["pool", "stats", "--db", str(path)]) == 0
    again = capsys.readouterr().err
    assert "Upgrading the pool" in first and "from schema 6 to 7" in first
    assert "Upgrading" not in again
    assert main(["pool", "stats", "--db", str(tmp_path / "new.db")]) == 0
    assert "Upgrading" not in capsys.readouterr().err  # a new pool is made, not upgraded

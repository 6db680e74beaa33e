"""Schema 7 keeps each item's instances also as the JSON array the self-instruct export
writes (``instances_json``). The instances stay the truth: every row there equals the
array made from them, whichever way they were written, and an export reads the same
lines with or without the kept arrays."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from synthstudio.datasets.export import export
from synthstudio.records import Candidate, Instance, SeedTask
from synthstudio.store import Pool
from synthstudio.store.export_query import arrays_kept
from synthstudio.store.schema import MIGRATIONS, instance_array


def _item(n: int, instances: int) -> Candidate:
    return Candidate(recipe="self-instruct", instruction=f"Task {n} \u2028 \"q\" 任务",
                     status="accepted",
                     instances=[Instance(f"in {n}.{k} \\ \x01", f"out {n}.{k} 例子")
                                for k in range(instances)])


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

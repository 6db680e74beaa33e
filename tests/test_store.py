"""The pool: schema, migrations, transactions, provenance round trip, search, concurrency."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from synthstudio.errors import StoreError
from synthstudio.records import Candidate, FilterResult, Instance, SeedTask
from synthstudio.store import Pool, default_db_path
from synthstudio.store.schema import SCHEMA_VERSION


def test_wal_and_schema_version(pool):
    assert pool.query("PRAGMA journal_mode")[0]["journal_mode"] == "wal"
    assert pool.query("PRAGMA user_version")[0]["user_version"] == SCHEMA_VERSION
    tables = {r["name"] for r in pool.query("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"seeds", "candidates", "instances", "runs", "topics", "problems"} <= tables


def test_reopen_does_not_migrate_again(tmp_path):
    Pool(tmp_path / "p.db").close()
    with Pool(tmp_path / "p.db") as p:
        assert p.query("PRAGMA user_version")[0]["user_version"] == SCHEMA_VERSION


def test_newer_schema_refused(tmp_path):
    conn = sqlite3.connect(tmp_path / "p.db")
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(StoreError, match="newer synthstudio"):
        Pool(tmp_path / "p.db")


def test_not_a_database(tmp_path):
    (tmp_path / "junk.db").write_bytes(b"hello, I am not sqlite" * 100)
    with pytest.raises(StoreError, match="Cannot open the pool"):
        Pool(tmp_path / "junk.db")


def test_default_path_env(monkeypatch, tmp_path):
    monkeypatch.setenv("SYNTHSTUDIO_DB", str(tmp_path / "x.db"))
    assert default_db_path() == tmp_path / "x.db"
    monkeypatch.delenv("SYNTHSTUDIO_DB")
    assert default_db_path().name == "pool.db"


def test_candidate_round_trip_keeps_provenance(pool):
    c = Candidate(
        "self-instruct", instruction="把这句话翻译成英文", is_classification=False,
        instances=[Instance("你好", "Hello")],
        scores=[FilterResult("rouge_l", True, 0.31, 0.7, extra={"nearest": [["a", 0.3]]})],
        prompt=[{"role": "user", "content": "p"}], raw_output="raw",
        provenance={"model": "m", "options": {"temperature": 0.7, "seed": 3},
                    "requests": [{"step": "instructions", "stats": {"eval_tokens": 9}}]},
    )
    cid = pool.add_candidate(c)
    got = pool.get_candidate(cid)
    assert got.instruction == c.instruction and got.instances == c.instances
    assert got.scores == c.scores and got.prompt == c.prompt
    assert got.provenance == c.provenance and got.created_at


def test_keys_the_records_do_not_list_are_kept(pool):
    """An older pool's meta and provenance may hold keys CandidateMeta and Provenance do
    not name: reading the item back keeps them, and storing it again writes them."""
    cid = pool.add_candidate(Candidate("textbook", text="t", meta={"topic": "x", "old": [1]},
                                       provenance={"model": "m", "gone": {"a": 1}}))
    got = pool.get_candidate(cid)
    assert got.meta == {"topic": "x", "old": [1]}
    assert got.provenance == {"model": "m", "gone": {"a": 1}}
    got.meta["edited"] = True
    pool.update_candidate(got)
    again = pool.get_candidate(cid)
    assert again.meta == {"topic": "x", "old": [1], "edited": True}


def test_transaction_is_all_or_nothing(pool):
    with pytest.raises(RuntimeError):
        with pool.transaction():
            pool.add_seeds([SeedTask("Kept only if the whole block commits.")])
            pool.add_candidate(Candidate("self-instruct", instruction="also rolled back"))
            raise RuntimeError("crash in the middle")
    assert pool.count_seeds() == 0 and pool.counts()["proposed"] == 0


def test_status_changes_and_counts(pool):
    ids = [pool.add_candidate(Candidate("self-instruct", instruction=f"task {i}"))
           for i in range(4)]
    pool.set_status(ids[0], "accepted")
    pool.set_status(ids[1], "rejected", "user: dull")
    pool.set_status(ids[2], "rejected", "filter:rouge_l")
    assert pool.counts() == {"proposed": 1, "accepted": 1, "rejected": 2}
    assert pool.rejection_reasons() == {"user: dull": 1, "filter:rouge_l": 1}
    pool.set_status(ids[0], "proposed")  # un-accept
    assert pool.get_candidate(ids[0]).decided_at == ""
    with pytest.raises(ValueError):
        pool.set_status(ids[0], "maybe")


def test_search_fts_and_short_terms(pool):
    pool.add_candidate(Candidate("self-instruct", instruction="Explain photosynthesis simply"))
    pool.add_candidate(Candidate("self-instruct", instruction="解释光合作用的过程"))
    pool.add_candidate(Candidate("textbook", text="A story about tides and the moon"))
    assert [c.instruction for c in pool.candidates(search="photosynth")] == [
        "Explain photosynthesis simply"]
    assert len(pool.candidates(search="光合作用")) == 1
    assert len(pool.candidates(search="光合")) == 1  # under 3 chars: LIKE
    assert len(pool.candidates(search='tides "and')) == 0
    assert len(pool.candidates(search="tides and")) == 1


def test_seed_delete_and_undo(pool):
    [sid] = pool.add_seeds([SeedTask("Undo me please.", [Instance("a", "b")], name="u")])
    deleted = pool.delete_seed(sid)
    assert pool.count_seeds() == 0
    assert pool.restore_seed(deleted) == sid
    assert pool.get_seed(sid).instances == [Instance("a", "b")]


def test_iter_candidates_batches(pool):
    for i in range(25):
        pool.add_candidate(Candidate("self-instruct", instruction=f"t{i}",
                                     instances=[Instance(str(i), "o")]))
    got = list(pool.iter_candidates(batch=7))
    assert [c.instruction for c in got] == [f"t{i}" for i in range(25)]
    assert all(c.instances for c in got)


def test_two_connections_write_concurrently(tmp_path):
    a, b = Pool(tmp_path / "p.db"), Pool(tmp_path / "p.db")
    errors = []

    def writer(p, tag):
        try:
            for i in range(100):
                p.add_candidate(Candidate("self-instruct", instruction=f"{tag}{i}"))
        except Exception as exc:  # pragma: no cover - the failure we look for
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(p, t)) for p, t in ((a, "a"), (b, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert a.counts()["proposed"] == 200
    a.close()
    b.close()


def test_migration_from_version_one_keeps_data(tmp_path):
    from synthstudio.store.schema import MIGRATIONS

    conn = sqlite3.connect(tmp_path / "old.db", isolation_level=None)
    MIGRATIONS[0](conn)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO candidates (recipe, status, instruction) "
                 "VALUES ('self-instruct', 'accepted', 'kept across upgrades')")
    conn.close()
    with Pool(tmp_path / "old.db") as p:
        assert p.query("PRAGMA user_version")[0]["user_version"] == SCHEMA_VERSION
        assert p.candidates(status="accepted")[0].instruction == "kept across upgrades"
        plan = p.query("EXPLAIN QUERY PLAN SELECT id FROM candidates WHERE status = 'accepted' "
                       "AND id > 0 ORDER BY id LIMIT 10")
        assert "idx_candidates_status_id" in plan[0]["detail"]


def test_add_candidates_stores_what_add_candidate_stores(tmp_path):
    """Many rows per statement, ids assigned ahead: the same rows, ids and full-text
    matches as one ``add_candidate`` after another (over one statement's worth of rows,
    after a deleted item whose id is taken again)."""
    def items() -> list[Candidate]:
        return [Candidate(recipe="self-instruct", instruction=f"Name a colour {i} 红色",
                          instances=[Instance(f"in {i}", f"out {i}"), Instance("", "b")][
                              :1 + i % 2], meta={"n": i}, status="accepted" if i % 3 else
                          "proposed", scores=[FilterResult("x", bool(i % 2), i / 7)],
                          provenance={"original": {"k": [i, "é"]}},
                          created_at="2026-01-01T00:00:00.000+00:00")
                for i in range(1203)]

    def dump(pool: Pool) -> list[object]:
        return [pool.query("SELECT * FROM candidates ORDER BY id"),
                pool.query("SELECT * FROM candidate_provenance ORDER BY candidate_id"),
                pool.query("SELECT candidate_id, idx, input, output FROM instances "
                           "ORDER BY candidate_id, idx"),
                [c.id for c in pool.candidates(search="colour 12")],
                [c.id for c in pool.candidates(search="红色")][:5]]

    pools = []
    for name in ("one", "many"):
        pool = Pool(tmp_path / f"{name}.db")
        for c in items()[:3]:
            pool.add_candidate(c)
        pool.delete_candidates([3])
        batch = items()
        if name == "one":
            ids = [pool.add_candidate(c) for c in batch]
        else:
            ids = pool.add_candidates(batch)
        assert ids == [c.id for c in batch] == list(range(3, 3 + len(batch)))
        pools.append(pool)
    assert dump(pools[0]) == dump(pools[1])
    assert len(dump(pools[1])[3]) == 14  # colour 12, 120-129, 1200-1202
    for pool in pools:
        pool.close()


def testscores_json_is_the_json_of_the_results():
    """The scores column reuses the JSON of repeated results: never for two results that
    are equal in Python but not in JSON (0, 0.0, False, -0.0)."""
    from synthstudio.store.connection import _dumps
    from synthstudio.store.pool import scores_json

    odd: list[object] = [0, 0.0, -0.0, False, True, 1, 1.0, None, "", "0", float("nan"),
                         float("inf"), -float("inf"), (0, 1), (0.0, 1), [1], "é\u2028"]
    results = [FilterResult(name, passed, value, threshold, detail, extra)
               for name in ("a", "é")
               for passed in (True, False, 1)
               for value in odd
               for threshold in (0, 0.0, -0.0, "x")
               for detail in ("", "d")
               for extra in ({}, {"k": [1]})]
    for _ in range(2):  # the second time from the cache
        for r in results:
            assert scores_json([r]) == _dumps([r.as_dict()]), r
        assert scores_json(results) == _dumps([r.as_dict() for r in results])
    assert scores_json([]) == "[]"

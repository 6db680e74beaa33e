"""Schema 4 moves prompt, raw output and provenance to a side table: a pool written by the
code before it keeps every byte, and the items' table shrinks."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from synthstudio.records import Candidate
from synthstudio.store import Pool
from synthstudio.store.schema import MIGRATIONS, PROVENANCE_COLUMNS, SCHEMA_VERSION

OLD_COLUMNS = ("id", "run_id", "recipe", "status", "reason", "instruction",
               "is_classification", "text", "thinking", "answer", "meta", "scores", "prompt",
               "raw_output", "provenance", "created_at", "decided_at")
BIG = "x" * 5000


def old_pool(path: Path) -> list[tuple[object, ...]]:
    """A pool at schema 3, as the code before the side table wrote it, with awkward rows."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    for migration in MIGRATIONS[:3]:
        migration(conn)
    conn.execute("PRAGMA user_version = 3")
    conn.execute("INSERT INTO runs (id, recipe, status) VALUES (1, 'textbook', 'stopped')")
    rows = [
        (1, 1, "self-instruct", "accepted", "", "Write a poem.", 0, "", "", "", "{}",
         '[{"name":"rouge_l","passed":true,"value":0.2}]',
         '[{"role":"user","content":"8 tasks..."}]', "1. Write a poem.\n2. ",
         '{"model":"m","backend":"ollama","requests":[]}', "2025-03-01T00:00:00.000+00:00",
         "2025-03-01T00:00:01.000+00:00"),
        (2, 1, "textbook", "proposed", "", "光合作用", None, "文本 \u2028 with U+2028\x00nul",
         "", "", '{"topic":"光合作用"}', "[]", "not json at all", "raw \x00 nul 🎉",
         "{broken", "2025-03-02T00:00:00.000+00:00", None),
        (3, None, "reasoning", "rejected", "wrong", "2+2?", None, "", "think", "5", "{}",
         "[]", None, None, None, "2025-03-03T00:00:00.000+00:00", "x"),
        (5, None, "textbook", "accepted", "", "big", None, BIG, "", "", "{}", "[]",
         '["' + BIG + '"]', BIG, '{"raw":"' + BIG + '"}', "2025-03-04", "2025-03-04"),
    ]
    conn.executemany(f"INSERT INTO candidates ({', '.join(OLD_COLUMNS)}) VALUES "
                     f"({', '.join('?' * len(OLD_COLUMNS))})", rows)
    conn.execute("INSERT INTO instances (candidate_id, idx, input, output) "
                 "VALUES (1, 0, '', 'Roses are red.')")
    conn.close()
    return rows


def test_an_old_pool_keeps_every_byte(tmp_path):
    path = tmp_path / "old.db"
    rows = old_pool(path)
    with Pool(path) as pool:
        assert pool.query("PRAGMA user_version")[0]["user_version"] == SCHEMA_VERSION
        assert pool.integrity_check() == "ok"
        assert not pool.query("PRAGMA foreign_key_check")
        cols = {r["name"] for r in pool.query("PRAGMA table_info(candidates)")}
        assert cols.isdisjoint(PROVENANCE_COLUMNS) and "text" in cols
        kept = [c for c in OLD_COLUMNS if c not in PROVENANCE_COLUMNS]
        got = pool.conn.execute(
            f"SELECT {', '.join(f'c.{c}' for c in kept)}, "
            f"{', '.join(f'p.{c}' for c in PROVENANCE_COLUMNS)}, "
            f"{', '.join(f'typeof(p.{c})' for c in PROVENANCE_COLUMNS)} FROM candidates AS c "
            "JOIN candidate_provenance AS p ON p.candidate_id = c.id ORDER BY c.id").fetchall()
        assert len(got) == len(rows)
        for old, new in zip(rows, got, strict=True):
            by_name = dict(zip(OLD_COLUMNS, old, strict=True))
            assert new[:len(kept)] == tuple(by_name[c] for c in kept)
            assert new[len(kept):len(kept) + 3] == tuple(by_name[c] for c in PROVENANCE_COLUMNS)
        assert got[0][-3:] == ("text", "text", "text")
        assert got[2][-3:] == ("null", "null", "null")
        # the studio's view of an item is what it was
        c = pool.get_candidate(1)
        assert c is not None and c.prompt == [{"role": "user", "content": "8 tasks..."}]
        assert c.raw_output == "1. Write a poem.\n2. " and c.provenance["model"] == "m"
        assert c.instances[0].output == "Roses are red."
        broken = pool.get_candidate(2)
        assert broken is not None and broken.raw_output == "raw \x00 nul 🎉"
        assert broken.prompt == [] and broken.provenance == {}
        # full-text search and the triggers still work on the rebuilt table
        assert [x.id for x in pool.candidates(search="光合作")] == [2]
        new_id = pool.add_candidate(Candidate(recipe="textbook", text="a new 光合作用 text",
                                              provenance={"model": "n"}))
        assert {x.id for x in pool.candidates(search="光合作")} == {2, new_id}
        assert pool.get_candidate(new_id).provenance == {"model": "n"}  # type: ignore[union-attr]


def test_new_items_keep_provenance_beside_them(pool):
    c = Candidate(recipe="self-instruct", instruction="Name a colour.",
                  prompt=[{"role": "user", "content": "p"}], raw_output="raw",
                  provenance={"model": "m", "requests": [{"step": "x"}]})
    cid = pool.add_candidate(c)
    row = pool.query("SELECT * FROM candidate_provenance WHERE candidate_id = ?", [cid])[0]
    assert row["raw_output"] == "raw" and '"model":"m"' in row["provenance"]
    again = pool.candidates()[0]
    assert (again.prompt, again.raw_output, again.provenance) == (c.prompt, "raw",
                                                                  c.provenance)


def _dump(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_pool_written_by_the_code_before_keeps_every_byte(tmp_path):
    """``tests/data/pool-schema3.db`` was written by ``Pool`` at schema 3 (the code before
    the side table): escapes, NUL, U+2028, CJK, 20 kB fields, a run and instances."""
    path = tmp_path / "pool.db"
    path.write_bytes((Path(__file__).parent / "data" / "pool-schema3.db").read_bytes())
    before = _dump(path, f"SELECT {', '.join(OLD_COLUMNS)} FROM candidates ORDER BY id")
    others = {t: _dump(path, f"SELECT * FROM {t} ORDER BY id")
              for t in ("runs", "instances", "seeds", "topics", "problems")}
    assert _dump(path, "PRAGMA user_version") == [(3,)] and len(before) == 3
    with Pool(path) as pool:
        assert pool.integrity_check() == "ok"
        shown = [pool.get_candidate(int(str(row[0]))) for row in before]
    kept = [c for c in OLD_COLUMNS if c not in PROVENANCE_COLUMNS]
    after = _dump(path, f"SELECT {', '.join(f'c.{c}' for c in kept)}, "
                        f"{', '.join(f'p.{c}' for c in PROVENANCE_COLUMNS)} FROM candidates "
                        "AS c JOIN candidate_provenance AS p ON p.candidate_id = c.id "
                        "ORDER BY c.id")
    order = kept + list(PROVENANCE_COLUMNS)
    assert [tuple(dict(zip(OLD_COLUMNS, row, strict=True))[c] for c in order)
            for row in before] == after
    assert {t: _dump(path, f"SELECT * FROM {t} ORDER BY id") for t in others} == others
    first = shown[0]
    assert first is not None and "\x1b[31mred" in first.raw_output
    assert first.provenance["requests"][0]["raw"] == "ü \u2028 \x00 nul"
    assert shown[1] is not None and len(shown[1].raw_output) == 20000


def test_statuses_read_back_as_enums(pool):
    from synthstudio.records import ItemStatus

    cid = pool.add_candidate(Candidate(recipe="textbook", text="t", status=ItemStatus.ACCEPTED))
    c = pool.get_candidate(cid)
    assert c is not None and c.status is ItemStatus.ACCEPTED and c.status == "accepted"
    with pool.transaction() as conn:  # written by some later version
        conn.execute("UPDATE candidates SET status = 'archived' WHERE id = ?", (cid,))
    assert pool.get_candidate(cid).status is ItemStatus.PROPOSED  # type: ignore[union-attr]


def test_an_imported_pool_keeps_its_sources_in_the_side_table(tmp_path):
    """``tests/data/pool-schema3-imported.db`` was written at schema 3 by ``synthstudio
    import --status accepted`` of main before schema 4 (two Alpaca lines, one with CJK,
    U+2028 and a NUL, and a ShareGPT line): after the migration each item's source file,
    line, index, format and original record sit in ``candidate_provenance``, the studio
    and export read them back, and an import taken back removes them too."""
    path = tmp_path / "pool.db"
    path.write_bytes((Path(__file__).parent / "data" / "pool-schema3-imported.db").read_bytes())
    before = _dump(path, "SELECT id, provenance FROM candidates ORDER BY id")
    assert _dump(path, "PRAGMA user_version") == [(3,)] and len(before) == 3
    with Pool(path) as pool:
        assert pool.integrity_check() == "ok"
        assert not pool.query("PRAGMA foreign_key_check")
        side = [(r["candidate_id"], r["provenance"]) for r in pool.query(
            "SELECT candidate_id, provenance FROM candidate_provenance ORDER BY candidate_id")]
        assert side == before
        items = pool.candidates(status="accepted")
        sources = [c.provenance["source"] for c in items]
        assert [(s["line"], s["index"], s["format"]) for s in sources] == [
            (1, 0, "alpaca"), (2, 1, "alpaca"), (3, 2, "sharegpt")]
        assert all(s["file"].endswith("in.jsonl") for s in sources)
        assert items[1].provenance["original"]["input"] == "Hello\x00world"
        assert "\u2028" in items[1].provenance["original"]["instruction"]
        assert items[2].provenance["original"]["conversations"][1]["value"] == "4"
        assert pool.delete_candidates([c.id for c in items if c.id is not None]) == 3
        assert pool.query("SELECT count(*) AS n FROM candidate_provenance")[0]["n"] == 0
        assert not pool.query("PRAGMA foreign_key_check")


def test_tally_reads_counts_reasons_and_the_newest_id_together(pool):
    """The studio's live count starts from ``tally`` (on the store's lock)."""
    from synthstudio.records import ItemStatus

    assert pool.tally() == ({"proposed": 0, "accepted": 0, "rejected": 0}, {}, 0)
    for status, reason in ((ItemStatus.ACCEPTED, ""), (ItemStatus.REJECTED, "filter:x"),
                           (ItemStatus.REJECTED, "filter:x"), (ItemStatus.PROPOSED, "")):
        pool.add_candidate(Candidate(recipe="textbook", text="t", status=status,
                                     reason=reason))
    counts, reasons, last = pool.tally()
    assert counts == {"proposed": 1, "accepted": 1, "rejected": 2}
    assert reasons == {"filter:x": 2} and last == 4


def test_a_new_pool_gets_the_schema_sqlite_utils_made(tmp_path):
    """Schema 1 is plain SQL now; a new pool's ``sqlite_master`` is still, byte for byte,
    the one a pool got when sqlite-utils ran it (``tests/data/pool_schema.jsonl``), with
    schema 6's index on instances (candidate_id, idx) in place of the one on candidate_id,
    and schema 7's instances_json table with its triggers."""
    Pool(tmp_path / "new.db").close()
    conn = sqlite3.connect(tmp_path / "new.db")
    got = [list(r) for r in conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid")]
    conn.close()
    text = (Path(__file__).parent / "data" / "pool_schema.jsonl").read_text(encoding="utf-8")
    assert got == [json.loads(line) for line in text.splitlines()]


def test_a_new_pool_imports_neither_sqlite_utils_nor_pandas(tmp_path):
    """Opening (and migrating) a pool costs no pandas; ``Pool.db`` works without it."""
    code = ("import sys\n"
            "from synthstudio.store import Pool\n"
            "p = Pool(sys.argv[1])\n"
            "print(sorted(m for m in ('pandas', 'numpy', 'sqlite_utils') if m in sys.modules))\n"
            "print(p.db.table('seeds').count)\n"
            "print(sorted(m for m in ('pandas', 'numpy') if m in sys.modules))\n"
            "import pandas\n"  # hidden only while sqlite_utils was imported
            "print('pandas' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "p.db")],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["[]", "0", "[]", "True"]


def test_export_reads_instances_in_order_from_the_index(pool):
    """Schema 6 indexes instances by (candidate_id, idx): the export's join walks them in
    order instead of sorting every item's rows in a temporary tree."""
    from synthstudio.store.export_query import build_query

    sql, params = build_query("alpaca", batched=True, status="accepted")
    with pool.lock:
        plan = [r[3] for r in pool.conn.execute("EXPLAIN QUERY PLAN " + sql,
                                                 {**params, "lo": 0, "hi": 10})]
        names = {r[0] for r in pool.conn.execute(
            "SELECT name FROM sqlite_master WHERE tbl_name = 'instances' AND type = 'index'")}
    assert any("idx_instances_candidate_idx" in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan
    assert "idx_instances_candidate_id" not in names

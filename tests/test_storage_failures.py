"""Storage failures: disk full, a pool that cannot be written, a damaged pool.

Each ends in one sentence with the way on (free space, permissions, restore) instead of a
traceback, the first error is the one reported (SQLite had already rolled back: a second
ROLLBACK said "cannot rollback - no transaction is active"), and a run is marked stopped
when the pool still takes that one small write.

Simulated without root tricks: disk full with ``PRAGMA max_page_count`` (the pool cannot
grow by a page), read-only with ``PRAGMA query_only`` (the tests run as root, where chmod
does not stop writes), damage by overwriting pages of a copy.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from synthstudio.cli import generate_cmd, main
from synthstudio.errors import StoreError
from synthstudio.records import Candidate
from synthstudio.store import Pool
from tests.conftest import PUBLIC_SEEDS
from tests.crash_harness import MODEL, SelfInstructStandin

pytestmark = pytest.mark.timeout(120)


def fill_disk(pool: Pool) -> None:
    """From now on the pool cannot take one more page, as on a full disk."""
    pool.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = pool.conn.execute("PRAGMA page_count").fetchone()[0]
    pool.conn.execute(f"PRAGMA max_page_count = {pages}")


def big_candidate(i: int) -> Candidate:
    return Candidate(recipe="textbook", instruction=f"topic {i}", text="x" * 20_000)


def test_disk_full_is_the_first_error_in_one_sentence(pool: Pool) -> None:
    fill_disk(pool)
    with pytest.raises(StoreError) as err:
        for i in range(20):
            pool.add_candidate(big_candidate(i))
    assert str(err.value) == f"The pool {pool.path} cannot grow: the disk is full."
    assert "Free some space" in err.value.hint
    assert "rollback" not in err.value.full().lower()
    assert not pool.conn.in_transaction
    pool.conn.execute("PRAGMA max_page_count = 1000000")
    pool.add_candidate(big_candidate(99))  # the pool still works once there is room


def test_generate_on_a_full_disk_ends_in_a_sentence_and_stops_the_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = generate_cmd.open_pool

    def open_full(args: Any, **kw: Any) -> Pool:
        pool = real_open(args, **kw)
        fill_disk(pool)
        return pool

    monkeypatch.setattr(generate_cmd, "open_pool", open_full)
    db = tmp_path / "p.db"
    with SelfInstructStandin(chunk_delay=0, rejects=False) as ol:
        ol.decorate = lambda step, text: text + ("\n" + "y" * 3000) * 8 \
            if step == "instances" else text
        code = main(["generate", "--backend", "ollama", "--host", ol.url, "--model", MODEL,
                     "--no-pull", "--count", "40", "--auto-accept", "--db", str(db)])
    out = capsys.readouterr()
    assert code == 1, out.out + out.err
    assert "Traceback" not in out.err and "rollback" not in out.err.lower()
    assert f"error: The pool {db} cannot grow: the disk is full." in out.err
    with Pool(db) as pool:
        assert [r["status"] for r in pool.query("SELECT status FROM runs")] == ["stopped"]


def test_a_read_only_pool_is_one_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from synthstudio.cli import seeds_cmd

    real_open = seeds_cmd.open_pool

    def open_ro(args: Any, **kw: Any) -> Pool:
        pool = real_open(args, **kw)
        pool.conn.execute("PRAGMA query_only = ON")
        return pool

    monkeypatch.setattr(seeds_cmd, "open_pool", open_ro)
    db = tmp_path / "p.db"
    code = main(["seeds", "import", str(PUBLIC_SEEDS), "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert f"error: The pool {db} is read-only: synthstudio cannot write to it." in err
    assert "permissions" in err


def test_a_pool_opened_read_only_by_sqlite_is_one_sentence(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    Pool(db).close()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    with pytest.raises(sqlite3.Error) as exc:
        conn.execute("INSERT INTO runs (recipe) VALUES ('x')")
    from synthstudio.store.failures import storage_error

    assert "is read-only" in str(storage_error(exc.value, db))


def damaged_copy(tmp_path: Path) -> Path:
    db = tmp_path / "p.db"
    assert main(["seeds", "import", str(PUBLIC_SEEDS), "--db", str(db)]) == 0
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    bad = tmp_path / "bad.db"
    shutil.copy(db, bad)
    data = bytearray(bad.read_bytes())
    size = 4096
    for page in range(len(data) // size // 2, len(data) // size):
        data[page * size: page * size + 100] = b"\xa5" * 100
    bad.write_bytes(bytes(data))
    return bad


@pytest.mark.parametrize("command", [["report"], ["pool", "stats"], ["seeds", "list"],
                                     ["seeds", "export"]])
def test_a_damaged_pool_is_one_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        command: list[str]) -> None:
    bad = damaged_copy(tmp_path)
    capsys.readouterr()
    code = main([*command, "--db", str(bad)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and "DatabaseError" not in err
    assert err.startswith(f"error: The pool {bad} is damaged (")
    assert "Restore the pool from a backup" in err


def test_a_full_disk_while_writing_a_file_is_one_sentence(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from synthstudio.cli import seeds_cmd

    def full(*args: Any, **kw: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out.jsonl"))

    monkeypatch.setattr(seeds_cmd, "cmd_export", lambda args: full())
    code = main(["seeds", "export", "-o", str(tmp_path / "out.jsonl"),
                 "--db", str(tmp_path / "p.db")])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert f"error: The disk is full: cannot write {tmp_path / 'out.jsonl'}." in err

"""A write that waits for another process's lock says so after a second.

Before, a pending lock held by another process made a write wait up to 30 s in silence.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from synthstudio.cli import main
from synthstudio.records import Candidate
from synthstudio.store import Pool
from synthstudio.store.connection import WAIT_MESSAGE, WAIT_NOTICE_S
from tests.conftest import PUBLIC_SEEDS

pytestmark = pytest.mark.timeout(60)


def hold_lock(db: Path, seconds: float) -> threading.Thread:
    """Another writer (its own connection, as another process would be) holds the write
    lock for ``seconds``, then commits."""
    conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")

    def release() -> None:
        time.sleep(seconds)
        conn.execute("COMMIT")
        conn.close()

    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    return thread


def test_store_calls_on_wait_once_after_a_second_of_waiting(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    with Pool(db) as pool:
        calls: list[float] = []
        pool.on_wait = lambda: calls.append(time.monotonic())
        pool.add_candidate(Candidate(recipe="textbook", instruction="free", text="t"))
        assert calls == []  # no wait, no word
        holder = hold_lock(db, 2.0)
        t0 = time.monotonic()
        pool.add_candidate(Candidate(recipe="textbook", instruction="waited", text="t"))
        holder.join()
        assert len(calls) == 1 and calls[0] - t0 >= WAIT_NOTICE_S * 0.9
        assert len(pool.candidates()) == 2


def test_cli_says_it_waits_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    db = tmp_path / "p.db"
    Pool(db).close()
    holder = hold_lock(db, 2.0)
    assert main(["seeds", "import", str(PUBLIC_SEEDS), "--db", str(db)]) == 0
    holder.join()
    out = capsys.readouterr()
    assert WAIT_MESSAGE in out.err and WAIT_MESSAGE not in out.out
    assert out.err.count(WAIT_MESSAGE) == 1


async def test_studio_says_it_waits(tmp_path: Path, pool: Pool) -> None:
    from tests.tui_kit import make_app, wait_for

    app = make_app(tmp_path, pool)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        holder = hold_lock(pool.path, 1.5)

        def write() -> None:
            pool.add_candidate(Candidate(recipe="textbook", instruction="w", text="t"))

        worker = threading.Thread(target=write)
        worker.start()
        await wait_for(pilot, lambda: any(WAIT_MESSAGE in str(n.message)
                                          for n in app._notifications))
        worker.join()
        holder.join()

"""Running the export's queries (:mod:`synthstudio.store.export_query`) over a pool, a
range of ids at a time, in order, while the consumer writes the previous range.

One reader thread with its own connection renders the next ranges; a second thread does
not help: two threads rendering JSON in one SQLite library contend on its allocator and
each runs at half speed. From :data:`PROCESS_FROM` ids on, a spawned reader process
takes ranges as well, once it has started: two processes do not contend.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

from synthstudio.errors import StoreError
from synthstudio.store.connection import PoolBase
from synthstudio.store.export_query import Row

T = TypeVar("T")
#: ids per query; each query renders the lines of up to this many items
BATCH = 5000
#: reader threads, each with its own connection (see the module's docstring for why one)
WORKERS = 1


def as_is(rows: list[Row]) -> list[Row]:
    return rows


def export_batches(pool: PoolBase, sql: str, params: dict[str, Any], *,
                   post: Callable[[list[Row]], T] = as_is) -> Iterator[T]:  # type: ignore[assignment]
    """``post(rows)`` for consecutive id ranges of ``pool``, in order (see
    :func:`read_batches`); a pool in memory is read in one piece on its own connection."""
    if str(pool.path) == ":memory:":  # no second connection possible: read in place
        whole = {**params, "lo": -1, "hi": 1 << 62}
        with pool.lock:
            return iter([post(pool.conn.execute(sql, whole).fetchall())])

    def guarded() -> Iterator[T]:
        try:
            yield from read_batches(pool.path, sql, params, post=post)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"Cannot read the pool {pool.path}: {exc}.") from exc

    return guarded()


#: id ranges from which a reader process joins the reader thread (starting one costs
#: about 0.3 s; see :func:`read_batches`); 0 turns it off
PROCESS_FROM = 200_000

_process_conns: dict[str, sqlite3.Connection] = {}


def _open_in_process(path: str) -> sqlite3.Connection:
    """The reader process's connection to ``path``, kept for every batch, inside one read
    transaction (the first call, made as soon as the process starts, opens it)."""
    conn = _process_conns.get(path)
    if conn is None:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.execute("BEGIN")
        _process_conns[path] = conn
    return conn


def _ready_in_process(path: str) -> bool:
    _open_in_process(path)
    return True


def _render_in_process(path: str, sql: str, params: dict[str, Any]) -> list[Any]:
    """One batch, in a reader process."""
    return _open_in_process(path).execute(sql, params).fetchall()


def _reader_process() -> ProcessPoolExecutor | None:
    if (os.cpu_count() or 1) < 2:
        return None
    try:  # a fresh interpreter: forking a process that runs threads is unsafe
        return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    except (OSError, ValueError, ImportError):
        return None


def read_batches(path: Path, sql: str, params: dict[str, Any], *, batch: int | None = None,
                 workers: int | None = None,
                 post: Callable[[list[Row]], T] = as_is) -> Iterator[T]:  # type: ignore[assignment]
    """Run ``sql`` over consecutive id ranges; yield ``post(rows)`` of each range, in order.

    Each worker thread reads through its own connection inside one read transaction and
    applies ``post`` there (e.g. encoding, off the consumer's thread). From
    :data:`PROCESS_FROM` ids on, a reader process takes every other range: two threads
    rendering JSON in one SQLite library contend (module docstring), two processes do
    not, so on two cores the SQL runs about twice as fast; its rows are given to ``post``
    here. At most two ranges per reader are held at once. Should the process die, its
    ranges are read again here, and the rest by the threads.
    """
    size = batch or BATCH
    workers = max(1, workers or WORKERS)
    conns: list[sqlite3.Connection] = []
    local = threading.local()
    lock = threading.Lock()

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None,
                               check_same_thread=False)
        conn.execute("BEGIN")
        with lock:
            conns.append(conn)
        return conn

    def run(lo: int) -> T:
        if not hasattr(local, "conn"):
            local.conn = connect()
        return post(local.conn.execute(sql, {**params, "lo": lo, "hi": lo + size}).fetchall())

    pending: deque[tuple[Future[Any], int, bool]] = deque()  # (future, lo, in the process)
    executor = ThreadPoolExecutor(workers, thread_name_prefix="export")
    process = started = None  # the reader process while it serves; the one started
    ready: Future[bool] | None = None  # done once the process has started
    where = str(Path(path).resolve())

    def submit(lo: int) -> None:
        # the process takes a range once it has started (until then the thread takes them
        # all: spawning takes a few tenths of a second) and while it holds no more than
        # the thread; ranges are yielded in order whichever reader had them
        in_process = sum(1 for _f, _lo, mine in pending if mine)
        if (process is not None and ready is not None and ready.done()
                and ready.exception() is None and in_process <= len(pending) - in_process):
            pending.append((process.submit(_render_in_process, where, sql,
                                           {**params, "lo": lo, "hi": lo + size}), lo, True))
        else:
            pending.append((executor.submit(run, lo), lo, False))

    try:
        top = int(connect().execute("SELECT coalesce(max(id), 0) FROM candidates").fetchone()[0])
        if PROCESS_FROM and top >= PROCESS_FROM:
            process = started = _reader_process()
        if process is not None:
            ready = process.submit(_ready_in_process, where)
        starts = iter(range(0, top, size))
        for lo in starts:
            submit(lo)
            if len(pending) >= 2 * (workers + (process is not None)):
                break
        while pending:
            fut, lo, in_process = pending.popleft()
            if in_process:
                try:
                    rows = post(fut.result())
                except BrokenProcessPool:
                    process = None  # the threads take over, from this range on
                    rows = run(lo)
            else:
                rows = fut.result()
            nxt = next(starts, None)
            if nxt is not None:
                submit(nxt)
            yield rows
    finally:
        for fut, _lo, _in in pending:
            fut.cancel()
        executor.shutdown(wait=True)
        if started is not None:
            started.shutdown(wait=True, cancel_futures=True)
        for conn in conns:
            conn.close()

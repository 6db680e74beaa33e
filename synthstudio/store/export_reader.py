"""Running the export's queries (:mod:`synthstudio.store.export_query`) over a pool, a
range of ids at a time, in order, while the consumer writes the previous range.

One reader thread with its own connection renders the next ranges; a second thread does
not help: two threads rendering JSON in one SQLite library contend on its allocator and
each runs at half speed. From :data:`PROCESS_FROM` ids on, a reader process
(:mod:`synthstudio.store.export_process`) takes ranges as well, once it has started: two
processes do not contend.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sqlite3
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, InvalidStateError, ThreadPoolExecutor
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


#: id ranges from which a reader process joins the reader thread (starting one costs a few
#: hundredths of a second; see :func:`read_batches`); 0 turns it off
PROCESS_FROM = 200_000
#: bytes of the pool each reader maps into memory instead of copying them in with a system
#: call per page (SQLite caps it at its compile-time limit, 2 GB by default; 0 turns it off):
#: the export reads the pool once, front to back, and a read-only mapping costs no copy
MMAP = 1 << 32
_SCRIPT = Path(__file__).with_name("export_process.py")


def _plain(value: Any) -> Any:
    """``value`` as its base type (a ``StrEnum`` member as its text)."""
    kinds: tuple[type, ...] = (bool, int, float, str, bytes)
    for kind in kinds:
        if isinstance(value, kind):
            return kind(value)
    return value


def _settle(fut: Future[Any], outcome: Any) -> None:
    """Give ``fut`` its result, or its exception, unless it is done (cancelled) already."""
    with contextlib.suppress(InvalidStateError):
        if isinstance(outcome, BaseException):
            fut.set_exception(outcome)
        else:
            fut.set_result(outcome)


class ReaderGone(Exception):
    """The reader process ended before it answered."""


class ReaderProcess:
    """A reader in a child interpreter (:mod:`synthstudio.store.export_process`, run by its
    path), with a thread that drains its answers as they come, so that it renders the next
    range while this one is written. :attr:`ready` is done once the pool is open there."""

    def __init__(self, path: str, sql: str, params: dict[str, Any]) -> None:
        self._proc = subprocess.Popen([sys.executable, "-I", str(_SCRIPT)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL)
        self._asked: deque[Future[Any]] = deque()
        self._lock = threading.Lock()
        self._gone = False
        self.ready: Future[bool] = Future()
        # plain values only: marshal refuses subclasses (a status is a StrEnum)
        plain = {k: _plain(v) for k, v in params.items()}
        self._send((path, sql, plain, MMAP))
        self._drain = threading.Thread(target=self._answers, name="export-process",
                                       daemon=True)
        self._drain.start()

    def _send(self, obj: Any) -> None:
        stdin = self._proc.stdin
        assert stdin is not None
        marshal.dump(obj, stdin)
        stdin.flush()

    def _answers(self) -> None:
        out = self._proc.stdout
        try:
            self.ready.set_result(bool(marshal.load(out)))  # type: ignore[arg-type]
            while True:
                ok, value = marshal.load(out)  # type: ignore[arg-type]
                with self._lock:
                    fut = self._asked.popleft()
                _settle(fut, value if ok else sqlite3.DatabaseError(value))
        except (EOFError, OSError, ValueError, TypeError, IndexError):
            gone = ReaderGone(f"the export's reader process ended ({self._proc.poll()})")
            with self._lock:
                self._gone = True
                waiting, self._asked = list(self._asked), deque()
            for fut in [self.ready, *waiting]:
                _settle(fut, gone)

    def submit(self, lo: int, hi: int) -> Future[Any]:
        """The rows of ids ``lo < id <= hi``, once the process has rendered them."""
        fut: Future[Any] = Future()
        with self._lock:
            if self._gone:
                fut.set_exception(ReaderGone("the export's reader process has ended"))
                return fut
            self._asked.append(fut)
        try:
            self._send((lo, hi))
        except OSError:  # it died: the draining thread fails what was asked
            pass
        return fut

    def shutdown(self, *, now: bool = False) -> None:
        """End the process: its stdin closes and it exits once it has answered what it
        was asked (killed if that takes over 5 s), or at once with ``now``."""
        if now:
            self._proc.kill()
        try:
            if self._proc.stdin is not None:
                self._proc.stdin.close()
        except OSError:
            pass
        # the draining thread ends when the process's stdout does (a wait on an event,
        # where ``Popen.wait`` with a timeout polls)
        self._drain.join(5)
        if self._drain.is_alive():
            self._proc.kill()
            self._drain.join()
        self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()


def _reader_process(path: str, sql: str, params: dict[str, Any]) -> ReaderProcess | None:
    if (os.cpu_count() or 1) < 2 or not sys.executable:
        return None
    try:
        return ReaderProcess(path, sql, params)
    except (OSError, ValueError):
        return None


class _Ranges:
    """Consecutive id ranges handed to the readers as each becomes free (so a faster reader
    takes more of them), at most ``ahead`` ranges beyond the one the consumer waits for,
    and given back to the consumer in order whichever reader had them."""

    def __init__(self, count: int, ahead: int) -> None:
        self.count, self.ahead = count, ahead
        self._cond = threading.Condition()
        self._handed = 0  # ranges handed out
        self._taken = 0  # ranges the consumer has taken
        self._stopped = False
        self._done: dict[int, tuple[Future[Any], bool]] = {}

    def take(self) -> int | None:
        """The next range's index for a free reader (waiting while the readers are
        ``ahead`` ranges ahead), or None once there are no more or the consumer has left."""
        with self._cond:
            while (not self._stopped and self._handed < self.count
                   and self._handed - self._taken >= self.ahead):
                self._cond.wait()
            if self._stopped or self._handed >= self.count:
                return None
            self._handed += 1
            return self._handed - 1

    def put(self, k: int, fut: Future[Any], in_process: bool) -> None:
        """Range ``k`` is being read: its rows will be ``fut``'s result."""
        with self._cond:
            self._done[k] = (fut, in_process)
            self._cond.notify_all()

    def get(self, k: int) -> tuple[Future[Any], bool]:
        """Range ``k``'s future (whether a reader has it yet or not)."""
        with self._cond:
            while k not in self._done:
                self._cond.wait()
            self._taken = k + 1
            self._cond.notify_all()
            return self._done.pop(k)

    def stop(self) -> list[Future[Any]]:
        """No more ranges; the futures handed out and not taken (to cancel)."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
            left, self._done = [f for f, _p in self._done.values()], {}
            return left


def read_batches(path: Path, sql: str, params: dict[str, Any], *, batch: int | None = None,
                 workers: int | None = None,
                 post: Callable[[list[Row]], T] = as_is) -> Iterator[T]:  # type: ignore[assignment]
    """Run ``sql`` over consecutive id ranges; yield ``post(rows)`` of each range, in order.

    Each worker thread reads through its own connection inside one read transaction and
    applies ``post`` there (e.g. encoding, off the consumer's thread). From
    :data:`PROCESS_FROM` ids on, a :class:`ReaderProcess` reads ranges as well, once it has
    started: two threads rendering JSON in one SQLite library contend (module docstring),
    two processes do not, so on two cores the SQL runs about twice as fast; its rows are
    given to ``post`` here. Each reader takes the next range when it is free (:class:`_Ranges`):
    the thread shares its process with the consumer, which writes the file, so the reader
    process takes more than half. The process holds at most two ranges at once. Should it
    die, its ranges are read again here, and the rest by the threads.
    """
    size = batch or BATCH
    workers = max(1, workers or WORKERS)
    conns: list[sqlite3.Connection] = []
    local = threading.local()
    lock = threading.Lock()

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None,
                               check_same_thread=False)
        conn.execute(f"PRAGMA mmap_size = {MMAP}")
        conn.execute("BEGIN")
        with lock:
            conns.append(conn)
        return conn

    def run(lo: int) -> list[Row]:
        if not hasattr(local, "conn"):
            local.conn = connect()
        rows: list[Row] = local.conn.execute(
            sql, {**params, "lo": lo, "hi": lo + size}).fetchall()
        return rows

    top = int(connect().execute("SELECT coalesce(max(id), 0) FROM candidates").fetchone()[0])
    starts = range(0, top, size)
    process = None
    if PROCESS_FROM and top >= PROCESS_FROM:
        process = _reader_process(str(Path(path).resolve()), sql, params)
    ranges = _Ranges(len(starts), 2 * (workers + (process is not None)))

    def thread_reader() -> None:
        while (k := ranges.take()) is not None:
            fut: Future[Any] = Future()
            ranges.put(k, fut, False)
            if fut.set_running_or_notify_cancel():
                try:
                    _settle(fut, post(run(starts[k])))
                except BaseException as exc:  # noqa: BLE001 - the consumer raises it
                    _settle(fut, exc)

    def process_feeder(proc: ReaderProcess) -> None:
        room = threading.Semaphore(2)
        try:
            proc.ready.result()
        except BaseException:  # noqa: BLE001 - it never started: the threads read it all
            return
        while True:
            room.acquire()
            k = ranges.take()
            if k is None:
                return
            fut = proc.submit(starts[k], starts[k] + size)
            fut.add_done_callback(lambda _f: room.release())
            ranges.put(k, fut, True)
            if fut.done() and isinstance(fut.exception(), ReaderGone):
                return  # gone: this range is read again by the consumer

    executor = ThreadPoolExecutor(workers + 1, thread_name_prefix="export")
    finished = False
    try:
        for _ in range(workers):
            executor.submit(thread_reader)
        if process is not None:
            executor.submit(process_feeder, process)
        for k, lo in enumerate(starts):
            fut, in_process = ranges.get(k)
            if in_process:
                try:
                    rows = post(fut.result())
                except ReaderGone:
                    rows = post(run(lo))
            else:
                rows = fut.result()
            yield rows
        finished = True
    finally:
        for fut in ranges.stop():
            fut.cancel()
        if process is not None:
            # nothing left to ask: it ends by itself; else at once (its answers dropped)
            process.shutdown(now=not finished)
        executor.shutdown(wait=True)
        for conn in conns:
            conn.close()

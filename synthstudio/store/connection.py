"""One SQLite connection to a pool file: opening, WAL, migrations, transactions.

Every write happens inside :meth:`PoolBase.transaction` (``BEGIN IMMEDIATE``), so a kill
at any moment leaves either the whole write or none of it. A busy timeout lets the
studio and a headless ``generate`` share one file.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs

from synthstudio.errors import StoreError
from synthstudio.store.failures import storage_error
from synthstudio.store.schema import migrate

BUSY_TIMEOUT_MS = 30_000
#: a write that has waited this long for another process's lock calls ``Pool.on_wait``
WAIT_NOTICE_S = 1.0
#: what a person is told then (the CLI prints it on stderr; the studio in its status bar)
WAIT_MESSAGE = "waiting for another synthstudio process to finish writing…"


def default_db_path() -> Path:
    """``$SYNTHSTUDIO_DB``, else ``pool.db`` in the user data directory."""
    env = os.environ.get("SYNTHSTUDIO_DB")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("synthstudio")) / "pool.db"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


#: what ``json.dumps(obj, ensure_ascii=False, separators=(",", ":"))`` gives, without
#: building an encoder at each call (an import stores four JSON columns per item)
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _loads(text: str | None, default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def _wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL. On a new file another connection may hold it for its own switch or
    migration, and this pragma then fails at once instead of waiting: retry."""
    for attempt in range(100):
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 99:
                raise
            time.sleep(min(0.01 * (attempt + 1), 0.5))



#: optional imports of sqlite-utils (DataFrame and array column types) that synthstudio
#: never uses; pandas alone takes 1.5-3 s to import on the 2-core machine
_HEAVY_OPTIONAL = ("pandas", "numpy")


def import_sqlite_utils():  # type: ignore[no-untyped-def]
    """The ``sqlite_utils`` module, imported without its optional pandas and numpy
    (unless something else imported them already: then they cost nothing more)."""
    import sys

    if "sqlite_utils" in sys.modules:
        return sys.modules["sqlite_utils"]
    hidden = [name for name in _HEAVY_OPTIONAL if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        import sqlite_utils
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    return sqlite_utils


class PoolBase:
    """A connection to one pool file. Thread-safe for one process (a lock serialises use)."""

    def __init__(self, path: str | Path, *,
                 on_upgrade: Callable[[int], None] | None = None) -> None:
        """Open (make, migrate) the pool at ``path``; ``on_upgrade(schema found)`` is
        called before a pool from an older version is upgraded."""
        self.path = Path(path)
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                str(self.path), isolation_level=None, check_same_thread=False, timeout=30
            )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _wal(conn)
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            # re-reads the version under the write lock: safe across processes
            migrate(conn, on_upgrade)
        except sqlite3.DatabaseError as exc:
            mapped = storage_error(exc, self.path)
            # disk full, read-only, damaged: say so, with the way on (not for a file that
            # is no pool at all: that is more likely the wrong path)
            if mapped.hint and "not a database" not in str(exc):
                raise mapped from exc
            raise StoreError(
                f"Cannot open the pool {self.path}: {exc}.",
                "Check the path, or choose another pool with --db PATH.",
            ) from exc
        except OSError as exc:
            raise StoreError(f"Cannot create the pool {self.path}: {exc.strerror}.") from exc
        self.conn = conn
        #: serialises use of :attr:`conn` between threads
        self.lock = threading.RLock()
        self._depth = 0
        #: called once, from a timer thread, when a write has waited WAIT_NOTICE_S for
        #: another process's lock (it must not block; in the studio: post a message)
        self.on_wait: Callable[[], object] | None = None

    # -- plumbing -------------------------------------------------------------------

    @property
    def db(self):  # type: ignore[no-untyped-def]
        """A sqlite-utils view of the pool, for ad-hoc queries (imported on first use,
        without pandas: see :func:`import_sqlite_utils`)."""
        return import_sqlite_utils().Database(self.conn)

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    def __enter__(self) -> PoolBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write; nested calls join the outer transaction."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            try:
                self._begin()
            except sqlite3.Error as exc:
                raise storage_error(exc, self.path) from exc
            self._depth = 1
            try:
                yield self.conn
                self._depth = 0
                self.conn.execute("COMMIT")
            except BaseException as exc:
                self._depth = 0
                # SQLite may have rolled back already (disk full, a failed COMMIT): a second
                # ROLLBACK would fail and hide the first error
                if self.conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self.conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise storage_error(exc, self.path) from exc
                raise

    def _begin(self) -> None:
        # busy_timeout covers most waits; retry covers the rare SQLITE_BUSY on BEGIN. The
        # wait happens inside SQLite (the GIL released), so a timer says that it is waiting
        notice = None
        if self.on_wait is not None:
            notice = threading.Timer(WAIT_NOTICE_S, self.on_wait)
            notice.daemon = True
            notice.start()
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        try:
            for attempt in range(50):
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) and "busy" not in str(exc):
                        raise
                    if time.monotonic() >= deadline:
                        break
                    time.sleep(min(0.05 * (attempt + 1), 1.0))
        finally:
            if notice is not None:
                notice.cancel()
        raise StoreError(f"The pool {self.path} stayed locked by another process.",
                         "Close the other synthstudio, then try again.")

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        with self.lock:
            try:
                cur = self.conn.execute(sql, tuple(params))
                cols = [d[0] for d in cur.description or ()]
                return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
            except sqlite3.Error as exc:
                raise storage_error(exc, self.path) from exc

    def integrity_check(self) -> str:
        return str(self.query("PRAGMA integrity_check")[0]["integrity_check"])

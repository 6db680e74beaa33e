"""The studio's pool work, on one thread of its own, in the order it was asked for.

Every pool read and write the studio makes runs here, never on the event loop (which
only draws and dispatches keys): a decision's write, then the reads that must see it,
in order, so a list read after an accept shows the accept. A job with a ``key`` is
replaced by a newer one with the same key that is still waiting (the newest search, the
newest count), as an exclusive worker would be. Results go back as messages the job
posts itself (posting is thread-safe); failures go to ``on_error``. No textual here.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable
from typing import Any

_STOP = object()


class PoolThread:
    def __init__(self, on_error: Callable[[str, BaseException], None],
                 name: str = "synthstudio-pool") -> None:
        self._on_error = on_error
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._newest: dict[str, int] = {}
        self._serial = itertools.count(1)
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()

    def submit(self, what: str, fn: Callable[..., Any], *args: Any,
               key: str | None = None) -> None:
        """Run ``fn(*args)`` after everything submitted before (``what`` names it in an
        error). With ``key``, a newer job with the same key makes this one a no-op."""
        serial = next(self._serial)
        if key is not None:
            with self._lock:
                self._newest[key] = serial
        self._jobs.put((serial, key, what, fn, args))

    def _main(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job is _STOP:
                    return
                serial, key, what, fn, args = job
                if key is not None:
                    with self._lock:
                        if self._newest.get(key) != serial:
                            continue
                try:
                    fn(*args)
                except Exception as exc:  # noqa: BLE001 - reported, the thread goes on
                    self._on_error(what, exc)
            finally:
                self._jobs.task_done()

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every job submitted so far has run (True) or ``timeout`` passed."""
        done = threading.Event()
        self.submit("flush", done.set)
        return done.wait(timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Run what is queued (nothing accepted is lost), then end the thread."""
        if self._thread.is_alive():
            self._jobs.put(_STOP)
            self._thread.join(timeout)

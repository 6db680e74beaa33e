"""The export's reader process: run as a script by its path, it imports only the standard
library, so it starts in a few hundredths of a second and never imports the program that
started it (a spawned ``multiprocessing`` child re-imports the caller's main module:
0.3 s of CPU for the CLI, and tracebacks for a script without a main guard).

The protocol, over stdin and stdout, in ``marshal`` format (both ends are this Python):

1. in: ``(pool path, SQL, parameters, mmap bytes)``; out: ``True`` once the pool is open
   inside a read transaction;
2. then, for each ``(lo, hi)`` in: ``(True, rows)`` or ``(False, the error's text)``,
   in the order asked. The process ends when its stdin does.
"""

from __future__ import annotations

import marshal
import sqlite3
import sys


def serve(inp: object, out: object) -> None:
    """Answer range requests from ``inp`` on ``out`` (binary streams) until ``inp`` ends."""
    path, sql, params, mmap = marshal.load(inp)  # type: ignore[arg-type]
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        conn.execute(f"PRAGMA mmap_size = {int(mmap)}")
        conn.execute("BEGIN")
        marshal.dump(True, out)  # type: ignore[arg-type]
        out.flush()  # type: ignore[attr-defined]
        while True:
            try:
                lo, hi = marshal.load(inp)  # type: ignore[arg-type]
            except EOFError:
                return
            reply: tuple[bool, object]
            try:
                reply = (True, conn.execute(sql, {**params, "lo": lo, "hi": hi}).fetchall())
            except sqlite3.Error as exc:
                reply = (False, str(exc))
            marshal.dump(reply, out)  # type: ignore[arg-type]
            out.flush()  # type: ignore[attr-defined]
    finally:
        conn.close()


if __name__ == "__main__":
    try:
        serve(sys.stdin.buffer, sys.stdout.buffer)
    except (BrokenPipeError, KeyboardInterrupt):  # the exporter is gone: so is the job
        pass

"""What a SQLite failure on the pool means for a person: one sentence and the way on.

Disk full, a pool that cannot be written, a damaged file and a lock held too long each
get their own sentence; nothing here retries or repairs.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from synthstudio.errors import StoreError

FULL_HINT = "Free some space on that disk, then run it again; everything saved before is kept."
READONLY_HINT = ("Check the permissions of the file, its -wal and -shm files and its "
                 "folder, or choose another pool with --db PATH.")
DAMAGED_HINT = ("Restore the pool from a backup, or start a new one with --db PATH and "
                "import what you exported (`synthstudio export`, `seeds export`).")


def storage_error(exc: sqlite3.Error, path: str | Path) -> StoreError:
    """The StoreError for a SQLite error raised while using the pool at ``path``."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    low = text.lower()
    if name == "SQLITE_FULL" or "disk is full" in low:
        return StoreError(f"The pool {path} cannot grow: the disk is full.", FULL_HINT)
    if name.startswith("SQLITE_READONLY") or "readonly database" in low:
        return StoreError(f"The pool {path} is read-only: synthstudio cannot write to it.",
                          READONLY_HINT)
    if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or "malformed" in low \
            or "not a database" in low:
        return StoreError(f"The pool {path} is damaged ({text}).", DAMAGED_HINT)
    if name.startswith("SQLITE_IOERR") or "disk i/o error" in low:
        return StoreError(f"The disk failed while using the pool {path} ({text}).",
                          "Check the disk (and free space), then run it again.")
    if name in ("SQLITE_BUSY", "SQLITE_LOCKED") or "locked" in low:
        return StoreError(f"The pool {path} stayed locked by another process.",
                          "Close the other synthstudio, then try again.")
    return StoreError(f"The pool {path} failed: {text}.")

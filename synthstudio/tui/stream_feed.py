"""What one request has streamed and the studio has not shown yet.

The engine's thread puts chunks in; the studio's loop takes them in batches. ``put``
says whether the studio needs telling: only the first chunk after a ``take`` does, so
however fast tokens come, at most one notice waits in the studio's queue. One feed per
request, so several requests can stream side by side. No textual here.
"""

from __future__ import annotations

import threading

from synthstudio.backends.base import Chunk


class StreamFeed:
    def __init__(self, step: str = "") -> None:
        self.step = step
        self._lock = threading.Lock()
        self._chunks: list[Chunk] = []
        self._told = False

    def put(self, chunk: Chunk) -> bool:
        """Keep ``chunk``; True when the studio should be told (nothing told yet)."""
        with self._lock:
            self._chunks.append(chunk)
            if self._told:
                return False
            self._told = True
            return True

    def take(self) -> list[Chunk]:
        """The chunks since the last take (oldest first)."""
        with self._lock:
            chunks, self._chunks = self._chunks, []
            self._told = False
            return chunks

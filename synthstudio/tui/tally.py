"""The pool's counts as the studio shows them, kept from the events that change them.

A decision moves one item from one status (and rejection reason) to another; a new
candidate adds one. The studio applies these at once and, now and then, replaces the
whole tally with a fresh count read on its pool thread (another process may write the
same pool). ``last_id`` is the newest candidate that count saw, so a candidate the engine
reports after the count read it is not counted twice. No textual here.
"""

from __future__ import annotations

from synthstudio.curation import Decision
from synthstudio.records import REJECTED, STATUSES, Candidate, ItemStatus

NO_REASON = "(no reason)"


class Tally:
    def __init__(self) -> None:
        self.counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
        self.reasons: dict[str, int] = {}
        self.last_id = 0
        #: False until the first count arrives (the studio shows "counting…")
        self.known = False

    def checked(self, counts: dict[str, int], reasons: dict[str, int], last_id: int) -> None:
        self.counts = {**dict.fromkeys(STATUSES, 0), **counts}
        self.reasons = dict(reasons)
        self.last_id = max(self.last_id, last_id)
        self.known = True

    def _move(self, status: ItemStatus, reason: str, by: int) -> None:
        self.counts[status] = max(0, self.counts.get(status, 0) + by)
        if status == REJECTED:
            key = reason or NO_REASON
            n = self.reasons.get(key, 0) + by
            if n > 0:
                self.reasons[key] = n
            else:
                self.reasons.pop(key, None)

    def decided(self, d: Decision) -> None:
        if (d.old_status, d.old_reason) == (d.status, d.reason):
            return
        self._move(d.old_status, d.old_reason, -1)
        self._move(d.status, d.reason, +1)

    def arrived(self, c: Candidate) -> bool:
        """A candidate the engine stored; False if the last count already had it."""
        if c.id is None or c.id <= self.last_id:
            return False
        self.last_id = c.id
        self._move(c.status, c.reason, +1)
        return True

    def top_reasons(self) -> list[tuple[str, int]]:
        return sorted(self.reasons.items(), key=lambda kv: -kv[1])

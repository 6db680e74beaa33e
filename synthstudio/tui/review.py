"""The review queue and the decisions a person makes; no widgets, easy to test.

The queue holds the candidates that wait for a decision: every ``proposed`` one, and,
when ``show_filtered`` is on, those a filter rejected, so a person can overrule it.
Every decision is one pool write, and the recipe hears about it
(``on_status_changed``), so its ROUGE index and machine-task sample follow.
"""

from __future__ import annotations

from collections.abc import Iterable

from synthstudio.recipes.base import Recipe
from synthstudio.records import ACCEPTED, PROPOSED, REJECTED, Candidate, ItemStatus
from synthstudio.store import Pool

QUEUE_LIMIT = 2000
FILTERED_LIMIT = 500


def filtered_out(c: Candidate) -> bool:
    return c.status == REJECTED and c.reason.startswith("filter:")


class Curator:
    def __init__(self, pool: Pool, recipe: Recipe | None = None) -> None:
        self.pool = pool
        self.recipe = recipe
        self.show_filtered = False
        self.queue: list[Candidate] = []

    # -- the queue ----------------------------------------------------------------------

    def load(self) -> list[Candidate]:
        """Read the queue from the pool (oldest first)."""
        items = self.pool.candidates(status=PROPOSED, limit=QUEUE_LIMIT)
        if self.show_filtered:
            rejected = self.pool.candidates(status=REJECTED, limit=FILTERED_LIMIT,
                                            newest_first=True)
            items += [c for c in rejected if filtered_out(c)]
            items.sort(key=lambda c: c.id or 0)
        self.queue = items
        return items

    def wants(self, c: Candidate) -> bool:
        return c.status == PROPOSED or (self.show_filtered and filtered_out(c))

    def arrived(self, c: Candidate) -> bool:
        """A new candidate from the engine: queue it if it waits for a decision."""
        if not self.wants(c) or any(q.id == c.id for q in self.queue):
            return False
        self.queue.append(c)
        return True

    def index_of(self, c: Candidate | None) -> int | None:
        if c is None:
            return None
        for i, q in enumerate(self.queue):
            if q.id == c.id:
                return i
        return None

    def after(self, c: Candidate | None) -> Candidate | None:
        """The candidate to show once ``c`` is decided or skipped."""
        i = self.index_of(c)
        if i is None:
            return self.queue[0] if self.queue else None
        if i + 1 < len(self.queue):
            return self.queue[i + 1]
        return self.queue[i - 1] if i > 0 else None

    def _drop(self, c: Candidate) -> None:
        self.queue = [q for q in self.queue if q.id != c.id]

    def toggle_filtered(self) -> bool:
        self.show_filtered = not self.show_filtered
        self.load()
        return self.show_filtered

    # -- decisions ------------------------------------------------------------------------

    def _changed(self, c: Candidate, old: str) -> None:
        if self.recipe is not None:
            self.recipe.on_status_changed(c, old)

    def decide(self, c: Candidate, status: str, reason: str = "") -> None:
        """Set ``c``'s status in the pool and tell the recipe."""
        if c.id is None:
            raise ValueError("the candidate is not stored")
        old = c.status
        self.pool.set_status(c.id, status, reason)
        c.status, c.reason = ItemStatus(status), reason
        self._changed(c, old)
        if self.wants(c):
            if self.index_of(c) is None:
                self.queue.append(c)
                self.queue.sort(key=lambda q: q.id or 0)
        else:
            self._drop(c)

    def accept(self, c: Candidate) -> bool:
        if c.status == ACCEPTED:
            return False
        self.decide(c, ACCEPTED)
        return True

    def reject(self, c: Candidate, reason: str = "") -> None:
        self.decide(c, REJECTED, f"user: {reason}" if reason else "user")

    def unaccept(self, c: Candidate) -> bool:
        """Send an accepted item back to the queue."""
        if c.status != ACCEPTED:
            return False
        self.decide(c, PROPOSED)
        return True

    def save_edit(self, c: Candidate, *, accept: bool = True) -> None:
        """Store an edited candidate; accept it unless told otherwise."""
        if c.id is None:
            raise ValueError("the candidate is not stored")
        old = c.status
        if accept:
            c.status, c.reason = ACCEPTED, ""
        c.meta["edited"] = True
        self.pool.update_candidate(c)
        self._changed(c, old)
        if self.wants(c):
            self._replace(c)
        else:
            self._drop(c)

    def _replace(self, c: Candidate) -> None:
        self.queue = [c if q.id == c.id else q for q in self.queue]

    def accept_all_passing(self) -> list[Candidate]:
        """Accept every proposed candidate in the queue that passes every filter, at once."""
        chosen = [c for c in self.queue if c.status == PROPOSED and c.passed]
        with self.pool.transaction():
            for c in chosen:
                self.pool.set_status(int(c.id or 0), ACCEPTED)
        for c in chosen:
            old = c.status
            c.status, c.reason = ACCEPTED, ""
            self._changed(c, old)
        self._drop_all(chosen)
        return chosen

    def _drop_all(self, items: Iterable[Candidate]) -> None:
        ids = {c.id for c in items}
        self.queue = [q for q in self.queue if q.id not in ids]

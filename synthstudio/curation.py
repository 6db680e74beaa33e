"""The review queue and the decisions a person makes: one set of rules for the studio and
``synthstudio pool accept|reject``. No widgets, no threads of its own, easy to test.

The queue holds the candidates that wait for a decision: every ``proposed`` one, and,
when ``show_filtered`` is on, those a filter rejected, so a person can overrule it.

A decision has two halves. The first changes the candidate and the queue in memory, so
the studio can show it at once; the second, :meth:`Curator.record`, writes it to the
pool (one transaction) and tells the recipe (``on_status_changed``), so its ROUGE index
and machine-task sample follow. By default a decision is recorded at once; the studio
passes ``submit`` to record it on its pool thread instead. ``record`` is safe from any
thread: the recipe guards its own index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from synthstudio.recipes.base import Recipe
from synthstudio.records import ACCEPTED, PROPOSED, REJECTED, Candidate, ItemStatus
from synthstudio.store import Pool

QUEUE_LIMIT = 2000
FILTERED_LIMIT = 500


def filtered_out(c: Candidate) -> bool:
    return c.status == REJECTED and c.reason.startswith("filter:")


def user_reason(reason: str = "") -> str:
    """The stored reason of a person's rejection: ``user``, or ``user: <why>``."""
    reason = reason.strip()
    return f"user: {reason}" if reason else "user"


@dataclass(frozen=True, slots=True)
class Decision:
    """One candidate's change: its status and reason before and after (a later decision
    on the same candidate does not change this one), and the candidate itself."""

    candidate: Candidate
    old_status: ItemStatus
    old_reason: str
    status: ItemStatus
    reason: str
    #: an edit: store the whole candidate (text, instances), not only its status
    edited: bool = False

    @staticmethod
    def of(c: Candidate, status: ItemStatus, reason: str) -> Decision:
        """``c`` going from its status now to ``status``."""
        return Decision(c, c.status, c.reason, ItemStatus(status), reason)


class Curator:
    def __init__(self, pool: Pool, recipe: Recipe | None = None,
                 submit: Callable[[list[Decision]], None] | None = None) -> None:
        self.pool = pool
        self.recipe = recipe
        self.show_filtered = False
        self.queue: list[Candidate] = []
        self.submit = submit or self.record

    # -- the queue ----------------------------------------------------------------------

    def read_queue(self) -> list[Candidate]:
        """The queue as the pool holds it (oldest first); slow on a big pool: off the loop."""
        items = self.pool.candidates(status=PROPOSED, limit=QUEUE_LIMIT)
        if self.show_filtered:
            rejected = self.pool.candidates(status=REJECTED, limit=FILTERED_LIMIT,
                                            newest_first=True)
            items += [c for c in rejected if filtered_out(c)]
            items.sort(key=lambda c: c.id or 0)
        return items

    def load(self) -> list[Candidate]:
        """Read the queue from the pool and keep it."""
        self.queue = self.read_queue()
        return self.queue

    def wants(self, c: Candidate) -> bool:
        return c.status == PROPOSED or (self.show_filtered and filtered_out(c))

    def arrived(self, c: Candidate) -> bool:
        """A new candidate from the engine: queue it if it waits for a decision."""
        if not self.wants(c) or self.index_of(c) is not None:
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
        i = self.index_of(c)
        if i is not None:
            del self.queue[i]

    def toggle_filtered(self) -> bool:
        """Show or hide filtered-out candidates (the caller reloads the queue)."""
        self.show_filtered = not self.show_filtered
        return self.show_filtered

    # -- decisions (in memory, then submitted) --------------------------------------------

    def decision(self, c: Candidate, status: ItemStatus, reason: str = "") -> Decision:
        """Set ``c``'s status in memory and keep the queue in step; nothing is written."""
        if c.id is None:
            raise ValueError("the candidate is not stored")
        done = Decision.of(c, status, reason)
        c.status, c.reason = ItemStatus(status), reason
        if self.wants(c):
            if self.index_of(c) is None:
                self.queue.append(c)
                self.queue.sort(key=lambda q: q.id or 0)
        else:
            self._drop(c)
        return done

    def decide(self, c: Candidate, status: ItemStatus, reason: str = "") -> Decision:
        d = self.decision(c, status, reason)
        self.submit([d])
        return d

    def accept(self, c: Candidate) -> bool:
        if c.status == ACCEPTED:
            return False
        self.decide(c, ACCEPTED)
        return True

    def reject(self, c: Candidate, reason: str = "") -> None:
        self.decide(c, REJECTED, user_reason(reason))

    def unaccept(self, c: Candidate) -> bool:
        """Send an accepted item back to the queue."""
        if c.status != ACCEPTED:
            return False
        self.decide(c, PROPOSED)
        return True

    def save_edit(self, c: Candidate, *, accept: bool = True) -> Decision:
        """Store an edited candidate; accept it unless told otherwise."""
        if c.id is None:
            raise ValueError("the candidate is not stored")
        old_status, old_reason = c.status, c.reason
        if accept:
            c.status, c.reason = ACCEPTED, ""
        c.meta["edited"] = True
        d = Decision(replace(c), old_status, old_reason, c.status, c.reason, edited=True)
        if self.wants(c):
            self.queue = [c if q.id == c.id else q for q in self.queue]
        else:
            self._drop(c)
        self.submit([d])
        return d

    def accept_all_passing(self, also: Callable[[Candidate], bool] | None = None
                           ) -> list[Candidate]:
        """Accept every proposed candidate in the queue that passes every filter (and
        ``also``, e.g. a gating judge), at once."""
        chosen = [c for c in self.queue if c.status == PROPOSED and c.passed
                  and (also is None or also(c))]
        decisions = []
        for c in chosen:
            decisions.append(Decision.of(c, ACCEPTED, ""))
            c.status, c.reason = ACCEPTED, ""
        self._drop_all(chosen)
        if decisions:
            self.submit(decisions)
        return chosen

    def _drop_all(self, items: Iterable[Candidate]) -> None:
        ids = {c.id for c in items}
        self.queue = [q for q in self.queue if q.id not in ids]

    # -- recording --------------------------------------------------------------------------

    def record(self, decisions: Sequence[Decision]) -> None:
        """Write ``decisions`` to the pool in one transaction, then tell the recipe."""
        with self.pool.transaction():
            for d in decisions:
                c = d.candidate
                if d.edited:
                    self.pool.update_candidate(c)
                else:
                    self.pool.set_status(int(c.id or 0), d.status, d.reason)
        recipe = self.recipe
        if recipe is not None:
            for d in decisions:
                recipe.on_status_changed(replace(d.candidate, status=d.status,
                                                 reason=d.reason), d.old_status)

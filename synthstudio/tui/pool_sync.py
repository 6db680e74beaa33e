"""The studio's side of its pool thread: what it asks for and what comes back.

Reads (the review queue, the Pool pane's list, the counts) are submitted to the
:class:`~synthstudio.tui.pool_thread.PoolThread` and come back as messages; decisions
are recorded there in the order they were made. The counts are kept by the
:class:`~synthstudio.tui.tally.Tally` from the decisions and new candidates, and checked
against the pool a moment after the last decision, when a run ends, and every
``CHECK_EVERY_S`` (another process may write the same pool).

Once the first queue and list are shown, what the studio holds then (its modules, the
widgets, a queue of thousands of candidates) is moved out of the garbage collector's
reach (``gc.freeze``): a full collection would walk all of it, a pause of 0.2-0.3 s on
a 1,000,000-item pool's queue, landing on whichever key press happened to trigger it.
Frozen objects are still freed when nothing refers to them; only reference cycles among
them would stay, so the studio thaws the heap when it closes (tests run many studios in
one process). From then on the full collections run in the person's pauses
(:mod:`synthstudio.tui.quiet_gc`).
"""

from __future__ import annotations

import gc
import time

from synthstudio.curation import Decision
from synthstudio.records import ACCEPTED, Candidate
from synthstudio.tui.base import StudioBase
from synthstudio.tui.debounce import Debouncer
from synthstudio.tui.messages import (
    CountsChecked,
    PoolListLoaded,
    PoolWriteFailed,
    QueueLoaded,
)
from synthstudio.tui.panes.pool import LIST_LIMIT, PoolPane
from synthstudio.tui.pool_thread import PoolThread
from synthstudio.tui.quiet_gc import CHECK_S, QuietGC
from synthstudio.tui.tally import Tally

CHECK_AFTER_S = 1.5
CHECK_EVERY_S = 60.0


class PoolSync(StudioBase):
    _writes: int
    _checker: Debouncer

    def init_pool_sync(self) -> None:
        self.tally = Tally()
        self._writes = 0
        #: the first reads shown so far ("queue", "list"); the heap is frozen after both
        self._first_shown: set[str] = set()
        self.quiet_gc = QuietGC(time.monotonic)
        self.pool_thread = PoolThread(self._pool_error)

    def start_pool_sync(self) -> None:
        """On mount: read the queue, the list and the counts (the screen fills in)."""
        self._checker = Debouncer(self, CHECK_AFTER_S, self.check_counts)
        self.request_queue()
        self.request_pool_list()
        self.check_counts()
        self.set_interval(CHECK_EVERY_S, self.check_counts)

    def _pool_error(self, what: str, exc: BaseException) -> None:
        self.post_message(PoolWriteFailed(what, f"{exc}"))

    def on_pool_write_failed(self, event: PoolWriteFailed) -> None:
        self.notify(f"Could not {event.what}: {event.error}", severity="error")
        self.check_counts()

    # -- decisions --------------------------------------------------------------------------

    def submit_decisions(self, decisions: list[Decision]) -> None:
        """The curator's ``submit``: count them now, write them on the pool thread."""
        for d in decisions:
            self.tally.decided(d)
        self._writes += 1
        self.pool_thread.submit("save the decision", self.curator.record, decisions)
        if self.is_running:
            self.show_counts()
            self._checker.poke()

    def settle(self, timeout: float = 30.0) -> bool:
        """Wait until every pool job asked for so far has run (tests, quit)."""
        return self.pool_thread.flush(timeout)

    # -- the review queue --------------------------------------------------------------------

    def request_queue(self, focus_id: int | None = None) -> None:
        read, writes, pool = self.curator.read_queue, self._writes, self.pool

        def job() -> None:
            items = read()
            scores = pool.scores_for([c.id for c in items if c.id is not None])
            self.post_message(QueueLoaded(items, focus_id, writes, scores))

        self.pool_thread.submit("read the queue", job, key="queue")

    def on_queue_loaded(self, event: QueueLoaded) -> None:
        if not self.ui_ready():
            return
        if event.writes != self._writes:  # decided meanwhile: the read is out of date
            self.request_queue(event.focus_id)
            return
        # candidates the engine reported after the read stay in the queue
        have = {c.id or 0 for c in event.items}
        newest = max(have, default=0)
        later = [c for c in self.curator.queue if (c.id or 0) not in have
                 and self.curator.wants(c) and (c.id or 0) > newest]
        self.curator.queue = [*event.items, *later]
        self.judge_scores_known(event.scores)
        self.order_queue()
        queue = self.curator.queue
        focus = next((c for c in queue if c.id == event.focus_id), None)
        focus = focus or (queue[0] if queue else None)
        self.generation.set_queue(queue, focus, self.curator.show_filtered)
        if self.focus_source == "queue" or self.focus_candidate is None:
            self.focus_on(focus, "queue")
        self._shown_first("queue")

    def _shown_first(self, what: str) -> None:
        """Freeze the heap once the first queue and list are in (see the module's doc)."""
        if len(self._first_shown) < 2:
            self._first_shown.add(what)
            if len(self._first_shown) == 2:
                gc.freeze()
                # full collections from now on in the person's pauses (tui/quiet_gc.py)
                self.quiet_gc.start()
                self.set_interval(CHECK_S, self.quiet_gc.check)

    def thaw_heap(self) -> None:
        """Give what was frozen back to the collector, and the full collections back to
        Python (the studio closes)."""
        self.quiet_gc.stop()
        if len(self._first_shown) == 2:
            gc.unfreeze()

    # -- the Pool pane's list ----------------------------------------------------------------

    def on_pool_pane_wanted(self, event: PoolPane.Wanted) -> None:
        event.stop()
        self.request_pool_list(event.search, event.focus_id, event.order)

    def request_pool_list(self, search: str = "", focus_id: int | None = None,
                          order: str = "arrival") -> None:
        """Read the Pool pane's list: newest first, or (without a search) by the judge's
        score, best or worst first; the stored scores of the items come with it."""
        pool = self.pool

        def job() -> None:
            if order != "arrival" and not search:
                ids = pool.ids_by_score(status=ACCEPTED, best_first=order == "best",
                                        limit=LIST_LIMIT)
                by_id = {c.id: c for c in pool.candidates_by_id(ids)}
                items = [by_id[i] for i in ids if i in by_id]
            else:
                items = pool.candidates(status=ACCEPTED, search=search, limit=LIST_LIMIT,
                                        newest_first=True)
            scores = pool.scores_for([c.id for c in items if c.id is not None])
            self.post_message(PoolListLoaded(items, search, focus_id, order, scores))

        self.pool_thread.submit("search the pool", job, key="pool-list")

    def on_pool_list_loaded(self, event: PoolListLoaded) -> None:
        if self.ui_ready():
            self.judge_scores_known(event.scores)
            self.pool_pane.show_items(event.items, event.search, event.focus_id, event.order)
            self._shown_first("list")

    # -- counts ------------------------------------------------------------------------------

    def check_counts(self) -> None:
        pool, writes = self.pool, self._writes

        def job() -> None:
            counts, reasons, last = pool.tally()
            self.post_message(CountsChecked(counts, reasons, writes, last))

        self.pool_thread.submit("count the pool", job, key="counts")

    def on_counts_checked(self, event: CountsChecked) -> None:
        if not self.ui_ready():
            return
        if event.writes != self._writes:  # decisions since: they are counted; look later
            self._checker.poke()
            return
        self.tally.checked(event.counts, event.reasons, event.last_id)
        self.show_counts()

    def counted_arrival(self, c: Candidate) -> None:
        if self.tally.arrived(c):
            self.show_counts()

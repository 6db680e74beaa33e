"""The judge in the studio: each candidate rated in a worker, its score beside the filters.

With ``[judge] enabled``, every candidate that arrives is rated (``j`` rates the one in
focus at any time). The reply streams into the candidate's ``judge`` row in the Scores
pane; the score is saved off the event loop. ``S`` orders the queue and the pool by
score (best first, worst first, back to arrival order). With ``[judge] gate``, ``A``
accepts only candidates the judge passed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from synthstudio.backends.base import Backend, Chunk, ContentDelta
from synthstudio.config import JudgeSettings
from synthstudio.errors import SynthError
from synthstudio.records import REJECTED, Candidate, FilterResult, JudgeScore
from synthstudio.tui.base import StudioBase
from synthstudio.tui.messages import JudgeScored, JudgeStreamed

#: the orders ``S`` cycles through
ORDERS = ("arrival", "best", "worst")


@dataclass
class JudgeDesk:
    """The judge's state in the studio (no widgets): scores known, replies streaming."""

    settings: JudgeSettings
    scores: dict[int, JudgeScore] = field(default_factory=dict)
    partial: dict[int, str] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)
    order: str = "arrival"

    def row(self, c: Candidate) -> FilterResult | None:
        """The ``judge`` row of the Scores pane, or None when there is nothing to show."""
        if c.id is None:
            return None
        t = self.settings.threshold
        gate = "" if self.settings.gate else " (not a gate)"
        if c.id in self.scores:
            s = self.scores[c.id]
            detail = s.reason if s.scored else f"unscored: {s.raw[:120]}"
            return FilterResult("judge", s.passes(t), s.score if s.scored else "unscored",
                                t, detail + gate)
        if c.id in self.partial:
            tail = self.partial[c.id][-80:]
            return FilterResult("judge", True, "rating…", t, tail)
        if c.id in self.failed:
            return FilterResult("judge", False, "failed", t, self.failed[c.id])
        return None

    def passes(self, c: Candidate) -> bool:
        """Whether ``A`` may accept ``c``: always, unless the judge is a gate."""
        if not self.settings.gate:
            return True
        s = self.scores.get(c.id or -1)
        return s is not None and s.passes(self.settings.threshold)

    def label(self, c: Candidate) -> str:
        """The score for list rows: ``4.5``, ``?`` (unscored) or ``""`` (not rated)."""
        s = self.scores.get(c.id or -1)
        if s is None:
            return ""
        return f"{s.score:g}" if s.scored else "?"

    def next_order(self) -> str:
        self.order = ORDERS[(ORDERS.index(self.order) + 1) % len(ORDERS)]
        return self.order

    def sort(self, items: list[Candidate]) -> None:
        """Order ``items`` in place: by id, or by score (unrated last either way)."""
        if self.order == "arrival":
            items.sort(key=lambda c: c.id or 0)
            return
        sign = -1 if self.order == "best" else 1

        def key(c: Candidate) -> tuple[int, float, int]:
            s = self.scores.get(c.id or -1)
            if s is None or s.score is None:
                return (1, 0.0, c.id or 0)
            return (0, sign * s.score, c.id or 0)

        items.sort(key=key)


class JudgeActions(StudioBase):
    """Rating candidates, showing their scores, ordering lists by score."""

    judge_desk: JudgeDesk
    _judge_backend: Backend | None = None
    _judge_lock: asyncio.Lock | None = None
    _judge_slots: asyncio.Semaphore | None = None
    _owns_judge_backend = False

    def init_judge(self) -> None:
        self.judge_desk = JudgeDesk(self.settings.judge)

    def judge_row(self, c: Candidate) -> FilterResult | None:
        return self.judge_desk.row(c)

    def judge_label(self, c: Candidate) -> str:
        return self.judge_desk.label(c)

    def may_accept(self, c: Candidate) -> bool:
        return self.judge_desk.passes(c)

    # -- scores of what is listed ------------------------------------------------------------

    def load_judge_scores(self, items: list[Candidate]) -> None:
        """Read the stored scores of ``items`` in a thread; the lists redraw when known."""
        ids = [c.id for c in items if c.id is not None and c.id not in self.judge_desk.scores]
        if ids:
            self.run_worker(self._load_scores(ids), group="judge-load", exit_on_error=False)

    async def _load_scores(self, ids: list[int]) -> None:
        found = await asyncio.to_thread(self.pool.scores_for, ids)
        if found:
            self.judge_desk.scores.update(found)
            self.post_message(JudgeScored(None))

    # -- rating ------------------------------------------------------------------------------

    def judge_candidate(self, c: Candidate, *, auto: bool = True) -> None:
        """Rate ``c`` in a worker (with ``auto``, only when the judge is on)."""
        if c.id is None or (auto and (not self.settings.judge.enabled or c.status == REJECTED)):
            return
        self.judge_desk.failed.pop(c.id, None)
        self.judge_desk.partial[c.id] = ""
        self.run_worker(self._rate(c), group="judge", exit_on_error=False)

    def action_judge(self) -> None:
        c = self.focus_candidate
        if c is None:
            self.notify("No candidate in focus: pick one in the queue or the pool.")
            return
        self.judge_candidate(c, auto=False)
        self.scores.show(c)

    async def _backend(self) -> Backend:
        if self._judge_lock is None:
            self._judge_lock = asyncio.Lock()
            self._judge_slots = asyncio.Semaphore(self.settings.judge.concurrency)
        async with self._judge_lock:
            if self._judge_backend is None:
                j = self.settings.judge
                same = not (j.backend or j.model or j.host or j.base_url)
                if same and self.backend is not None:
                    self._judge_backend = self.backend
                else:
                    from synthstudio.judge.server import open_judge_backend

                    self._judge_backend, _why = await open_judge_backend(self.settings)
                    self._owns_judge_backend = True
            return self._judge_backend

    async def _rate(self, c: Candidate) -> None:
        from synthstudio.judge.rater import Judge
        from synthstudio.judge.rubric import load_rubric

        cid = int(c.id or 0)
        desk = self.judge_desk

        def on_chunk(chunk: Chunk) -> None:
            if isinstance(chunk, ContentDelta):
                desk.partial[cid] = desk.partial.get(cid, "") + chunk.text
                self.post_message(JudgeStreamed(cid))

        try:
            backend = await self._backend()
            judge = Judge(backend, self.settings.judge, load_rubric(self.settings.judge.rubric))
            assert self._judge_slots is not None
            async with self._judge_slots:
                score = await judge.rate(c, on_chunk=on_chunk)
            if score is not None:
                await asyncio.to_thread(self.pool.save_score, score)
                desk.scores[cid] = score
        except SynthError as err:
            desk.failed[cid] = err.full()
            self.notify(f"The judge could not rate #{cid}: {err.full()}", severity="warning")
        finally:
            desk.partial.pop(cid, None)
            self.post_message(JudgeScored(cid))

    def on_judge_streamed(self, event: JudgeStreamed) -> None:
        c = self.focus_candidate
        if self.ui_ready() and c is not None and c.id == event.candidate_id:
            self.scores.show(c)

    def on_judge_scored(self, event: JudgeScored) -> None:
        if not self.ui_ready():
            return
        c = self.focus_candidate
        if c is not None and (event.candidate_id is None or c.id == event.candidate_id):
            self.scores.show(c)
        self.generation.set_queue(self.curator.queue, self.generation.highlighted(),
                                  self.curator.show_filtered)
        self.pool_pane.redraw()

    # -- ordering ----------------------------------------------------------------------------

    def action_sort_by_score(self) -> None:
        order = self.judge_desk.next_order()
        self.judge_desk.sort(self.curator.queue)
        self.generation.set_queue(self.curator.queue, self.generation.highlighted(),
                                  self.curator.show_filtered)
        self.pool_pane.order = order
        self.pool_pane.reload()
        self.notify({"arrival": "Queue and pool in arrival order.",
                     "best": "Queue and pool by judge score, best first.",
                     "worst": "Queue and pool by judge score, worst first."}[order])

    async def close_judge(self) -> None:
        if self._owns_judge_backend and self._judge_backend is not None:
            await self._judge_backend.aclose()


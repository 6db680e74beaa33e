"""The judge in the studio: each candidate rated on the engine's thread, its score
beside the filters.

With ``[judge] enabled``, every candidate that arrives is rated (``j`` rates the one in
focus at any time). The request runs on the engine's thread and loop, where the model
backends live; its reply streams into the candidate's ``judge`` row in the Scores pane
(one message with the text so far, a newer one replacing a pending one). The score is
saved on the pool thread, and the stored scores of listed items come with the lists the
pool thread reads, so the event loop never touches SQLite. ``S`` orders the queue and
the pool by score (best first, worst first, back to arrival order). With ``[judge]
gate``, ``A`` accepts only candidates the judge passed.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from dataclasses import dataclass, field, replace

from synthstudio.backends.aimd import AdaptiveLimit
from synthstudio.backends.base import Backend, Chunk, ContentDelta
from synthstudio.config.settings import JudgeSettings, Settings
from synthstudio.errors import SynthError
from synthstudio.records import REJECTED, Candidate, FilterResult, JudgeScore
from synthstudio.tui.base import StudioBase
from synthstudio.tui.messages import JudgeScored, JudgeStreamed

#: the orders ``S`` cycles through
ORDERS = ("arrival", "best", "worst")


def same_server(settings: Settings) -> bool:
    """Whether the judge uses the generator's server and model (``[judge]`` names none)."""
    j = settings.judge
    return not (j.backend or j.model or j.host or j.base_url)


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
    # the judge's backend and its slots live on the engine's loop and are touched only there
    _judge_backend: Backend | None = None
    _judge_lock: asyncio.Lock | None = None
    _judge_limit: AdaptiveLimit | None = None
    _owns_judge_backend = False

    def init_judge(self) -> None:
        self.judge_desk = JudgeDesk(self.settings.judge)
        #: ratings in flight on the engine's thread (cancelled at quit)
        self._judge_futures: set[concurrent.futures.Future[None]] = set()

    def judge_row(self, c: Candidate) -> FilterResult | None:
        return self.judge_desk.row(c)

    def judge_label(self, c: Candidate) -> str:
        return self.judge_desk.label(c)

    def may_accept(self, c: Candidate) -> bool:
        return self.judge_desk.passes(c)

    # -- scores of what is listed ------------------------------------------------------------

    def judge_scores_known(self, scores: dict[int, JudgeScore]) -> None:
        """Stored scores read with a list on the pool thread: keep them, redraw the lines
        whose score is new (the list being shown draws its own)."""
        desk = self.judge_desk
        new = {i for i, s in scores.items() if desk.scores.get(i) != s}
        if not new:
            return
        desk.scores.update(scores)
        self._show_rescored(new)

    def _show_rescored(self, ids: set[int]) -> None:
        if not self.ui_ready():
            return
        self.generation.rescored(ids)
        self.pool_pane.rescored(ids)
        c = self.focus_candidate
        if c is not None and c.id in ids:
            self.scores.show(c)

    def order_queue(self) -> None:
        if self.judge_desk.order != "arrival":
            self.judge_desk.sort(self.curator.queue)

    # -- rating ------------------------------------------------------------------------------

    def judge_candidate(self, c: Candidate, *, auto: bool = True) -> None:
        """Rate ``c`` on the engine's thread (with ``auto``, only when the judge is on)."""
        if c.id is None or (auto and (not self.settings.judge.enabled or c.status == REJECTED)):
            return
        self.judge_desk.failed.pop(c.id, None)
        self.judge_desk.partial[c.id] = ""
        # a copy: the studio may change its candidate while the judge reads this one
        engine = self.engine  # set while a run goes on
        shared = (engine.ctx.limiter if engine is not None and same_server(self.settings)
                  else None)
        future = self.engine_thread.submit(self._rate(replace(c), self.settings, shared))
        self._judge_futures.add(future)
        future.add_done_callback(self._judge_futures.discard)

    def action_judge(self) -> None:
        c = self.focus_candidate
        if c is None:
            self.notify("No candidate in focus: pick one in the queue or the pool.")
            return
        self.judge_candidate(c, auto=False)
        self.scores.show(c)

    async def _backend(self, settings: Settings) -> tuple[Backend, AdaptiveLimit]:
        """The judge's backend and its request limit (on the engine's loop): the
        generator's backend when ``[judge]`` names no server or model of its own, else
        one opened for the judge; an AIMD limit of ``[judge] concurrency``."""
        if self._judge_lock is None:
            self._judge_lock = asyncio.Lock()
            self._judge_limit = AdaptiveLimit(settings.judge.concurrency)
        async with self._judge_lock:
            if self._judge_backend is None:
                if same_server(settings) and self.backend is not None:
                    self._judge_backend = self.backend
                else:
                    from synthstudio.judge.server import open_judge_backend

                    self._judge_backend, _why = await open_judge_backend(settings)
                    self._owns_judge_backend = True
        assert self._judge_limit is not None
        return self._judge_backend, self._judge_limit

    async def _rate(self, c: Candidate, settings: Settings,
                    shared: AdaptiveLimit | None) -> None:
        """One rating, on the engine's loop: stream, then save on the pool thread.
        ``shared``: the running engine's request limit, when the judge uses its server
        (a server's overload then slows both, as one)."""
        from synthstudio.judge.rater import Judge
        from synthstudio.judge.rubric import load_rubric

        cid = int(c.id or 0)
        text: list[str] = []

        def on_chunk(chunk: Chunk) -> None:
            if isinstance(chunk, ContentDelta):
                text.append(chunk.text)
                self.post_message(JudgeStreamed(cid, "".join(text)))

        try:
            backend, own = await self._backend(settings)
            judge = Judge(backend, settings.judge, load_rubric(settings.judge.rubric))
            score = await judge.rate(c, on_chunk=on_chunk, limiter=shared or own)
        except SynthError as err:
            self.post_message(JudgeScored(cid, error=err.full()))
            return
        except BaseException:
            self.post_message(JudgeScored(cid))
            raise
        if score is not None:
            self.pool_thread.submit("save the judge's score", self.pool.save_score, score)
        self.post_message(JudgeScored(cid, score))

    def on_judge_streamed(self, event: JudgeStreamed) -> None:
        desk = self.judge_desk
        if event.candidate_id not in desk.partial:  # scored meanwhile: a late message
            return
        desk.partial[event.candidate_id] = event.text
        c = self.focus_candidate
        if self.ui_ready() and c is not None and c.id == event.candidate_id:
            self.scores.show(c)

    def on_judge_scored(self, event: JudgeScored) -> None:
        desk, cid = self.judge_desk, event.candidate_id
        desk.partial.pop(cid, None)
        if event.score is not None:
            desk.scores[cid] = event.score
        if event.error:
            desk.failed[cid] = event.error
            if self.is_running:
                self.notify(f"The judge could not rate #{cid}: {event.error}",
                            severity="warning")
        self._show_rescored({cid})

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

    async def stop_judge(self) -> None:
        """Cancel the ratings in flight (nothing half-heard is stored) and wait for them,
        so none saves a score after the pool thread has ended."""
        futures = list(self._judge_futures)
        for f in futures:
            self.engine_thread.loop.call_soon_threadsafe(f.cancel)
        for f in futures:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(asyncio.wrap_future(f), timeout=10)

    def judge_backend_to_close(self) -> Backend | None:
        """The backend opened for the judge alone (closed on the engine's loop at quit)."""
        return self._judge_backend if self._owns_judge_backend else None

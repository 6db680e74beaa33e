"""The generation loop, shared by ``synthstudio generate`` and the studio.

The engine asks a recipe for candidates step by step, up to ``concurrency`` steps at once
(each with its own requests; a shared :class:`~synthstudio.backends.aimd.AdaptiveLimit`
keeps the requests in flight within the setting and backs off when the server is
overloaded). It stores each candidate in its own transaction (so a kill never loses what
was reported), never more passing items than the target, keeps the run's counts and
sampling state for resume, and reports events. Pause (no new steps; those in flight
finish), resume, cancelling the requests in flight and stopping (cancel all) are safe at
any moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass, field
from typing import Any

from synthstudio.backends.aimd import AdaptiveLimit
from synthstudio.backends.base import Backend
from synthstudio.config.settings import Settings, concurrency_for
from synthstudio.errors import BackendError, SynthError
from synthstudio.events import CandidateReady, EventSink, Status
from synthstudio.recipes.base import Recipe
from synthstudio.recipes.context import Context
from synthstudio.records import (
    ACCEPTED,
    PROPOSED,
    REJECTED,
    Candidate,
    EngineState,
    Run,
    RunCounts,
    RunOptions,
    RunStatus,
)
from synthstudio.store import Pool

#: a run stops after this many consecutive steps failed (each after its own retries)
MAX_FAILED_STEPS = 3


@dataclass
class RunSummary:
    run_id: int
    produced: int = 0
    accepted: int = 0
    rejected: int = 0
    requests: int = 0
    #: finished, stopped, exhausted or failed (never running)
    status: RunStatus = RunStatus.FINISHED
    message: str = ""
    accepted_ids: list[int] = field(default_factory=list)


class Engine:
    """Drives one recipe against one backend and one pool, ``concurrency`` steps at once."""

    def __init__(self, pool: Pool, backend: Backend, recipe: Recipe, settings: Settings,
                 *, target: int, auto_accept: bool = False, emit: EventSink | None = None,
                 max_steps: int | None = None, resume_run: Run | None = None,
                 seed: int | None = None, backoff_base_s: float | None = None,
                 concurrency: int | None = None) -> None:
        self.pool = pool
        self.recipe = recipe
        self.auto_accept = auto_accept
        # a resumed run keeps its own target (known before run(), e.g. for a progress bar)
        self.target = (resume_run.target if resume_run else 0) or target
        self._listeners: list[EventSink] = [emit] if emit else []
        seed = settings.seed if seed is None else seed
        self.concurrency = max(1, concurrency or concurrency_for(settings, backend.name))
        self.ctx = Context(pool=pool, backend=backend, settings=settings,
                           rng=random.Random(seed), emit=self._emit,
                           limiter=AdaptiveLimit(self.concurrency))
        if backoff_base_s is not None:
            self.ctx.backoff_base_s = backoff_base_s
        self.max_steps = max_steps or max(
            3, self.target * settings.self_instruct.max_requests_per_item)
        self._resume = resume_run
        self._running = self.ctx.resumed  # one gate: between steps and between requests
        self._stop = False
        #: the contexts of the steps in flight, by step id
        self.steps: dict[int, Context] = {}
        self.summary: RunSummary | None = None

    # -- control (safe from the event loop at any moment) ------------------------------

    def _emit(self, event: Any) -> None:
        for listener in self._listeners:
            listener(event)

    def pause(self) -> None:
        """Start no new steps and send no new request: the requests in flight finish,
        their steps wait for :meth:`resume` before their next request."""
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def in_flight(self) -> int:
        """Requests being answered right now."""
        return self.ctx.limiter.in_flight

    def cancel_request(self, step_id: int | None = None) -> None:
        """Stop the requests in flight now (or only those of step ``step_id``); their
        partial text is kept and marked cancelled."""
        for sid, ctx in list(self.steps.items()):
            if step_id is None or sid == step_id:
                ctx.cancel.set()

    def stop(self) -> None:
        """Cancel every request in flight and finish (at once, also when paused)."""
        self._stop = True
        self.cancel_request()
        self._running.set()

    # -- the loop ------------------------------------------------------------------------

    def _start(self) -> RunSummary:
        ctx = self.ctx
        backend = ctx.backend
        if self._resume:
            run_id = self._resume.id
            counts = self.pool.run_counts(run_id)
            self.recipe.restore(self._resume.state)
            saved = self._resume.engine
            if saved.rng is not None:
                ctx.rng.setstate(saved.rng)
            summary = RunSummary(run_id, produced=counts[PROPOSED] + counts[ACCEPTED],
                                 accepted=counts[ACCEPTED], rejected=counts[REJECTED],
                                 requests=saved.steps)
            self.target = self._resume.target or self.target
            self.pool.reopen_run(run_id)
        else:
            settings = ctx.settings.model_dump(mode="json")
            options = RunOptions(temperature=ctx.settings.temperature,
                                 top_p=ctx.settings.top_p, seed=ctx.settings.seed,
                                 concurrency=self.concurrency)
            run_id = self.pool.start_run(self.recipe.name, backend.name, backend.model,
                                         options, settings, self.target)
            summary = RunSummary(run_id)
        ctx.run_id = run_id
        return summary

    def _save_state(self, summary: RunSummary) -> None:
        self.pool.save_run_state(
            summary.run_id, self.recipe.state(),
            EngineState(rng=self.ctx.rng.getstate(), steps=summary.requests),
            RunCounts(produced=summary.produced, accepted=summary.accepted,
                      rejected=summary.rejected))

    def _store(self, cand: Candidate, summary: RunSummary) -> None:
        cand.run_id = summary.run_id
        cand.provenance.setdefault("run_id", summary.run_id)
        if cand.status != REJECTED:
            if summary.produced >= self.target:
                return  # the hard cap: never more passing items than asked for
            if self.auto_accept and cand.passed:
                cand.status = ACCEPTED
            summary.produced += 1
        else:
            summary.rejected += 1
        self.pool.add_candidate(cand)
        if cand.status == ACCEPTED:
            summary.accepted += 1
            summary.accepted_ids.append(int(cand.id or 0))
        self.recipe.on_stored(cand)
        self._emit(CandidateReady(cand))

    async def _step(self, ctx: Context, summary: RunSummary) -> None:
        """One step: ask the recipe, then store what it made in the same breath.

        Nothing awaits between the recipe's return and the stores, so the recipe's
        pending entries (e.g. instructions still being completed) turn into stored ones
        before any other step runs its filters.
        """
        try:
            cands = await self.recipe.step(ctx)
            for cand in cands:
                self._store(cand, summary)
            self._save_state(summary)
        finally:
            self.steps.pop(ctx.step_id, None)

    def _can_start(self, summary: RunSummary) -> bool:
        return (summary.produced < self.target and not self._stop
                and summary.requests < self.max_steps)

    async def run(self) -> RunSummary:
        """Run until ``target`` candidates pass the filters, the step budget is spent, or
        :meth:`stop` is called, with up to ``concurrency`` steps in flight. Returns the
        summary; the run row records the outcome."""
        summary = self._start()
        self.summary = summary
        tasks: set[asyncio.Task[None]] = set()
        failures = 0  # consecutive steps that failed after their retries
        try:
            await asyncio.to_thread(self.recipe.prepare, self.ctx)
            while True:
                # start steps while there is room, the run is not paused and work is left
                while (self._can_start(summary) and self._running.is_set()
                       and len(tasks) < self.ctx.limiter.limit):
                    summary.requests += 1
                    ctx = self.ctx.child(summary.requests)
                    self.steps[ctx.step_id] = ctx
                    tasks.add(asyncio.create_task(self._step(ctx, summary)))
                if summary.produced >= self.target or self._stop:
                    self.cancel_request()  # steps beyond the target are not needed
                if not tasks:
                    if not self._can_start(summary):
                        break
                    await self._wait_running()
                    continue
                done = await self._wait_tasks(tasks)
                for task in done:
                    tasks.discard(task)
                    err = task.exception()
                    if err is None:
                        failures = 0
                        continue
                    # a server that refuses connections after the retries is down: stop now
                    if (not isinstance(err, BackendError) or not err.retryable
                            or err.kind == "unreachable" or failures + 1 >= MAX_FAILED_STEPS):
                        raise err
                    failures += 1
                    self._emit(Status(f"{err.full()} Skipping this step; the run goes on.",
                                      "warning", err.kind))
                    self._save_state(summary)
            if self._stop:
                summary.status = RunStatus.STOPPED
            elif summary.produced < self.target:
                summary.status = RunStatus.EXHAUSTED
                summary.message = (
                    f"Stopped after {summary.requests} requests with {summary.produced} of "
                    f"{self.target} items: the model's output kept failing the filters.")
        except SynthError as err:  # backend gave up, or the recipe lacks its inputs
            summary.status = RunStatus.FAILED
            summary.message = err.full()
            self._emit(Status(err.full(), "error", getattr(err, "kind", "")))
        except BaseException:  # cancelled, Ctrl-C, or a bug: the run must not stay "running"
            summary.status = RunStatus.STOPPED
            try:
                await _cancel_all(tasks)
            finally:  # also when a second cancel (the studio closing) cuts the wait short
                with contextlib.suppress(Exception):  # e.g. the disk is full: keep the first
                    self.pool.finish_run(summary.run_id, RunStatus.STOPPED)
            raise
        finally:
            await _cancel_all(tasks)
        try:
            # a failed run is stored as stopped: it can be resumed
            self.pool.finish_run(summary.run_id, RunStatus.STOPPED
                                 if summary.status == RunStatus.FAILED else summary.status)
        except SynthError as err:  # e.g. the disk is still full: report the first error
            if summary.status != RunStatus.FAILED:
                raise
            self._emit(Status(f"The run could not be marked stopped: {err}", "warning"))
        return summary

    async def _wait_running(self) -> None:
        await self._running.wait()

    async def _wait_tasks(self, tasks: set[asyncio.Task[None]]) -> set[asyncio.Task[None]]:
        """The steps that ended; also returns (with none) when a pause ends, so new
        steps can start."""
        wake = asyncio.ensure_future(self._running.wait()) if not self._running.is_set() \
            else None
        waits: set[asyncio.Future[Any]] = set(tasks)
        if wake is not None:
            waits.add(wake)
        try:
            done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if wake is not None:
                wake.cancel()
        return {t for t in tasks if t in done}


async def _cancel_all(tasks: set[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks)
    tasks.clear()


"""The generation loop, shared by ``synthstudio generate`` and the studio.

The engine asks a recipe for candidates step by step, stores each one in its own
transaction (so a kill never loses what was reported), keeps the run's counts and
sampling state for resume, and reports events. Pause, resume, cancelling the request
in flight and stopping are safe at any moment.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Any

from synthstudio.backends.base import Backend
from synthstudio.config import Settings
from synthstudio.errors import BackendError, SynthError
from synthstudio.events import CandidateReady, EventSink, Status
from synthstudio.recipes.base import Recipe
from synthstudio.recipes.context import Context
from synthstudio.records import ACCEPTED, PROPOSED, REJECTED, Candidate
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
    status: str = "finished"  # finished | stopped | exhausted | failed
    message: str = ""
    accepted_ids: list[int] = field(default_factory=list)


class Engine:
    """Drives one recipe against one backend and one pool."""

    def __init__(self, pool: Pool, backend: Backend, recipe: Recipe, settings: Settings,
                 *, target: int, auto_accept: bool = False, emit: EventSink | None = None,
                 max_steps: int | None = None, resume_run: dict[str, Any] | None = None,
                 seed: int | None = None, backoff_base_s: float | None = None) -> None:
        self.pool = pool
        self.recipe = recipe
        self.auto_accept = auto_accept
        # a resumed run keeps its own target (known before run(), e.g. for a progress bar)
        self.target = int((resume_run or {}).get("target") or target)
        self._listeners: list[EventSink] = [emit] if emit else []
        seed = settings.seed if seed is None else seed
        self.ctx = Context(pool=pool, backend=backend, settings=settings,
                           rng=random.Random(seed), emit=self._emit)
        if backoff_base_s is not None:
            self.ctx.backoff_base_s = backoff_base_s
        self.max_steps = max_steps or max(
            3, self.target * settings.self_instruct.max_requests_per_item)
        self._resume = resume_run
        self._running = self.ctx.resumed  # one gate: between steps and between requests
        self._stop = False
        self.summary: RunSummary | None = None

    # -- control (safe from the event loop at any moment) ------------------------------

    def _emit(self, event: Any) -> None:
        for listener in self._listeners:
            listener(event)

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def cancel_request(self) -> None:
        """Stop the request in flight now; its partial text is kept and marked cancelled."""
        self.ctx.cancel.set()

    def stop(self) -> None:
        """Finish after the current step (or at once if paused)."""
        self._stop = True
        self.ctx.cancel.set()
        self._running.set()

    # -- the loop ------------------------------------------------------------------------

    def _start(self) -> RunSummary:
        ctx = self.ctx
        backend = ctx.backend
        if self._resume:
            run_id = int(self._resume["id"])
            counts = self.pool.run_counts(run_id)
            self.recipe.restore(self._resume.get("state") or {})
            state = (self._resume.get("state") or {}).get("engine", {})
            if "rng" in state:
                ctx.rng.setstate(_tuple_state(state["rng"]))
            summary = RunSummary(run_id, produced=counts[PROPOSED] + counts[ACCEPTED],
                                 accepted=counts[ACCEPTED], rejected=counts[REJECTED],
                                 requests=int(state.get("steps", 0)))
            self.target = int(self._resume.get("target") or self.target)
            with self.pool.transaction() as conn:
                conn.execute("UPDATE runs SET status = 'running' WHERE id = ?", (run_id,))
        else:
            settings = ctx.settings.model_dump(mode="json")
            options = {"temperature": ctx.settings.temperature, "top_p": ctx.settings.top_p,
                       "seed": ctx.settings.seed}
            run_id = self.pool.start_run(self.recipe.name, backend.name, backend.model,
                                         options, settings, self.target)
            summary = RunSummary(run_id)
        ctx.run_id = run_id
        return summary

    def _save_state(self, summary: RunSummary) -> None:
        state = self.recipe.state()
        state["engine"] = {"rng": _list_state(self.ctx.rng.getstate()),
                           "steps": summary.requests}
        self.pool.save_run_state(summary.run_id, state, {
            "produced": summary.produced, "accepted": summary.accepted,
            "rejected": summary.rejected})

    def _store(self, cand: Candidate, summary: RunSummary) -> None:
        cand.run_id = summary.run_id
        cand.provenance.setdefault("run_id", summary.run_id)
        if cand.status != REJECTED:
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

    async def run(self) -> RunSummary:
        """Run until ``target`` candidates pass the filters, the step budget is spent, or
        :meth:`stop` is called. Returns the summary; the run row records the outcome."""
        summary = self._start()
        self.summary = summary
        failures = 0  # consecutive steps that failed after their retries
        try:
            await asyncio.to_thread(self.recipe.prepare, self.ctx)
            while summary.produced < self.target and not self._stop:
                if summary.requests >= self.max_steps:
                    summary.status = "exhausted"
                    summary.message = (
                        f"Stopped after {summary.requests} requests with {summary.produced} of "
                        f"{self.target} items: the model's output kept failing the filters.")
                    break
                await self._running.wait()
                if self._stop:
                    break
                self.ctx.cancel.clear()
                summary.requests += 1
                try:
                    cands = await self.recipe.step(self.ctx)
                except BackendError as err:
                    if not err.retryable or failures + 1 >= MAX_FAILED_STEPS:
                        raise
                    failures += 1
                    self._emit(Status(f"{err.full()} Skipping this step; the run goes on.",
                                      "warning", err.kind))
                    self._save_state(summary)
                    continue
                failures = 0
                for cand in cands:
                    self._store(cand, summary)
                self._save_state(summary)
            if self._stop:
                summary.status = "stopped"
        except SynthError as err:  # backend gave up, or the recipe lacks its inputs
            summary.status = "failed"
            summary.message = err.full()
            self._emit(Status(err.full(), "error", getattr(err, "kind", "")))
        except asyncio.CancelledError:
            summary.status = "stopped"
            self.pool.finish_run(summary.run_id, "stopped")
            raise
        self.pool.finish_run(summary.run_id, "finished" if summary.status == "finished"
                             else "stopped" if summary.status in ("stopped", "failed")
                             else summary.status)
        return summary


def _list_state(state: Any) -> Any:
    return [_list_state(x) for x in state] if isinstance(state, tuple) else state


def _tuple_state(state: Any) -> Any:
    return tuple(_tuple_state(x) for x in state) if isinstance(state, list) else state

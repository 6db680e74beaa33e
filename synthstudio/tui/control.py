"""Running the engine from the studio: start or resume, pause, cancel, stop, events.

The engine runs on its own thread and loop (:class:`~synthstudio.tui.engine_thread.
EngineThread`), where the backend lives too, so storing a candidate, saving the run's
state or ``recipe.prepare`` never holds up the keys. Pause, resume, cancel and stop are
handed to that loop. The engine calls :meth:`RunControl.sink` on its thread for every
event; the sink keeps a request's chunks in its feed and posts messages (thread-safe),
one notice at a time for tokens, so a flood of them never queues.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from typing import Any

from textual.worker import Worker, WorkerState

from synthstudio.backends.base import Backend
from synthstudio.config.settings import Settings
from synthstudio.engine import Engine
from synthstudio.errors import SynthError
from synthstudio.events import (
    CandidateReady,
    RequestFinished,
    RequestStarted,
    Status,
    StreamChunk,
)
from synthstudio.recipes import make_recipe
from synthstudio.records import ACCEPTED, PROPOSED, Run, RunStatus
from synthstudio.tui.engine_thread import EngineThread
from synthstudio.tui.messages import (
    CandidateArrived,
    EngineStatus,
    RequestBegan,
    RequestEnded,
    ResumeFound,
    RunChoiceWanted,
    RunEnded,
    RunStarted,
    RunWanted,
    TokensStreamed,
)
from synthstudio.tui.pool_sync import PoolSync
from synthstudio.tui.screens.prompt import PromptScreen
from synthstudio.tui.stream_feed import StreamFeed
from synthstudio.tui.streams import Streams

#: how long quitting waits for a stopped run to end by itself before cancelling it
STOP_WAIT_S = 5.0

#: backend error kinds that mean the model server cannot be reached right now
UNREACHABLE_KINDS = frozenset({"unreachable", "timeout", "busy"})


class RunControl(PoolSync):
    _run_future: concurrent.futures.Future[None] | None
    _feeds: dict[int, StreamFeed]

    def init_run_control(self) -> None:
        self.engine = None
        self._run_future = None
        #: what the person asked for last (the engine hears it a moment later)
        self.run_paused = False
        #: request id -> its feed, while it streams (the engine's thread only)
        self._feeds: dict[int, StreamFeed] = {}
        #: the first retry's wait of each Engine the studio starts (None: the engine's
        #: own; tests shorten it)
        self.engine_backoff_s: float | None = None
        self.resume_run = None
        self._resume_checked = False
        self.engine_thread = EngineThread()
        #: bumped by every start: a look for a stopped run made before it is stale
        self._run_serial = 0
        #: the recipe of the run going (or last gone)
        self.run_recipe = self.settings.recipe

    @property
    def running(self) -> bool:
        f = self._run_future
        return f is not None and not f.done()

    def offer_resume(self) -> None:
        """Look for a run that was stopped or killed (on the pool thread), then offer it."""
        pool = self.pool

        def job() -> None:
            run = pool.last_unfinished_run()
            done = pool.run_counts(run.id) if run is not None else {}
            self.post_message(ResumeFound(run, done))

        self.pool_thread.submit("look for a stopped run", job)

    def on_resume_found(self, event: ResumeFound) -> None:
        self._resume_checked = True
        if event.serial != self._run_serial:
            return  # a run started since the look: what it found is stale
        run = event.run
        if event.quiet:  # looked again after a run ended: its end was said already
            self.resume_run = run
            return
        if run is None or self.running:
            return
        self.resume_run = run
        made = event.counts.get(PROPOSED, 0) + event.counts.get(ACCEPTED, 0)
        self.notify(f"Run #{run.id} ({run.recipe}) stopped with {made} of "
                    f"{run.target or '?'} items. g asks whether to resume it or "
                    f"start {self.settings.recipe}.", timeout=10)

    # -- start and stop -------------------------------------------------------------------

    def action_generate(self) -> None:
        """Go on with the paused run, or ask between the unfinished run and a new one."""
        if self.running:
            if self.run_paused:
                self.action_pause()
            else:
                self.notify("A run is going: space pauses it, C cancels the request, "
                            "x stops the run.")
            return
        if self._resume_checked:
            self._generate()
            return
        # the look for a stopped run is still on the pool thread: start after it
        self.pool_thread.submit("start the run", self.post_message, RunWanted())

    def on_run_wanted(self, event: RunWanted) -> None:
        self._generate()

    def _generate(self) -> None:
        """A new run, or (with an unfinished run in the pool) the question which one."""
        run = self.resume_run
        if run is None:
            self.start_run(None)
            return
        pool = self.pool

        def job() -> None:
            self.post_message(RunChoiceWanted(run, pool.run_counts(run.id)))

        self.pool_thread.submit("count the unfinished run", job)

    def on_run_choice_wanted(self, event: RunChoiceWanted) -> None:
        from synthstudio.tui.screens.choose_run import ChooseRunScreen

        run = event.run
        made = event.counts.get(PROPOSED, 0) + event.counts.get(ACCEPTED, 0)

        def answer(choice: str | None) -> None:
            if choice == "resume":
                self.start_run(run)
            elif choice == "new":
                self.start_run(None)

        self.push_screen(ChooseRunScreen(run, made, self.settings.recipe), answer)

    def on_run_started(self, event: RunStarted) -> None:
        if self.ui_ready():
            self.generation.draw()
            self.streams.clear()  # request ids start again with each run
        self.engine = event.engine
        self.recipe = event.recipe
        self.curator.recipe = event.recipe
        if self.run_paused:  # space was pressed before the engine was there
            self.engine_thread.call(event.engine.pause)

    def action_new_run(self) -> None:
        self.start_run(None)

    def start_run(self, resume: Run | None) -> None:
        if self.running:
            self.notify("A run is going: space pauses it, C cancels the request, "
                        "x stops the run.")
            return
        if self.backend is None:
            self.notify("No model is connected yet; see the status bar.", severity="error")
            return
        name = resume.recipe if resume else self.settings.recipe
        self.resume_run = None
        self.run_paused = False
        self._run_serial += 1
        self.run_recipe = name
        self.generation.set_recipe(f"running {name}")
        self.status.update_right(state=f"{'resuming' if resume else 'starting'} {name}")
        self._run_future = self.engine_thread.submit(
            self._run(name, resume, self.backend, self.settings))

    def show_next_recipe(self, ended: bool = False) -> None:
        """Name the recipe that g runs in the Generation pane's title (``g: textbook``);
        ``ended``: the run said it ended (its thread may not have returned yet)."""
        if ended or not self.running:
            self.generation.set_recipe(f"g: {self.settings.recipe}")

    async def _run(self, name: str, resume: Run | None, backend: Backend,
                   settings: Settings) -> None:
        """Make the recipe and run the engine, on the engine's loop (the recipe's module
        and its index are loaded there); the start and the end are posted."""
        try:
            recipe = make_recipe(name)
        except SynthError as err:
            self.post_message(RunEnded(RunStatus.FAILED, err.full()))
            return
        self._feeds.clear()  # request ids start again with each run
        engine = Engine(self.pool, backend, recipe, settings, target=settings.count,
                        emit=self.sink, resume_run=resume,
                        backoff_base_s=self.engine_backoff_s)
        self.post_message(RunStarted(engine, recipe))
        try:
            # a server that accepts and never answers: one sentence within check_timeout
            check = getattr(engine.ctx.backend, "check", None)
            if check is not None:
                await check()
            summary = await engine.run()
        except SynthError as err:
            self.post_message(RunEnded(RunStatus.FAILED, err.full()))
            return
        except asyncio.CancelledError:
            self.post_message(RunEnded(RunStatus.STOPPED))
            raise
        except Exception as exc:  # noqa: BLE001 - a bug, not a backend error: say it
            self.post_message(RunEnded(RunStatus.FAILED, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(RunEnded(summary.status, summary.message, summary))

    async def stop_engine(self) -> None:
        """Stop the run now (used on quit): the engine cancels its requests, waits for
        them (the embedded model's threads too) and marks the run stopped. Only a run
        that does not end within a few seconds is cancelled outright."""
        future, engine = self._run_future, self.engine
        if future is None or future.done():
            return
        done = asyncio.wrap_future(future)
        if engine is not None:
            self.engine_thread.call(engine.stop)
            with contextlib.suppress(BaseException):  # slow or failed: cancel it below
                await asyncio.wait_for(asyncio.shield(done), timeout=STOP_WAIT_S)
        if not future.done():
            self.engine_thread.loop.call_soon_threadsafe(future.cancel)
            with contextlib.suppress(BaseException):  # cancelled, failed or slow: it is over
                await asyncio.wait_for(done, timeout=10)

    def action_pause(self) -> None:
        engine = self.engine
        if engine is None or not self.running:
            self.notify("Nothing is generating; press g to start.")
            return
        if self.run_paused:
            self.run_paused = False
            self.engine_thread.call(engine.resume)
            self.generation.set_state("streaming" if self.in_flight() else "running")
            self.status.update_right(state=f"running {self.run_recipe}")
        else:
            self.run_paused = True
            self.engine_thread.call(engine.pause)
            self._show_paused()

    def in_flight(self) -> bool:
        """True while a request streams (a pause takes effect once they all end)."""
        return self.streams.streaming > 0

    def _show_paused(self) -> None:
        n = self.streams.streaming
        if n:
            state = ("pausing after this request" if n == 1
                     else f"pausing after the {n} requests in flight")
            self.generation.set_state(state)
            self.status.update_right(state=state)
        else:
            self.generation.set_state("paused (space resumes)")
            self.status.update_right(state="paused")

    def action_cancel_request(self) -> None:
        """Stop the request in view (its step) and pause, so its partial text stays in
        view; other requests in flight finish."""
        if self.engine is None or not self.running or not self.in_flight():
            self.notify("No request is in flight: nothing to cancel.")
            return
        streams = self.streams
        step_id = streams.steps.get(streams.focus) if streams.focus is not None else None
        self.run_paused = True
        self.engine_thread.call(self.engine.pause)
        self.engine_thread.call(self.engine.cancel_request, step_id)
        self.status.update_right(state="paused")
        self.notify("Cancelled the request in flight; its partial text is kept. "
                    "The run is paused: space goes on, x stops it.")

    def action_leave(self) -> None:
        """Escape on the main screen: leave the zoom (never touches the run)."""
        if self.screen.maximized is not None:
            self.screen.minimize()

    def action_stop_run(self) -> None:
        if self.engine is not None and self.running:
            self.engine_thread.call(self.engine.stop)
            self.status.update_right(state="stopping")

    # -- events from the engine -----------------------------------------------------------

    def sink(self, event: Any) -> None:
        """The engine's event callback (on the engine's thread: only feeds and posts).

        Each request in flight has its own feed; the Generation pane follows one of them
        and shows a line for each of the others (``tui/streams.py``)."""
        if isinstance(event, StreamChunk):
            feed = self._feeds.get(event.request_id)
            if feed is not None and feed.put(event.chunk):
                self.post_message(TokensStreamed(event.step))
        elif isinstance(event, RequestStarted):
            feed = self._feeds[event.request_id] = StreamFeed(event.step)
            self.post_message(RequestBegan(event.step, event.messages, event.model,
                                           event.backend, feed, event.step_id,
                                           event.request_id))
        elif isinstance(event, RequestFinished):
            self._feeds.pop(event.request_id, None)
            self.post_message(RequestEnded(event.step, event.completion, event.request_id))
        elif isinstance(event, CandidateReady):
            self.post_message(CandidateArrived(event.candidate))
        elif isinstance(event, Status):
            self.post_message(EngineStatus(event.text, event.level, event.kind))

    @property
    def streams(self) -> Streams:
        """The requests in flight (kept by the Generation pane)."""
        return self.generation.streams

    def on_request_began(self, event: RequestBegan) -> None:
        if not self.ui_ready():
            return
        self.generation.on_request_began(event)
        if self.engine is not None and not self.run_paused:
            self.status.update_right(state=f"running {self.run_recipe}")

    def on_tokens_streamed(self, event: TokensStreamed) -> None:
        if self.ui_ready():
            self.generation.on_tokens_streamed(event)

    def action_follow_stream(self, delta: int) -> None:
        """Show another request in flight in full (``<`` / ``>`` in the Generation pane)."""
        if not self.generation.follow(delta):
            self.notify("Only one request is in flight.")

    def on_candidate_arrived(self, event: CandidateArrived) -> None:
        if not self.ui_ready():
            return
        c = event.candidate
        self.judge_candidate(c)
        if self.curator.arrived(c):
            self.generation.append(c)
            if self.focus_candidate is None:
                self.focus_on(c, "queue")
        if c.status == ACCEPTED:
            self.pool_pane.accepted(c)
        self.counted_arrival(c)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that crashed (a bug, not a backend error) is reported, not silent."""
        if event.state == WorkerState.ERROR and event.worker.name == "backend":
            self.status.set_error(f"{event.worker.error}")

    def on_engine_status(self, event: EngineStatus) -> None:
        if not self.ui_ready():
            return
        severity = {"error": "error", "warning": "warning"}.get(event.level, "information")
        self.notify(event.text, severity=severity)  # type: ignore[arg-type]
        # posted by the engine's thread in its order, like RequestEnded (which sets the bar
        # connected), so a reconnection that follows is never overtaken by this
        if event.kind in UNREACHABLE_KINDS:
            self.status.set_disconnected(event.text)

    def on_request_ended(self, event: RequestEnded) -> None:
        if not self.ui_ready():
            return
        gen = self.generation
        done = gen.streams.buffers.get(event.request_id)
        gen.on_request_ended(event)
        self.status.set_connected()
        # the status bar counts every stream: this one's rate plus those still going
        rate = (done.rate if done is not None else None) or 0.0
        rate += gen.streams.rate or 0.0
        if rate:
            self.status.update_right(rate=rate)
        if self.engine is not None and self.run_paused:
            if self.in_flight():  # others still stream: the pause waits for them
                self._show_paused()
                return
            cancelled = event.completion.cancelled
            gen.set_state("paused, request cancelled (space resumes)" if cancelled
                          else "paused (space resumes)")
            self.status.update_right(state="paused")

    def on_run_ended(self, event: RunEnded) -> None:
        if not self.ui_ready():
            return
        self.engine = None
        self.run_paused = False
        self.check_counts()
        self.generation.set_state(f"run {event.status}")
        self.status.update_right(state=f"run {event.status}")
        self.show_next_recipe(ended=True)
        if event.status != RunStatus.FINISHED:
            self._find_unfinished_run()
        text = f"The run {event.status}."
        if event.message:
            text += f" {event.message}"
        self.notify(text, severity="error" if event.status == RunStatus.FAILED else "information")

    def _find_unfinished_run(self) -> None:
        """After a run stopped or failed, g asks again (looked up on the pool thread)."""
        pool, serial = self.pool, self._run_serial

        def job() -> None:
            self.post_message(ResumeFound(pool.last_unfinished_run(), {}, quiet=True,
                                          serial=serial))

        self.pool_thread.submit("look for a stopped run", job)

    def action_show_prompt(self) -> None:
        buf = self.generation.buffer
        c = self.focus_candidate
        if (self.running or c is None or not c.prompt) and buf.messages:
            self.push_screen(PromptScreen(f"Prompt of the {buf.step} request", buf.messages))
        elif c is not None:
            self.push_screen(PromptScreen(f"Prompt that made #{c.id}", c.prompt))
        else:
            self.push_screen(PromptScreen("Prompt", []))

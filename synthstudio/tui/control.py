"""Running the engine from the studio: start or resume, pause, cancel, stop, events.

The engine runs as an async worker on the app's loop (backends are async; the embedded
one runs its C call in a thread itself) and calls :meth:`RunControl.sink` for every
event. The sink keeps the stream buffer current at once and posts messages; the panes
redraw from them in batches.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.worker import Worker, WorkerState

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
from synthstudio.records import ACCEPTED
from synthstudio.tui.base import StudioBase
from synthstudio.tui.messages import (
    CandidateArrived,
    EngineStatus,
    RequestBegan,
    RequestEnded,
    RunEnded,
    TokensStreamed,
)
from synthstudio.tui.screens.choose_run import ChooseRunScreen
from synthstudio.tui.screens.prompt import PromptScreen

#: backend error kinds that mean the model server cannot be reached right now
UNREACHABLE_KINDS = frozenset({"unreachable", "timeout", "busy"})


class RunControl(StudioBase):
    _engine_worker: Worker[None] | None

    def init_run_control(self) -> None:
        self.engine = None
        self._engine_worker = None
        #: extra keyword arguments for each Engine the studio starts (tests shorten backoff)
        self.engine_kwargs: dict[str, Any] = {}
        self.resume_run = self.pool.last_unfinished_run()
        #: the recipe of the run going (or last gone)
        self.run_recipe = self.settings.recipe

    @property
    def running(self) -> bool:
        w = self._engine_worker
        return w is not None and w.state in (WorkerState.PENDING, WorkerState.RUNNING)

    def offer_resume(self) -> None:
        run = self.resume_run
        if run is None:
            return
        done = self.pool.run_counts(int(run["id"]))
        made = done["proposed"] + done["accepted"]
        self.notify(f"Run #{run['id']} ({run['recipe']}) stopped with {made} of "
                    f"{run.get('target') or '?'} items. g asks whether to resume it or "
                    f"start {self.settings.recipe}.", timeout=10)

    # -- start and stop -------------------------------------------------------------------

    def action_generate(self) -> None:
        """Go on with the paused run, or ask between the unfinished run and a new one."""
        if self.running and self.engine is not None:
            if self.engine.paused:
                self.action_pause()
            else:
                self.notify("A run is going: space pauses it, C cancels the request, "
                            "x stops the run.")
            return
        if self.resume_run is None:
            self.start_run(None)
        else:
            self._ask_resume(self.resume_run)

    @work(thread=True, group="pool-read", exit_on_error=False)
    def _ask_resume(self, run: dict[str, Any]) -> None:
        counts = self.pool.run_counts(int(run["id"]))
        made = counts["proposed"] + counts["accepted"]

        def answer(choice: str | None) -> None:
            if choice == "resume":
                self.start_run(run)
            elif choice == "new":
                self.start_run(None)

        self.call_from_thread(self.push_screen,
                              ChooseRunScreen(run, made, self.settings.recipe), answer)

    def action_new_run(self) -> None:
        self.start_run(None)

    def start_run(self, resume: dict[str, Any] | None) -> None:
        if self.running:
            self.notify("A run is going: space pauses it, C cancels the request, "
                        "x stops the run.")
            return
        if self.backend is None:
            self.notify("No model is connected yet; see the status bar.", severity="error")
            return
        name = str(resume["recipe"]) if resume else self.settings.recipe
        try:
            recipe = make_recipe(name)
        except SynthError as err:
            self.notify(err.full(), severity="error")
            return
        self.recipe = recipe
        self.curator.recipe = recipe
        self.engine = Engine(self.pool, self.backend, recipe, self.settings,
                             target=self.settings.count, emit=self.sink,
                             resume_run=resume, **self.engine_kwargs)
        self.resume_run = None
        self.run_recipe = name
        self.generation.set_recipe(f"running {name}")
        self.status.update_right(state=f"{'resuming' if resume else 'starting'} {name}")
        self._engine_worker = self.run_worker(self._run(self.engine), name="engine",
                                              group="engine", exclusive=True,
                                              exit_on_error=False)

    def show_next_recipe(self) -> None:
        """Name the recipe that g runs in the Generation pane's title (``g: textbook``)."""
        if not self.running:
            self.generation.set_recipe(f"g: {self.settings.recipe}")

    async def _run(self, engine: Engine) -> None:
        try:
            summary = await engine.run()
        except SynthError as err:
            self.post_message(RunEnded("failed", err.full()))
            return
        self.post_message(RunEnded(summary.status, summary.message, summary))

    async def stop_engine(self) -> None:
        """Stop the run now (used on quit): the engine marks the run stopped."""
        worker = self._engine_worker
        if self.engine is not None:
            self.engine.stop()
        if worker is not None and self.running:
            worker.cancel()
            try:
                await worker.wait()
            except Exception:  # noqa: BLE001 - cancelled or failed: either way it is over
                pass

    def action_pause(self) -> None:
        engine = self.engine
        if engine is None or not self.running:
            self.notify("Nothing is generating; press g to start.")
            return
        if engine.paused:
            engine.resume()
            self.generation.set_state("streaming" if self.in_flight() else "running")
            self.status.update_right(state=f"running {self.run_recipe}")
        else:
            engine.pause()
            self._show_paused()

    def in_flight(self) -> bool:
        """True while a request streams (the engine pauses only once it ends)."""
        buf = self.generation.buffer
        return bool(buf.started) and buf.ended is None

    def _show_paused(self) -> None:
        if self.in_flight():
            self.generation.set_state("pausing after this request")
            self.status.update_right(state="pausing after this request")
        else:
            self.generation.set_state("paused (space resumes)")
            self.status.update_right(state="paused")

    def action_cancel_request(self) -> None:
        """Stop the request in flight and pause, so its partial text stays in view."""
        if self.engine is None or not self.running or not self.in_flight():
            self.notify("No request is in flight: nothing to cancel.")
            return
        self.engine.pause()
        self.engine.cancel_request()
        self.status.update_right(state="paused")
        self.notify("Cancelled the request in flight; its partial text is kept. "
                    "The run is paused: space goes on, x stops it.")

    def action_leave(self) -> None:
        """Escape on the main screen: leave the zoom (never touches the run)."""
        if self.screen.maximized is not None:
            self.screen.minimize()

    def action_stop_run(self) -> None:
        if self.engine is not None and self.running:
            self.engine.stop()
            self.status.update_right(state="stopping")

    # -- events from the engine -----------------------------------------------------------

    def sink(self, event: Any) -> None:
        """The engine's event callback (on the app's loop)."""
        gen = self.generation
        if isinstance(event, StreamChunk):
            gen.buffer.feed(event.chunk)
            gen.post_message(TokensStreamed(event.step))
        elif isinstance(event, RequestStarted):
            gen.buffer.begin(event.step, event.messages)
            if self.engine is not None and not self.engine.paused:
                self.status.update_right(state=f"running {self.run_recipe}")
            gen.post_message(RequestBegan(event.step, event.messages, event.model,
                                          event.backend))
        elif isinstance(event, RequestFinished):
            gen.buffer.end(event.completion)
            gen.post_message(RequestEnded(event.step, event.completion))
            self.status.set_connected()
            rate = gen.buffer.rate
            if rate:
                self.status.update_right(rate=rate)
        elif isinstance(event, CandidateReady):
            self.post_message(CandidateArrived(event.candidate))
        elif isinstance(event, Status):
            self.post_message(EngineStatus(event.text, event.level, event.kind))

    def on_candidate_arrived(self, event: CandidateArrived) -> None:
        if not self.ui_ready():
            return
        c = event.candidate
        if self.curator.arrived(c):
            self.generation.append(c)
            if self.focus_candidate is None:
                self.focus_on(c, "queue")
        if c.status == ACCEPTED:
            self.pool_pane.reload()
        self.refresh_counts()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A run that crashed (a bug, not a backend error) is reported, not silent."""
        if event.state != WorkerState.ERROR:
            return
        if event.worker is self._engine_worker:
            self.post_message(RunEnded("failed", f"{event.worker.error}"))
        elif event.worker.name == "backend":
            self.status.set_error(f"{event.worker.error}")

    def on_engine_status(self, event: EngineStatus) -> None:
        if not self.ui_ready():
            return
        severity = {"error": "error", "warning": "warning"}.get(event.level, "information")
        self.notify(event.text, severity=severity)  # type: ignore[arg-type]
        if event.kind in UNREACHABLE_KINDS:
            self.status.set_disconnected(event.text)

    def on_request_ended(self, event: RequestEnded) -> None:
        if not self.ui_ready():
            return
        if self.engine is not None and self.engine.paused:
            cancelled = event.completion.cancelled
            self.generation.set_state("paused, request cancelled (space resumes)" if cancelled
                                      else "paused (space resumes)")
            self.status.update_right(state="paused")

    def on_run_ended(self, event: RunEnded) -> None:
        if not self.ui_ready():
            return
        self.engine = None
        self.generation.set_state(f"run {event.status}")
        self.status.update_right(state=f"run {event.status}")
        self.show_next_recipe()
        if event.status != "finished":
            self._find_unfinished_run()
        text = f"The run {event.status}."
        if event.message:
            text += f" {event.message}"
        self.notify(text, severity="error" if event.status == "failed" else "information")

    @work(thread=True, group="pool-read", exit_on_error=False)
    def _find_unfinished_run(self) -> None:
        run = self.pool.last_unfinished_run()
        self.call_from_thread(setattr, self, "resume_run", run)

    def action_show_prompt(self) -> None:
        buf = self.generation.buffer
        c = self.focus_candidate
        if (self.running or c is None or not c.prompt) and buf.messages:
            self.push_screen(PromptScreen(f"Prompt of the {buf.step} request", buf.messages))
        elif c is not None:
            self.push_screen(PromptScreen(f"Prompt that made #{c.id}", c.prompt))
        else:
            self.push_screen(PromptScreen("Prompt", []))

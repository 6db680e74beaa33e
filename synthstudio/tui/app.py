"""The studio: four panes on one screen, the engine in a worker, the queue walked by keys.

``SynthStudio(pool=..., settings=..., backend=...)`` takes its backend from the caller
(tests pass a scripted one); without one it opens the configured backend itself
(``synthstudio.backends.select``) and says in the status bar what it chose and why.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App, ComposeResult
from textual.containers import Grid
from textual.css.query import NoMatches
from textual.screen import Screen

from synthstudio.backends.base import Backend
from synthstudio.config.settings import Settings, default_config_path, save_settings
from synthstudio.curation import Curator
from synthstudio.errors import SynthError
from synthstudio.store import Pool
from synthstudio.store.connection import WAIT_MESSAGE
from synthstudio.tui import bindings
from synthstudio.tui.commands import StudioCommands
from synthstudio.tui.control import RunControl
from synthstudio.tui.curation import CurationActions
from synthstudio.tui.judging import JudgeActions
from synthstudio.tui.key_footer import KeyFooter
from synthstudio.tui.layout import LayoutActions
from synthstudio.tui.messages import BackendReady
from synthstudio.tui.statusbar import embedded_note
from synthstudio.tui.studio_screen import StudioScreen
from synthstudio.tui.theme import next_theme, register_themes, stylesheets, usable_theme

if TYPE_CHECKING:
    from synthstudio.tui.screens.export import ExportRequest

# The screens behind keys are imported when first opened, not at start: the first screen
# should not wait for the recipes, pydantic models and widgets they pull in.


class SynthStudio(CurationActions, RunControl, LayoutActions, JudgeActions):
    TITLE = "synthstudio"
    CSS_PATH = stylesheets()
    BINDINGS = bindings.APP
    COMMANDS = App.COMMANDS | {StudioCommands}
    ESCAPE_TO_MINIMIZE = False
    #: a zoomed pane keeps the status bar (counts and run state) and the footer in view
    ALLOW_IN_MAXIMIZED_VIEW = "Footer, StatusBar"

    def __init__(self, pool: Pool, settings: Settings, backend: Backend | None = None, *,
                 config_path: Path | None = None, why: str = "",
                 config_warnings: list[str] | None = None) -> None:
        super().__init__()
        register_themes(self)
        self.pool = pool
        self.settings = settings
        self.backend = backend
        self.backend_why = why
        self.config_path = config_path
        self.config_warnings = list(config_warnings or [])
        self.remap, self.unknown_keys = bindings.keymap(settings.keys)
        #: made when a run starts (its index is built then, off the loop)
        self.recipe = None
        self._owns_backend = False
        self.init_pool_sync()
        self.curator = Curator(pool, self.recipe, submit=self.submit_decisions)
        self.init_run_control()
        self.init_layout()
        self.init_judge()

    def get_default_screen(self) -> Screen[Any]:
        return StudioScreen()

    def compose(self) -> ComposeResult:
        self.make_panes()
        with Grid(id="panes", classes="grid"):
            yield from (self._seeds, self._generation, self._scores, self._pool_pane)
        yield self._status
        yield KeyFooter(compact=True)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):  # busy: no full collection now
            self.quiet_gc.input()
            if isinstance(event, events.Key) and isinstance(self.screen, StudioScreen):
                self.screen.hurry_frame()
        await super().on_event(event)

    # -- start ----------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.theme = usable_theme(self, self.settings.theme)
        self.set_keymap(self.remap)
        if self.unknown_keys:
            self.notify(f"Unknown binding ids in the config's [keys]: "
                        f"{', '.join(self.unknown_keys)}. See ? for the ids.",
                        severity="warning")
        for line in self.config_warnings:
            self.notify(line, severity="warning")
        loop = asyncio.get_running_loop()
        # a write waiting for another process's lock: say so (the wait is on the pool or
        # the engine thread; the hook runs in a timer thread and only hands the notice to
        # the loop, never waiting for it)
        self.pool.on_wait = lambda: loop.call_soon_threadsafe(
            lambda: self.notify(WAIT_MESSAGE, severity="warning", timeout=4))
        self.offer_resume()  # first on the pool thread: g waits for it
        self.start_pool_sync()
        self.show_counts()
        self.status.update_right(state="idle")
        if self.backend is not None:
            self.post_message(BackendReady(self.backend, self.backend_why))
        else:
            self.status.set_connecting("Looking for a model (Ollama, else the embedded one)…")
            self.engine_thread.submit(self._open_backend())
        self.show_next_recipe()
        self.generation.focus_primary()

    async def _open_backend(self) -> None:
        """Open the configured backend (on the engine's loop, where it will be used)."""
        try:
            from synthstudio.backends.select import open_backend
        except ImportError as exc:
            self.post_message(BackendReady(None, error=f"model backends are not available "
                                                       f"({exc})."))
            return
        try:
            backend, why = await open_backend(self.settings)
        except SynthError as err:
            self.post_message(BackendReady(None, error=err.full()))
            return
        self._owns_backend = True
        self.post_message(BackendReady(backend, why))

    def on_backend_ready(self, event: BackendReady) -> None:
        if not self.ui_ready():
            return
        if event.backend is None:
            self.status.set_error(event.error)
            self.generation.set_backend("none", "no model", "")
            return
        self.backend = event.backend
        name, model = event.backend.name, event.backend.model
        embedded = name == "embedded"
        # the tiny-model warning is said once, in the Generation pane; the status bar
        # keeps why this backend was chosen, so no toast repeats either
        self.status.set_backend(name, model, event.why)
        self.generation.set_backend(name, model, embedded_note() if embedded else "")
        if event.why and not embedded:
            self.notify(event.why, timeout=6)

    async def on_unmount(self) -> None:
        with contextlib.suppress(NoMatches, AttributeError):
            self.seeds.editor.flush()
        await self.stop_engine()
        await self.stop_judge()
        backends = [b for b in (self.backend if self._owns_backend else None,
                                self.judge_backend_to_close()) if b is not None]
        await asyncio.to_thread(self._close_threads, backends)
        self.thaw_heap()

    def _close_threads(self, backends: list[Backend]) -> None:
        """Write what is still queued (nothing accepted is lost), close the backends on
        their own loop, and end both threads."""
        self.pool_thread.close()
        for backend in backends:
            with contextlib.suppress(Exception):
                self.engine_thread.submit(backend.aclose()).result(10)
        self.engine_thread.close()

    # -- panes ----------------------------------------------------------------------------

    # -- theme, settings, export, help -------------------------------------------------------

    def action_toggle_theme(self) -> None:
        self.theme = next_theme(self.theme)

    def watch_theme(self, name: str) -> None:
        if not self.ui_ready():
            return
        self.scores.show(self.focus_candidate)
        if name != self.settings.theme:
            self.settings.theme = name
            self.save_config()

    def save_config(self) -> Path:
        """Write the config file on the pool thread (a failure is said in a toast)."""
        path = self.config_path or default_config_path()
        self.pool_thread.submit("save the config", save_settings,
                                self.settings.model_copy(deep=True), path)
        return path

    def action_settings(self) -> None:
        from synthstudio.tui.screens.settings import SettingsScreen
        def done(new: Settings | None) -> None:
            if new is None:
                return
            old = self.settings
            self.settings = new
            path = self.save_config()
            if new.recipe != old.recipe and not self.running:
                self.recipe = None  # the next run makes the new one
                self.curator.recipe = None
            self.show_next_recipe()
            if (new.backend, new.model) != (old.backend, old.model) and not self.running:
                self.backend = None
                self.status.set_connecting("Opening the model you chose…")
                self.engine_thread.submit(self._open_backend())
            if path is not None:
                self.notify(f"Settings saved to {path}.")

        self.push_screen(SettingsScreen(self.settings), done)

    def action_export(self) -> None:
        from synthstudio.tui.screens.export import ExportScreen

        def done(summary: str | None) -> None:
            if summary:
                self.notify(summary)

        self.push_screen(ExportScreen(Path.cwd() / "export.jsonl", self._export), done)

    def _export(self, req: ExportRequest) -> str:
        """Write one export (called in the export dialog's worker thread)."""
        from synthstudio.datasets.export import export

        # decisions still queued for the pool thread are written first: the file has them
        self.pool_thread.flush()
        status = None if req.status == "all" else req.status
        summary: Any = export(self.pool, req.fmt, req.path, status=status)
        rows = getattr(summary, "rows", "?")
        return f"Wrote {rows} lines ({req.fmt}) to {req.path}."

    def action_coverage(self) -> None:
        from synthstudio.tui.screens.coverage import CoverageScreen
        self.push_screen(CoverageScreen(self.pool))

    def action_audiences(self) -> None:
        from synthstudio.tui.screens.audiences import AudiencesScreen, is_textbook
        c = self.focus_candidate
        if c is None:
            self.notify("No candidate in focus: pick a textbook item in the queue or the "
                        "pool.")
            return
        if not is_textbook(c):
            self.notify(f"#{c.id} is a {c.recipe} item, not a textbook text: the audiences "
                        f"view shows one textbook topic written for every audience.")
            return
        self.push_screen(AudiencesScreen(self.pool, c))

    def action_report(self) -> None:
        from synthstudio.tui.screens.report import ReportScreen
        self.push_screen(ReportScreen(self.pool))

    def action_topics(self) -> None:
        from synthstudio.tui.screens.rows import TOPICS, RowsScreen
        self.push_screen(RowsScreen(self.pool, TOPICS, self.pool_thread))

    def action_problems(self) -> None:
        from synthstudio.tui.screens.rows import PROBLEMS, RowsScreen
        self.push_screen(RowsScreen(self.pool, PROBLEMS, self.pool_thread))

    def action_help(self) -> None:
        from synthstudio.tui.screens.help import HelpScreen
        self.push_screen(HelpScreen(self.remap))

    async def action_quit(self) -> None:
        self.seeds.editor.flush()
        await self.stop_engine()
        self.exit(0)


def run_studio(args: argparse.Namespace) -> int:
    """Open the studio on the pool and config named by ``args`` (``db``, ``config``)."""
    from synthstudio.cli.common import config_path, open_pool
    from synthstudio.cli.generate_cmd import settings_from_args

    warnings: list[str] = []  # unknown config keys: notifications, not lines under the UI
    settings = settings_from_args(args, warnings)  # config, then --backend/--model/...
    pool = open_pool(args)
    try:
        app = SynthStudio(pool=pool, settings=settings, config_path=config_path(args),
                          config_warnings=warnings)
        code = app.run()
    finally:
        pool.close()
    return int(code or 0)

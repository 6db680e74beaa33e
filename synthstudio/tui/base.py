"""What every part of the studio app shares: its state and its panes.

The app is put together from :class:`StudioBase` and three action sets (curation,
run control, layout), each a subclass of it, so each can use the panes and the state.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App

from synthstudio.backends.base import Backend
from synthstudio.config.settings import Settings
from synthstudio.curation import Curator
from synthstudio.engine import Engine
from synthstudio.recipes.base import Recipe
from synthstudio.records import Candidate, FilterResult, JudgeScore, Run
from synthstudio.store import Pool
from synthstudio.tui.engine_thread import EngineThread
from synthstudio.tui.panes.candidate_pane import CandidateListPane
from synthstudio.tui.panes.generation import GenerationPane
from synthstudio.tui.panes.pool import PoolPane
from synthstudio.tui.panes.scores import ScoresPane
from synthstudio.tui.panes.seeds import SeedsPane
from synthstudio.tui.pool_thread import PoolThread
from synthstudio.tui.statusbar import StatusBar
from synthstudio.tui.tally import Tally


class StudioBase(App[int]):
    pool: Pool
    settings: Settings
    backend: Backend | None
    config_path: Path | None
    recipe: Recipe | None
    curator: Curator
    remap: dict[str, str]
    engine: Engine | None
    resume_run: Run | None
    run_recipe: str
    focus_candidate: Candidate | None = None
    focus_source: str = "queue"
    tally: Tally
    pool_thread: PoolThread
    engine_thread: EngineThread

    _seeds: SeedsPane
    _generation: GenerationPane
    _scores: ScoresPane
    _pool_pane: PoolPane
    _status: StatusBar

    def make_panes(self) -> None:
        self._seeds = SeedsPane(self.pool, self.pool_thread, id="seeds")
        self._generation = GenerationPane(id="generation")
        self._scores = ScoresPane(id="scores")
        self._pool_pane = PoolPane(id="pool")
        self._status = StatusBar(id="status")
        self._generation.judge_label = self._pool_pane.judge_label = self.judge_label

    # -- the judge (see synthstudio.tui.judging) -------------------------------------------

    def judge_row(self, c: Candidate) -> FilterResult | None:
        """The Scores pane's ``judge`` row for ``c``, if there is one."""
        return None

    def judge_label(self, c: Candidate) -> str:
        """``c``'s judge score as list rows show it (empty when unrated)."""
        return ""

    def may_accept(self, c: Candidate) -> bool:
        """Whether accept-all may accept ``c`` (False when a gating judge did not pass it)."""
        return True

    def judge_candidate(self, c: Candidate, *, auto: bool = True) -> None:
        """Have the judge rate ``c`` (with ``auto``: only if the judge is on)."""

    def judge_scores_known(self, scores: dict[int, JudgeScore]) -> None:
        """Stored judge scores read on the pool thread along with a list (id -> score)."""

    def order_queue(self) -> None:
        """Put the review queue in the order chosen with ``S`` (arrival or by score)."""

    def ui_ready(self) -> bool:
        """False while the panes are not (or no longer) there: late messages are dropped."""
        panes = (self._seeds, self._generation, self._scores, self._pool_pane)
        return self.is_running and all(p.is_attached for p in panes)

    @property
    def seeds(self) -> SeedsPane:
        return self._seeds

    @property
    def generation(self) -> GenerationPane:
        return self._generation

    @property
    def scores(self) -> ScoresPane:
        return self._scores

    @property
    def pool_pane(self) -> PoolPane:
        return self._pool_pane

    @property
    def status(self) -> StatusBar:
        return self._status

    def show_counts(self) -> None:
        """Show the tally (kept from events; checked against the pool in the background)."""
        if self.tally.known:
            self.status.update_right(counts=self.tally.counts)
        self.pool_pane.show_counts(self.tally)

    def list_pane(self, source: str) -> CandidateListPane | None:
        """The pane whose list ``source`` names ("queue" or "pool"), if any."""
        return {"queue": self.generation, "pool": self.pool_pane}.get(source)

    def focus_on(self, c: Candidate | None, source: str, again: bool = False) -> None:
        """Make ``c`` the candidate in focus: the Scores pane shows it, keys act on it
        (``again``: ``c`` changed, show it anew)."""
        same = c is self.focus_candidate and c is self.scores.candidate and not again
        self.focus_candidate = c
        self.focus_source = source
        if not same:  # a list's highlight event repeats what a key already showed
            self.scores.show(c)
            pane = self.list_pane(source)
            self.scores.draw_ahead(pane.listing.neighbours(c)
                                   if c is not None and pane is not None else [])

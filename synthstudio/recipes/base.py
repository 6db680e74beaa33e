"""What a recipe is.

A recipe knows how to make candidates (prompts, parsing, filters); the engine
(:mod:`synthstudio.engine`) drives it, stores what it makes and reports events
(:mod:`synthstudio.events`) to whoever listens (the CLI's progress bar, the studio's panes).
Its steps send requests through :class:`synthstudio.recipes.context.Context`.
"""

from __future__ import annotations

from typing import Any, Protocol

from synthstudio.recipes.context import Context
from synthstudio.records import Candidate

__all__ = ["Context", "Recipe"]

class Recipe(Protocol):
    """A way of making candidates."""

    name: str

    def prepare(self, ctx: Context) -> None:
        """Load what the recipe needs from the pool (indexes, inputs). May be slow."""
        ...

    async def step(self, ctx: Context) -> list[Candidate]:
        """Make some candidates (scored, not yet stored): one unit of work."""
        ...

    def on_stored(self, candidate: Candidate) -> None:
        """A candidate was stored (any status); update in-memory state."""
        ...

    def on_status_changed(self, candidate: Candidate, old_status: str) -> None:
        """A person accepted, rejected or un-accepted a candidate."""
        ...

    def state(self) -> dict[str, Any]:
        """Sampling state to save with the run, for resume."""
        ...

    def restore(self, state: dict[str, Any]) -> None: ...

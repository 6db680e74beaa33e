"""The command palette (ctrl+p): every action of the studio, with its current key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from synthstudio.tui import bindings
from synthstudio.tui.screens.help import display_keys
from synthstudio.tui.theme import THEMES

PANE_SCOPES = (("#seeds", "Seeds", bindings.SEEDS), ("#generation", "Generation",
               bindings.GENERATION), ("#pool", "Pool", bindings.POOL))

EXTRA = (
    ("New run", "Start a new run instead of resuming the unfinished one", "new_run"),
    ("Reload the queue", "Read the proposed candidates from the pool again",
     "reload_queue"),
)


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: str
    run: Callable[[], Any]


def _runner(app: Any, action: str, selector: str | None = None) -> Callable[[], Any]:
    if selector is None:
        return partial(app.run_action, action)

    async def run() -> None:
        app.query_one(selector).focus_primary()
        await app.run_action(action, app.query_one(selector))

    return run


def studio_commands(app: Any) -> Iterator[Command]:
    remap: dict[str, str] = getattr(app, "remap", {})
    for b in bindings.only(bindings.APP):
        keys = display_keys(bindings.keys_for(b, remap))
        yield Command(b.description, f"key: {keys} · id: {b.id}", _runner(app, b.action))
    for selector, title, scope in PANE_SCOPES:
        for b in bindings.only(scope):
            keys = display_keys(bindings.keys_for(b, remap))
            yield Command(f"{title}: {b.description}", f"key: {keys} in the {title} pane",
                          _runner(app, b.action, selector))
    for name, help_text, action in EXTRA:
        yield Command(name, help_text, _runner(app, action))
    for theme in THEMES:
        yield Command(f"Theme: {theme.name}", "Switch the theme (remembered)",
                      partial(setattr, app, "theme", theme.name))


class StudioCommands(Provider):
    """Every studio action by name; the help line shows its key and binding id."""

    async def discover(self) -> Hits:
        for c in studio_commands(self.app):
            yield DiscoveryHit(c.name, c.run, help=c.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for c in studio_commands(self.app):
            score = matcher.match(c.name)
            if score > 0:
                yield Hit(score, matcher.highlight(c.name), c.run, help=c.help)

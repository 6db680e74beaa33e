"""The footer of keys, rebuilt only when the keys it shows change.

Textual's ``Footer`` removes and mounts all its key widgets again whenever the screen's
bindings are updated: on every change of focus, though most panes show the same keys.
On the studio's screen that rebuild (new widgets styled, a new layout) took about
100 ms of the event loop, so a key pressed just after ``4`` (to the Pool pane) waited
for it. :class:`KeyFooter` compares what it would show, each shown binding with whether
it is enabled and its tooltip (and whether the command palette's key is shown), with what
its widgets were made from, and rebuilds only when that changed.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


def shown_keys(screen: Screen[Any], palette_key: str) -> tuple[Any, ...]:
    """What a footer shows for ``screen``: its shown bindings (and the command palette's)
    with whether each is enabled and its tooltip, in order."""
    return tuple((binding, enabled, tooltip)
                 for key, (_node, binding, enabled, tooltip) in screen.active_bindings.items()
                 if binding.show or key == palette_key)


class KeyFooter(Footer):
    """A ``Footer`` that rebuilds itself only when the keys it shows change."""

    #: what the footer's key widgets were last made from
    _shown: tuple[Any, ...] | None = None

    def _keys(self) -> tuple[Any, ...]:
        app = self.app
        return (self.show_command_palette, app.ENABLE_COMMAND_PALETTE,
                *shown_keys(self.screen, app.COMMAND_PALETTE_BINDING))

    def compose(self) -> ComposeResult:
        # noted as the widgets are made, from the bindings they are made from: a change
        # while the old widgets are being removed is then seen by the next check
        if self._bindings_ready and self.is_attached:
            self._shown = self._keys()
        yield from super().compose()

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        if self.is_attached and self._keys() != self._shown:
            await self.recompose()

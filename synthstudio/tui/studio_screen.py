"""The studio's main screen: when a dialog closes, the keyboard goes back to a pane.

Textual gives the focus back to the widget focused before the dialog; when that widget
is gone (or nothing had the focus), its default would focus the first focusable widget,
the Seeds search box, and the next hot keys (``p``, ``T``) would be typed into it.
Here the focus goes to the pane used last instead (the Generation pane's queue if none).

Its frames are drawn by :class:`synthstudio.tui.frame_timer.FrameTimer`: a frame that is due
is drawn at once, not on Textual's grid of slots; and by
:class:`synthstudio.tui.dirty_rows.DirtyRowsCompositor`: a change redraws the widgets and
rows it touched, not every widget under the rectangle around all changes.
"""

from __future__ import annotations

from textual import events
from textual.reactive import Reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget

from synthstudio.tui.dirty_rows import DirtyRowsCompositor
from synthstudio.tui.frame_timer import FrameTimer, frame_timer
from synthstudio.tui.panes import Pane


def pane_of(widget: Widget | None) -> Pane | None:
    node = widget
    while node is not None:
        if isinstance(node, Pane):
            return node
        node = node.parent if isinstance(node.parent, Widget) else None
    return None


class StudioScreen(Screen[None]):
    AUTO_FOCUS = ""  # never the first focusable widget: see on_screen_resume

    #: Textual's, without drawing the whole screen again when the focus moves: the
    #: widgets whose look depends on it (focus, focus-within) are restyled and redrawn
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def __init__(self) -> None:
        super().__init__(id="_default")
        self._compositor = DirtyRowsCompositor()  # a change redraws only what it touched
        self.last_pane: Pane | None = None
        self._frames: Timer | None = None

    def _on_timer_update(self) -> None:
        """A frame: the app first brings what follows a highlight by message up to date
        (``before_frame``), so that the frame shows both."""
        before = getattr(self.app, "before_frame", None)
        if before is not None and self.is_current:
            before()
        super()._on_timer_update()

    def hurry_frame(self) -> None:
        """A key was pressed: its frame is drawn without waiting out the 1/60 s."""
        timer = self._update_timer
        if isinstance(timer, FrameTimer):
            timer.hurry()

    @property
    def _update_timer(self) -> Timer:
        """Textual's screen update timer, paced from the last frame (tui/frame_timer.py)."""
        if self._frames is None:
            self._frames = frame_timer(self, self._on_timer_update)
        return self._frames

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        pane = pane_of(event.widget)
        if pane is not None:
            self.last_pane = pane

    def on_screen_resume(self) -> None:
        focused = self.focused
        if focused is not None and focused.is_attached and focused.display:
            return
        panes = list(self.query(Pane))
        pane = self.last_pane if self.last_pane in panes else None
        if pane is None:
            pane = next((p for p in panes if p.id == "generation"), None)
        if pane is not None:
            pane.focus_primary()

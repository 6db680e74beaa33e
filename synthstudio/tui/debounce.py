"""Save-as-you-type: run a save a moment after the last keystroke, or at once on demand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.message_pump import MessagePump
from textual.timer import Timer


class Debouncer:
    """Calls ``action`` ``delay`` seconds after the last :meth:`poke`.

    :meth:`cancel` drops a pending call (the caller is about to save itself).
    """

    def __init__(self, owner: MessagePump, delay: float, action: Callable[[], Any]) -> None:
        self._owner = owner
        self._delay = delay
        self._action = action
        self._timer: Timer | None = None

    def poke(self) -> None:
        self.cancel()
        self._timer = self._owner.set_timer(self._delay, self._action)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

"""Full garbage collections wait for a pause in the keys (tui/quiet_gc.py)."""

from __future__ import annotations

import gc

from synthstudio.tui.quiet_gc import NEVER, QUIET_S, QuietGC


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_a_full_collection_waits_for_a_pause_and_for_python_to_want_one() -> None:
    clock, ran = Clock(), []
    before = gc.get_threshold()
    quiet = QuietGC(clock, collect=lambda: ran.append(clock.t))
    assert not quiet.due(10**6)  # not started: Python runs its own
    quiet.start()
    try:
        assert gc.get_threshold() == (before[0], before[1], NEVER)
        wants = before[2]  # as many young collections as Python's own threshold asks
        assert not quiet.due(wants - 1) and quiet.due(wants)  # nobody has pressed a key
        quiet.input()
        assert not quiet.due(wants)  # a key now: not in the middle of its press
        clock.t += QUIET_S / 2
        assert not quiet.due(wants)
        clock.t += QUIET_S / 2
        assert quiet.due(wants)  # a pause long enough
        quiet.check()  # after gc.collect() the real count is below the threshold again
        assert quiet.collections == len(ran)
    finally:
        quiet.stop()
    assert gc.get_threshold() == before
    assert not quiet.running

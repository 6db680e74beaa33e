"""What a change redraws: only the widgets and rows it touched (tui/dirty_rows.py), with
the same characters on the terminal as Textual's own partial update; and the footer of
keys, rebuilt only when the keys it shows change (tui/key_footer.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from textual._compositor import Compositor
from textual.geometry import Region
from textual.widgets._footer import FooterKey

from synthstudio.tui.dirty_rows import DirtyRowsCompositor, rows_to_draw
from tests.tui_kit import fill, make_app, settled

SIZE = (100, 30)


@asynccontextmanager
async def queue_in_focus(tmp_path, pool) -> AsyncIterator[tuple[Any, Any]]:  # type: ignore[no-untyped-def]
    """The studio on a filled pool, its queue focused (key ``2``): (app, pilot)."""
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("2")
        await settled(pilot)
        yield app, pilot


def test_rows_to_draw_spans_the_changed_rows_across_the_whole_width():
    widget = Region(10, 5, 30, 20)
    assert rows_to_draw(widget, [Region(0, 0, 5, 40)]) is None  # beside it
    assert rows_to_draw(widget, [Region(12, 8, 3, 2)]) == Region(10, 8, 30, 2)
    # two changes inside it: every row from the first to the last, clipped to it
    assert rows_to_draw(widget, [Region(12, 8, 3, 1), Region(0, 20, 100, 30)]) == \
        Region(10, 8, 30, 17)


class Checked(DirtyRowsCompositor):
    """Draws each partial update both ways and keeps the pairs of terminal output."""

    pairs: list[tuple[str, str]] = []

    def render_partial_update(self):  # type: ignore[no-untyped-def]
        dirty = set(self._dirty_regions)
        ours = super().render_partial_update()
        self._dirty_regions.update(dirty)
        theirs = Compositor.render_partial_update(self)
        if ours is not None and theirs is not None:
            console = self._console
            Checked.pairs.append((ours.render_segments(console),
                                  theirs.render_segments(console)))
        return ours


async def test_partial_updates_put_the_same_characters_on_the_terminal(tmp_path, pool,
                                                                         monkeypatch):
    """Keys that change the queue, the Pool list, the Scores pane, the status bar and the
    search box: each frame's update, drawn only where it changed, writes exactly what
    Textual's update of the whole rectangle around the changes writes there."""
    from rich.console import Console

    monkeypatch.setattr("synthstudio.tui.studio_screen.DirtyRowsCompositor", Checked)
    monkeypatch.setattr(Checked, "pairs", [])
    monkeypatch.setattr(Checked, "_console", Console(width=SIZE[0], force_terminal=True,
                                                     color_system="truecolor"),
                        raising=False)
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        assert isinstance(app.screen._compositor, Checked)
        for key in ["down", "a", "r", "down", "up", "4", "u", "down", "slash", "x",
                    "backspace", "escape", "2", "s", "t"]:
            await pilot.press(key)
            await settled(pilot)
    pairs = Checked.pairs
    assert len(pairs) >= 10
    assert all(ours == theirs for ours, theirs in pairs)
    # and the check can fail: the updates differ from frame to frame
    assert len({ours for ours, _ in pairs}) > 5


async def test_a_decision_does_not_draw_the_seeds_pane(tmp_path, pool):
    """Accepting changes the queue, the Pool list, the Scores pane and the counts, all
    beside the Seeds pane: its list is not drawn again."""
    async with queue_in_focus(tmp_path, pool) as (app, pilot):
        seeds = app.query_one("#seed-list")
        drawn: list[Region] = []
        real = seeds.render_lines

        def counted(crop: Region):  # type: ignore[no-untyped-def]
            drawn.append(crop)
            return real(crop)

        seeds.render_lines = counted  # type: ignore[method-assign]
        before = len(pool.candidates(status="accepted"))
        await pilot.press("a")
        await settled(pilot)
        assert len(pool.candidates(status="accepted")) == before + 1
        assert drawn == []


def footer_keys(app):  # type: ignore[no-untyped-def]
    return list(app.query(FooterKey))


async def test_the_footer_is_rebuilt_only_when_its_keys_change(tmp_path, pool):
    async with queue_in_focus(tmp_path, pool) as (app, pilot):
        keys = footer_keys(app)
        assert "Accept" in [k.description for k in keys]
        await pilot.press("4")  # the Pool pane shows the same keys: the same widgets
        await settled(pilot)
        assert footer_keys(app) == keys
        await pilot.press("1")  # the Seeds pane adds its own: rebuilt
        await settled(pilot)
        seeds = footer_keys(app)
        assert "New seed" in [k.description for k in seeds]
        assert not set(seeds) & set(keys)
        await pilot.press("escape", "2")
        await settled(pilot)
        assert "New seed" not in [k.description for k in footer_keys(app)]


async def test_keys_that_change_while_the_footer_is_rebuilt_are_shown(tmp_path, pool):
    """Between the panes faster than the footer rebuilds: it ends with the keys of the
    pane in focus."""
    async with queue_in_focus(tmp_path, pool) as (app, pilot):
        await pilot.press("1")
        await settled(pilot)
        await pilot.press("2", "1", "2")
        await settled(pilot)
        shown = [k.description for k in footer_keys(app)]
        assert "Accept" in shown and "New seed" not in shown


class Terminal:
    """The cells a terminal shows after the studio's updates (text and colours), kept by
    replaying each update's segments: moves of the cursor, then characters."""

    def __init__(self, width: int, height: int) -> None:
        self.cells = [[("", None)] * width for _ in range(height)]

    def write(self, segments: Any, x: int = 0, y: int = 0) -> None:
        from rich.cells import cell_len
        from rich.segment import ControlType

        for seg in segments:
            if seg.control:
                for code in seg.control:
                    if code[0] == ControlType.CURSOR_MOVE_TO:
                        x, y = code[1], code[2]
                continue
            for ch in seg.text:
                if ch == "\n":
                    x, y = 0, y + 1
                    continue
                look = None if seg.style is None else (seg.style.color, seg.style.bgcolor,
                                                       seg.style.bold, seg.style.dim)
                for k in range(cell_len(ch)):
                    if 0 <= y < len(self.cells) and 0 <= x + k < len(self.cells[y]):
                        self.cells[y][x + k] = (ch if k == 0 else "", look)
                x += cell_len(ch)

    def rows(self) -> list[str]:
        return ["".join(ch for ch, _ in row) for row in self.cells]


async def test_the_terminal_shows_the_screen_as_it_is_after_every_key(tmp_path, pool):
    """Every update the studio sends, replayed on a terminal of cells, leaves the terminal
    showing what a full drawing of the screen shows, text and colours, after each key:
    decisions, moves, pane switches (the focus no longer redraws the whole screen), a
    search and a theme change. Nothing drawn before is left standing."""
    from rich.console import Console

    async with queue_in_focus(tmp_path, pool) as (app, pilot):
        width, height = SIZE
        term = Terminal(width, height)
        console = Console(width=width, height=height, force_terminal=True,
                          color_system="truecolor")
        display = app._display

        def shown(screen: Any, update: Any) -> None:
            if update is not None:
                term.write(update.__rich_console__(console, console.options))
            display(screen, update)

        app._display = shown  # type: ignore[method-assign]
        app.screen.refresh()  # start from a whole screen
        await settled(pilot)
        checked = 0
        for key in ["down", "a", "4", "down", "u", "3", "1", "down", "2", "r", "4",
                    "slash", "x", "escape", "2", "s", "t", "a"]:
            await pilot.press(key)
            await settled(pilot)
            if app.screen.id != "_default":  # a dialog: not the studio's screen
                continue
            full = Terminal(width, height)
            for y, strip in enumerate(app.screen._compositor.render_strips()):
                full.write(list(strip), 0, y)
            assert term.rows() == full.rows(), key
            assert term.cells == full.cells, key
            checked += 1
        assert checked >= 15


async def test_moving_the_focus_between_panes_redraws_only_what_changed(tmp_path, pool):
    """A pane switch restyles the two panes; Textual also drew the whole screen again for
    the new focus (its ``focused`` repaints the screen), the Seeds pane included."""
    async with queue_in_focus(tmp_path, pool) as (app, pilot):
        compositor = app.screen._compositor
        full: list[bool] = []
        real = compositor.render_full_update

        def counted(simplify: bool = False):  # type: ignore[no-untyped-def]
            full.append(True)
            return real(simplify)

        compositor.render_full_update = counted  # type: ignore[method-assign]
        for key, pane in (("4", app.pool_pane), ("2", app.generation), ("3", app.scores)):
            await pilot.press(key)
            await settled(pilot)
            assert pane.has_focus_within
        assert full == []

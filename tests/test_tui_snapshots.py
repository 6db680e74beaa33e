"""The main screen, pixel for pixel, in both themes at 80x24 and 160x48.

The pool holds fixed seeds (with Chinese ones) and fixed candidates; nothing generates
(the scripted backend is never started), so no clock, rate or random value is on screen.
Regenerate with ``pytest tests/test_tui_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import pytest
import pytest_textual_snapshot

from synthstudio.config.settings import Settings
from synthstudio.store import Pool
from tests.tui_kit import fill, make_app, settled

# pytest-textual-snapshot 1.0 names its extension ``_file_extension``, which syrupy 7 no
# longer reads, so the files would be saved as ``.raw``; keep them ``.svg``.
pytest_textual_snapshot.SVGImageExtension.file_extension = "svg"


@pytest.mark.parametrize("theme", ["synthstudio-dark", "synthstudio-light"])
@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_main_screen(snap_compare, tmp_path, theme, size):
    pool = fill(Pool(tmp_path / "pool.db"))
    app = make_app(tmp_path, pool, settings=Settings(theme=theme))
    try:
        assert snap_compare(app, terminal_size=size, run_before=settled)
    finally:
        pool.close()


@pytest.mark.parametrize("tab", ["general", "textbook"])
def test_settings_screen_at_80x24(snap_compare, tmp_path, tab):
    """The settings dialog, a tab per recipe, fits 80x24 with its buttons in view."""
    pool = fill(Pool(tmp_path / "pool.db"))
    app = make_app(tmp_path, pool)

    async def open_tab(pilot) -> None:
        await pilot.press("o")
        await pilot.pause()
        app.screen.query_one("#settings-tabs").active = f"tab-{tab}"
        await pilot.pause()

    try:
        assert snap_compare(app, terminal_size=(80, 24), run_before=open_tab)
    finally:
        pool.close()

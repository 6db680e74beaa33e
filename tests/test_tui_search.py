"""Search boxes never keep the keyboard (issue 12, item 3): Escape leaves the box with
the filter kept, a second Escape clears it, and hot keys work again at once."""

from __future__ import annotations

from textual.widgets import Input, OptionList

from synthstudio.tui.screens.settings import SettingsScreen
from tests.tui_kit import fill, make_app, wait_for

SIZE = (100, 30)


async def test_escape_leaves_the_seed_search_then_clears_it(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        listing = app.seeds.query_one("#seed-list", OptionList)
        box = app.seeds.query_one("#seed-search", Input)
        await pilot.press("1", "slash", *"poem")
        await wait_for(pilot, lambda: listing.option_count == 1)
        await pilot.press("escape")
        assert app.focused is listing  # out of the box, the filter kept
        assert box.value == "poem" and listing.option_count == 1
        await pilot.press("escape")  # a second Escape clears the filter
        assert box.value == ""
        everything = len(pool.list_seeds())
        await wait_for(pilot, lambda: listing.option_count == everything)
        await pilot.press("o")  # a hot key is a hot key, not text in the box
        assert isinstance(app.screen, SettingsScreen)
        await pilot.press("escape")
        assert box.value == ""


async def test_escape_leaves_the_pool_search(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        listing = app.pool_pane.query_one("#pool-list", OptionList)
        box = app.pool_pane.query_one("#pool-search", Input)
        await pilot.press("4", "slash", *"sleep")
        # the list is read on the pool thread a moment after the last key
        await wait_for(pilot, lambda: listing.option_count == 1)
        await pilot.press("escape", "e")
        assert box.value == "sleep" and app.focused is not box
        await pilot.press("escape")  # closes the editor that e opened
        await pilot.press("escape")  # clears the search
        assert box.value == ""
        await wait_for(pilot, lambda: listing.option_count == 2)


async def test_a_search_longer_than_its_box_keeps_the_end_in_view(tmp_path, pool):
    """The box sets its text's width without laying out the screen: it still scrolls
    sideways to keep the cursor and the last letters typed in view."""
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        box = app.pool_pane.query_one("#pool-search", Input)
        words = "the quick brown fox jumps over the lazy dog and then some more words end"
        await pilot.press("4", "slash", *words)
        await pilot.pause()
        assert len(words) > box.content_size.width
        assert box.virtual_size.width > box.content_size.width
        assert box.scroll_offset.x > 0
        region = box.region
        row = app.screen._compositor.render_strips()[region.y]
        assert "some more words end" in row.crop(region.x, region.right).text

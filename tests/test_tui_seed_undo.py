"""Deleting and restoring seeds keeps the place (issue 12, item 7): the cursor moves to
the neighbour, and undo brings the seed back under its own id."""

from __future__ import annotations

from textual.widgets import OptionList

from synthstudio.records import SeedTask
from tests.tui_kit import fill, make_app, settled

SIZE = (100, 30)


def highlighted_id(app) -> int | None:
    option = app.seeds.query_one("#seed-list", OptionList).highlighted_option
    return int(option.id) if option is not None and option.id else None


async def test_delete_keeps_the_cursor_on_the_neighbour(tmp_path, pool):
    fill(pool)
    ids = [s.id for s in pool.list_seeds()]
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)  # the seeds are read on the pool thread
        await pilot.press("1", "down", "down")
        assert highlighted_id(app) == ids[2]
        await pilot.press("d", "y")
        await settled(pilot)  # the pool thread wrote and read back
        assert app.focused is app.seeds.primary
        assert highlighted_id(app) == ids[3]  # the next seed, not the middle of the list
        assert app.seeds.selected_id == ids[3]
        await pilot.press("end", "d", "y")  # the last one: its neighbour is above
        await settled(pilot)  # the pool thread wrote and read back
        assert highlighted_id(app) == ids[-2]
        await pilot.press("home", "enter", "tab")  # d from the editor's checkbox
        assert app.focused is not app.seeds.primary
        await pilot.press("d", "y")
        await settled(pilot)  # the pool thread wrote and read back
        assert app.focused is app.seeds.primary and highlighted_id(app) == ids[1]


async def test_undo_restores_the_seed_under_its_own_id(tmp_path, pool):
    fill(pool)
    last = pool.list_seeds()[-1]
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("1", "end", "d", "y")
        await settled(pilot)  # the pool thread wrote and read back
        assert pool.get_seed(last.id) is None
        await pilot.press("n", "escape")  # a new seed must not take the deleted one's id
        await settled(pilot)  # the pool thread wrote and read back
        newest = max(s.id for s in pool.list_seeds())
        assert newest != last.id
        await pilot.press("u")
        await settled(pilot)  # the pool thread wrote and read back
        back = pool.get_seed(last.id)
        assert back is not None and back.instruction == last.instruction
        assert highlighted_id(app) == last.id


def test_add_seeds_skips_ids_held_for_undo(pool):
    fill(pool)
    last = pool.list_seeds()[-1]
    held = pool.delete_seed(last.id)
    [new_id] = pool.add_seeds([SeedTask("Fresh one.", [])], above=last.id)
    assert new_id > last.id
    assert pool.restore_seed(held) == last.id

"""The Seeds pane: search, edit (saved at once, also on quit), validation, add, duplicate,
delete with confirm, undo."""

from __future__ import annotations

from textual.widgets import Input, OptionList, Static, TextArea

from synthstudio.tui.screens.confirm import ConfirmScreen
from tests.tui_kit import SEEDS, fill, make_app, settled, wait_for

SIZE = (100, 30)


def seed_texts(pool):
    return [s.instruction for s in pool.list_seeds()]


async def test_edit_is_saved_and_validated(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("1")
        assert app.focused is app.seeds.primary
        first = pool.list_seeds()[0]
        await pilot.press("enter")  # into the editor
        area = app.seeds.editor.query_one("#seed-instruction", TextArea)
        assert app.focused is area
        await pilot.press("end", *"!!")
        await settled(pilot)
        await wait_for(pilot, lambda: pool.get_seed(first.id).instruction.endswith("!!"))
        # validation: empty instruction and an instance without output are flagged
        area.text = ""
        errors = app.seeds.editor.query_one("#seed-errors", Static)
        await pilot.pause(0.1)
        assert "instruction is empty" in str(errors.render())
        await pilot.press("escape")  # back to the list
        assert app.focused is app.seeds.primary
        await pilot.press("i")  # add an instance: its input gets the focus
        assert app.focused.has_class("inst-input")
        await pilot.pause(0.6)
        assert "Instance 2 has no output" in str(errors.render())
        saved = pool.get_seed(first.id)
        assert len(saved.instances) == 2 and saved.instances[1].output == ""


async def test_typing_then_quitting_loses_nothing(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("1", "down", "down", "enter")
        await pilot.press("end", *" 请")
        await pilot.press("ctrl+q")
        await settled(pilot)
    assert pool.list_seeds()[2].instruction == SEEDS[2].instruction + " 请"


async def test_search_new_duplicate_delete_undo(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        listing = app.seeds.query_one("#seed-list", OptionList)
        await pilot.press("1", "slash")
        assert isinstance(app.focused, Input)
        app.focused.value = "poem"
        await settled(pilot)
        assert listing.option_count == 1
        await pilot.press("enter")  # back to the list
        await pilot.press("c")  # duplicate the poem seed
        await settled(pilot)
        assert seed_texts(pool).count(SEEDS[3].instruction) == 2
        app.seeds.query_one("#seed-search", Input).value = ""
        await settled(pilot)
        await pilot.press("1", "n")
        await settled(pilot)
        assert seed_texts(pool)[-1] == ""
        assert app.focused is app.seeds.editor.query_one("#seed-instruction")
        await pilot.press(*"Nile")
        await pilot.press("escape")  # leaving the editor saves
        assert seed_texts(pool)[-1] == "Nile"
        before = len(seed_texts(pool))
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settled(pilot)
        assert len(seed_texts(pool)) == before - 1 and "Nile" not in seed_texts(pool)
        await pilot.press("u")
        await settled(pilot)
        assert seed_texts(pool)[-1] == "Nile"
        # a delete answered "no" keeps the seed
        await pilot.press("d", "n")
        assert len(seed_texts(pool)) == before


async def test_chinese_seeds_are_listed(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        listing = app.seeds.query_one("#seed-list", OptionList)
        texts = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert "把下面的句子翻译成英文。" in texts


def test_an_instance_row_not_yet_mounted_holds_its_instance():
    """A focus change can ask the editor for the seed while a new instance row is still
    being mounted (no text boxes yet): the row answers with the instance it was made
    with, not an error."""
    from synthstudio.records import Instance
    from synthstudio.tui.panes.seed_editor import InstanceRow

    assert InstanceRow(Instance("in", "out")).value() == Instance("in", "out")

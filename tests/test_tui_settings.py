"""Themes, key remapping, the settings/help/export screens, the palette, layouts, resume."""

from __future__ import annotations

import json

from textual.widgets import DataTable, Input

from synthstudio.config.settings import Settings, load_settings
from synthstudio.records import ACCEPTED, RunOptions
from synthstudio.tui.commands import studio_commands
from synthstudio.tui.screens.choose_run import ChooseRunScreen
from synthstudio.tui.screens.export import ExportScreen
from synthstudio.tui.screens.help import HelpScreen
from synthstudio.tui.screens.settings import SettingsScreen
from tests.tui_kit import fill, make_app, settled, wait_for

SIZE = (100, 30)


async def test_theme_switch_is_remembered(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        assert app.theme == "synthstudio-dark"
        await pilot.press("t")
        assert app.theme == "synthstudio-light"
    assert load_settings(tmp_path / "config.toml").theme == "synthstudio-light"
    # the next start opens in the remembered theme
    again = make_app(tmp_path, pool, settings=load_settings(tmp_path / "config.toml"))
    async with again.run_test(size=SIZE):
        assert again.theme == "synthstudio-light"


async def test_remapped_keys_work_and_show_in_help(tmp_path, pool):
    fill(pool)
    settings = Settings(keys={"accept": "y", "skip": "j", "no-such-id": "k"})
    app = make_app(tmp_path, pool, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        assert app.unknown_keys == ["no-such-id"]
        first = app.curator.queue[0]
        await pilot.press("a")  # no longer bound
        await settled(pilot)
        assert pool.get_candidate(first.id).status != ACCEPTED
        await pilot.press("y")
        await settled(pilot)
        assert pool.get_candidate(first.id).status == ACCEPTED
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows[0][1] == "Everywhere" and ["y", "Accept", "accept"] in rows
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        names = [c.name for c in studio_commands(app)]
        assert {"Accept", "Seeds: Delete", "Pool: Search", "New run"} <= set(names)


async def test_settings_screen_saves_the_config(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("o")
        assert isinstance(app.screen, SettingsScreen)
        app.screen.query_one("#set-temperature", Input).value = "3"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SettingsScreen)  # 3 is out of range: stays open
        app.screen.query_one("#set-temperature", Input).value = "0.2"
        app.screen.query_one("#set-count", Input).value = "25"
        app.screen.query_one("#set-rouge", Input).value = "0.6"
        app.screen.query_one("#set-blacklist", Input).value = "image, chart"
        app.screen.query_one("#set-concurrency", Input).value = "0"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SettingsScreen)  # at least one request: stays open
        app.screen.query_one("#set-concurrency", Input).value = "6"
        await pilot.press("ctrl+s")
        assert not isinstance(app.screen, SettingsScreen)
    saved = load_settings(tmp_path / "config.toml")
    assert saved.temperature == 0.2 and saved.count == 25
    assert saved.concurrency == 6
    assert saved.self_instruct.rouge_threshold == 0.6
    assert saved.self_instruct.blacklist == ["image", "chart"]


async def test_export_from_the_studio(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    target = tmp_path / "out.jsonl"
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("E")
        assert isinstance(app.screen, ExportScreen)
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, target.exists)
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert {line["instruction"] for line in lines} >= {"把这段话翻译成法语。"}


async def test_layouts_zoom_and_palette(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        grid = app.query_one("#panes")
        await pilot.press("3", "right_square_bracket")
        assert app.col_weights[0] == 3 and app.row_weights[1] == 3
        assert app.scores.size.width > app.pool_pane.size.width
        await pilot.press("l")
        await pilot.pause()
        assert grid.has_class("columns") and app.seeds.region.y == app.pool_pane.region.y
        await pilot.press("z")
        assert app.screen.maximized is app.scores
        await pilot.press("z")
        assert app.screen.maximized is None
        # the command palette runs studio actions by name
        await pilot.press("ctrl+p")
        await pilot.press(*"Accept all")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settled(pilot)
        await wait_for(pilot, lambda: pool.counts()["proposed"] == 0)


async def test_resume_of_an_unfinished_run(tmp_path, pool):
    fill(pool)
    run_id = pool.start_run("self-instruct", "scripted", "fake-model", RunOptions(), {}, 4)
    pool.finish_run(run_id, "stopped")
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        assert app.resume_run is not None and app.resume_run.id == run_id
        await pilot.press("g")  # asks: resume run #1 or start self-instruct?
        await wait_for(pilot, lambda: isinstance(app.screen, ChooseRunScreen))
        await pilot.press("r")
        await wait_for(pilot, lambda: pool.get_run(run_id).status == "finished")
        await wait_for(pilot, lambda: not app.running)
        assert pool.get_run(run_id).status == "finished"
        assert pool.run_counts(run_id)["proposed"] == 4
        # the queue shows the pending proposed candidates, old and new
        assert len(app.curator.queue) == 2 + 4

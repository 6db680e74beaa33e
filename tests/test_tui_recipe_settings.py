"""The settings screen covers each recipe (issue 12, item 6), and V shows each text's
real status."""

from __future__ import annotations

from textual.widgets import Checkbox, Input, Select, SelectionList, Static, TabbedContent

from synthstudio.config.settings import Settings, load_settings
from synthstudio.records import REJECTED, Candidate
from synthstudio.tui.screens.audiences import AudiencesScreen
from synthstudio.tui.screens.settings import SettingsScreen
from tests.tui_kit import fill, make_app, wait_for

SIZE = (100, 30)


async def test_settings_screen_has_textbook_and_reasoning_settings(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("o")
        assert isinstance(app.screen, SettingsScreen)
        screen = app.screen
        tabs = screen.query_one(TabbedContent)
        assert {p.id for p in tabs.query("TabPane")} >= {"tab-general", "tab-self-instruct",
                                                         "tab-textbook", "tab-reasoning"}
        tabs.active = "tab-textbook"
        await pilot.pause()
        audiences = screen.query_one("#set-audiences", SelectionList)
        assert audiences.region.height > 0  # on screen in its tab
        audiences.deselect("researchers")
        screen.query_one("#set-styles", SelectionList).deselect("blog")
        screen.query_one("#set-textbook-mode", Select).value = "all_audiences"
        screen.query_one("#set-textbook-tokens", Input).value = "1024"
        tabs.active = "tab-reasoning"
        await pilot.pause()
        screen.query_one("#set-samples", Input).value = "0"
        screen.query_one("#set-keep-correct", Checkbox).value = False
        screen.query_one("#set-reasoning-tokens", Input).value = "2048"
        await pilot.press("ctrl+s")  # 0 samples: stays open, says which field
        assert app.screen is screen
        error = str(screen.query_one("#settings-error", Static).render())
        assert "Samples per problem" in error
        assert tabs.active == "tab-reasoning"
        screen.query_one("#set-samples", Input).value = "2"
        screen.query_one("#set-instance-tokens", Input).value = "300"
        await pilot.press("ctrl+s")
        assert not isinstance(app.screen, SettingsScreen)
        assert app.settings.textbook.mode == "all_audiences"
    saved = load_settings(tmp_path / "config.toml")
    assert saved.textbook.audiences == ["young_children", "high_school", "college"]
    assert saved.textbook.styles == ["textbook", "story", "howto"]
    assert saved.textbook.mode == "all_audiences" and saved.textbook.max_tokens == 1024
    assert saved.reasoning.samples == 2 and saved.reasoning.keep_only_correct is False
    assert saved.reasoning.max_tokens == 2048
    assert saved.self_instruct.instance_tokens == 300


async def test_an_empty_audience_choice_is_refused(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool, settings=Settings(textbook={"audiences": ["college"]}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        app.screen.query_one("#set-audiences", SelectionList).deselect_all()
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SettingsScreen)
        assert "at least one audience" in str(
            app.screen.query_one("#settings-error", Static).render())


async def test_audiences_view_shows_the_real_status(tmp_path, pool):
    fill(pool)
    meta = {"topic_id": 1, "topic": "How plants turn light into food", "style": "textbook",
            "audience": "college"}
    looping = Candidate("textbook", "", [], False, text="light light light light",
                        meta=meta, status=REJECTED, reason="filter:repetition")
    pool.add_candidate(looping)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("2", "f")  # show the filtered-out ones too
        await wait_for(pilot, lambda: any(c.id == looping.id for c in app.curator.queue))
        listing = app.generation.primary
        listing.highlighted = [c.id for c in app.curator.queue].index(looping.id)
        await wait_for(pilot, lambda: app.focus_candidate is not None
                       and app.focus_candidate.id == looping.id)
        await pilot.press("V")
        assert isinstance(app.screen, AudiencesScreen)
        label = str(app.screen.query_one("#col-college .audience-label", Static).render())
        assert "✗ rejected: filter:repetition" in label
        assert "proposed" not in label
        empty = str(app.screen.query_one("#col-researchers .audience-text", Static).render())
        assert "in settings (o, Textbook tab)" in empty  # where the mode is set

"""The reasoning and textbook recipes in the studio: scores, coverage grid, audiences."""

from __future__ import annotations

from textual.widgets import DataTable, Static

from synthstudio.config.settings import Settings
from synthstudio.recipes.textbook import AUDIENCES, STYLES
from synthstudio.records import ACCEPTED, PROPOSED, Candidate, Problem, Topic
from synthstudio.tui.commands import studio_commands
from synthstudio.tui.screens.audiences import MISSING, AudiencesScreen
from synthstudio.tui.screens.coverage import CoverageScreen
from tests.fakes import Reply, ScriptedBackend
from tests.tui_kit import fill, make_app, settled, wait_for

SIZE = (120, 36)
THINKING = ("Two plus two means adding two to two: counting up from two gives three, "
            "then four, so the sum is 4.")
TEXT = ("Plants are living things that make their own food. They take in sunlight with "
        "their green leaves, drink water through their roots and breathe in air. With "
        "these three things a plant builds sugar, which helps it grow tall and strong. "
        "This is called photosynthesis, and it also gives us the fresh air we breathe.")
TOPICS = [Topic(topic="How plants turn light into food", field="science"),
          Topic(topic="Saving money for a bicycle", field="practical")]


def shown(widget: Static) -> str:
    return str(widget.render())


def first_column(table: DataTable) -> list[str]:
    return [str(v) for v in table.get_column_at(0)]


async def test_reasoning_scores_show_checks_thinking_and_answer_apart(tmp_path, pool):
    pool.add_problems([Problem(key="p1", problem="What is 2 + 2?", answer="4",
                              kind="arithmetic")])
    settings = Settings(recipe="reasoning", reasoning={"samples": 1})
    backend = ScriptedBackend(default=Reply(content="<answer>4</answer>", thinking=THINKING))
    app = make_app(tmp_path, pool, backend=backend, count=1, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("g")
        await settled(pilot)
        await wait_for(pilot, lambda: not app.running and bool(app.curator.queue), 30)
        c = app.focus_candidate
        assert c is not None and c.recipe == "reasoning" and c.status == PROPOSED
        checks = [row[0] for row in app.scores.filter_rows()]
        assert {"format", "accuracy"} <= set(checks)
        body = app.scores.text("reasoning")
        assert "Thinking" in app.scores.sheet.shown_text()
        assert "Thinking" in body and "Answer" in body
        thinking_part, answer_part = body.split("Answer", 1)
        assert "counting up from two" in thinking_part
        assert "4" in answer_part and "counting up" not in answer_part
        await pilot.press("a")
        await settled(pilot)
        saved = pool.get_candidate(c.id)
        assert saved.status == ACCEPTED and saved.answer == "4"
        assert saved.meta["correct"] is True


async def test_textbook_accept_then_coverage_grid_and_audiences(tmp_path, pool):
    pool.add_topics(TOPICS)
    short = {s: 10 for s in STYLES}
    settings = Settings(recipe="textbook", textbook={"min_words": short})
    app = make_app(tmp_path, pool, backend=ScriptedBackend(default=TEXT), count=1,
                   settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("g")
        await settled(pilot)
        await wait_for(pilot, lambda: not app.running and bool(app.curator.queue), 20)
        c = app.focus_candidate
        assert c is not None and c.recipe == "textbook" and c.status == PROPOSED
        audience, style = c.meta["audience"], c.meta["style"]
        await pilot.press("a")
        await settled(pilot)
        assert pool.get_candidate(c.id).status == ACCEPTED

        await pilot.press("v")
        assert isinstance(app.screen, CoverageScreen)  # open at once, filled in when read
        await wait_for(pilot, lambda: app.screen.loaded)
        assert app.screen.count_at(audience, style) == 1
        others = [(a, s) for a in AUDIENCES for s in STYLES if (a, s) != (audience, style)]
        assert all(app.screen.count_at(a, s) == 0 for a, s in others)
        topics = app.screen.query_one("#coverage-topics", DataTable)
        assert topics.row_count == 2
        assert str(topics.get_row_at(0)[0]) != c.meta["topic"]  # least covered first
        await pilot.press("escape")
        assert not isinstance(app.screen, CoverageScreen)

        await pilot.press("4")
        await wait_for(pilot, lambda: app.focus_candidate is not None
                       and app.focus_candidate.id == c.id)
        await pilot.press("V")
        assert isinstance(app.screen, AudiencesScreen)
        await wait_for(pilot, lambda: app.screen.loaded)
        for a in AUDIENCES:
            text = shown(app.screen.query_one(f"#col-{a} .audience-text", Static))
            assert ("Plants are living things" in text) == (a == audience)
            assert (MISSING in text) == (a != audience)
        await pilot.press("escape")
        assert not isinstance(app.screen, AudiencesScreen)


async def test_audiences_on_a_self_instruct_item_notifies(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        focus = app.focus_candidate
        assert isinstance(focus, Candidate) and focus.recipe == "self-instruct"
        screens = len(app.screen_stack)
        await pilot.press("V")
        await pilot.pause()
        assert len(app.screen_stack) == screens
        assert any("not a textbook text" in n.message for n in app._notifications)
        helps = {c.name: c.help for c in studio_commands(app)}
        assert "id: coverage" in helps["Coverage grid"]
        assert "id: audiences" in helps["Same topic, all audiences"]

"""The Scores pane shows the dataset filters by name, what each found and why."""

from __future__ import annotations

from synthstudio.filters.dataset import check_record
from synthstudio.records import PROPOSED, Candidate
from tests.tui_kit import make_app, wait_for

SIZE = (120, 40)


async def test_scores_pane_lists_every_dataset_filter(tmp_path, pool):
    v = check_record("Describe the attached photo.", "<noinput>",
                     "As an AI language model, I cannot see images [bold]x[/bold].\n\n##\n\n"
                     "18. Instruction: Name a fruit.")
    c = Candidate("self-instruct", "Describe the attached photo.", status=PROPOSED, id=3)
    c.scores = v.results
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:

        def shown() -> bool:  # start-up may show its own focus first: show ours again
            if app.scores.candidate is not c:
                app.scores.show(c)
            return len(app.scores.filter_rows()) == len(c.scores)

        await wait_for(pilot, shown)
        await pilot.pause(0.3)
        assert shown()
        rows = {row[0]: row for row in app.scores.filter_rows()}
        for name in ("unseen_content", "input_placeholder", "refusal",
                     "merged_instructions", "missing_input", "non_text_output",
                     "no_output", "instance_symbols_only"):
            assert name in rows, name
        assert "fail" in rows["refusal"][1] and "pass" in rows["no_output"][1]
        assert rows["refusal"][2] == "As an AI language model,"  # what it found
        assert "attached photo" in rows["unseen_content"][4]  # and why
        verdict = app.scores.text("verdict")
        drawn = app.scores.sheet.shown_text()
        assert drawn.startswith("#3 ◐ proposed: fails input_placeholder")
        assert "\n refusal " in drawn  # its row in the table
        assert "unseen_content" in verdict and "refusal" in verdict

"""The studio lists imported items with their filter scores, and curates them."""

from __future__ import annotations

import json

from synthstudio.datasets.export import export_rows
from synthstudio.datasets.importer import import_file
from synthstudio.records import ACCEPTED, REJECTED
from synthstudio.tui.panes.scores import origin
from tests.tui_kit import fill, frame_bottom, make_app, wait_for

ROWS = [{"instruction": "Give three tips for staying healthy.", "input": "",
         "output": "Eat well, sleep enough, move every day."},
        {"instruction": "Summarize the article at https://example.com/news.", "input": "",
         "output": "The article is about news."},
        {"instruction": "把下面的句子翻译成英文。", "input": "我喜欢喝茶。",
         "output": "I like drinking tea."}]


async def test_imported_items_are_listed_scored_and_curated(tmp_path, pool):
    fill(pool, candidates=False)
    src = tmp_path / "alpaca.json"
    src.write_text(json.dumps(ROWS, ensure_ascii=False, indent=1), encoding="utf-8")
    import_file(pool, src)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: len(app.curator.queue) == 3)
        assert [c.instruction for c in app.curator.queue] == [r["instruction"] for r in ROWS]
        first = app.focus_candidate
        assert first is not None and first.instruction == ROWS[0]["instruction"]
        assert len(app.scores.filter_rows()) == len(first.scores) >= 10
        assert "passes every filter" in app.scores.text("verdict")
        assert str(app.scores.border_subtitle) == "imported · alpaca.json, line 2"
        await pilot.press("a")  # accept the healthy tips
        await wait_for(pilot, lambda: app.focus_candidate is not None
                       and app.focus_candidate.id != first.id)
        second = app.focus_candidate
        assert "unseen_content" in second.failed_filters  # a link the model cannot open
        # the new origin is drawn on screen (only the frame's bottom row is redrawn)
        await pilot.pause()
        assert origin(second) == "imported · alpaca.json, line 7"
        assert frame_bottom(app, app.scores).endswith(" imported · alpaca.json, line 7 ─╯")
        assert "fails" in app.scores.text("verdict")
        await pilot.press("r")
        await wait_for(pilot, lambda: pool.get_candidate(second.id).status == REJECTED)
        await pilot.press("a")
        await wait_for(pilot, lambda: len(app.pool_pane.items) == 2)
    assert [c.status for c in pool.candidates()] == [ACCEPTED, REJECTED, ACCEPTED]
    out = list(export_rows(pool, "alpaca"))
    assert out == [ROWS[0], ROWS[2]]

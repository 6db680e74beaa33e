"""The judge in the studio: a ``judge`` row in the Scores pane, ``A`` behind a gate, ``S``
ordering by score, and automatic rating of new candidates, against a stand-in judge."""

from __future__ import annotations

from synthstudio.config.settings import Settings
from synthstudio.records import ACCEPTED, PROPOSED, Candidate, FilterResult, Instance
from tests.judge_standins import MODEL, JudgeOllama
from tests.tui_kit import make_app, settled, wait_for

SIZE = (110, 32)


def judge_settings(url: str, **judge: object) -> Settings:
    s = Settings()
    s.judge.backend, s.judge.host, s.judge.model = "ollama", url, MODEL
    for k, v in judge.items():
        setattr(s.judge, k, v)
    return s


def add(pool, text: str, status: str = PROPOSED) -> int:
    return pool.add_candidate(Candidate(
        "self-instruct", text, [Instance("", "An answer.")], status=status,
        scores=[FilterResult("words", True, 5, "4..150")]))


def judge_rows(app) -> list[list[str]]:
    rows = [r for r in app.scores.filter_rows() if r[0] == "judge"]
    drawn = app.scores.sheet.shown_text().splitlines()
    assert len([line for line in drawn if line.startswith(" judge ")]) == len(rows)
    return rows


async def test_j_rates_the_candidate_in_focus_and_shows_a_judge_row(tmp_path, pool):
    first = add(pool, "Name three rivers (rate 4.5).")
    add(pool, "Name a mountain (rate 2).")
    with JudgeOllama() as ol:
        app = make_app(tmp_path, pool, settings=judge_settings(ol.url))
        async with app.run_test(size=SIZE) as pilot:
            await settled(pilot)
            assert app.focus_candidate.id == first and judge_rows(app) == []
            await pilot.press("j")
            await wait_for(pilot, lambda: first in app.judge_desk.scores)
            await pilot.pause()
            [row] = judge_rows(app)
            assert row[1] == "✓ pass" and row[2] == "4.5" and row[3] == "4.5"
            assert "Rated 4.5 by the stand-in." in row[4] and "(not a gate)" in row[4]
            assert "[4.5]" in str(app.generation.query_one("#queue").get_option_at_index(0)
                                  .prompt)
    stored = pool.get_score(first)
    assert stored is not None and stored.score == 4.5 and stored.backend == "ollama"


async def test_accept_all_respects_a_gating_judge(tmp_path, pool):
    good = add(pool, "Spell the word (rate 5).")
    bad = add(pool, "Guess the number (rate 1).")
    unrated = add(pool, "Not judged yet (rate 5).")
    with JudgeOllama() as ol:
        app = make_app(tmp_path, pool, settings=judge_settings(ol.url, gate=True))
        async with app.run_test(size=SIZE) as pilot:
            await settled(pilot)
            for c in app.curator.queue[:2]:
                app.judge_candidate(c, auto=False)
            await wait_for(pilot, lambda: {good, bad} <= set(app.judge_desk.scores))
            await pilot.press("A")
            await pilot.pause()
    assert pool.get_candidate(good).status == ACCEPTED
    assert pool.get_candidate(bad).status == PROPOSED
    assert pool.get_candidate(unrated).status == PROPOSED


async def test_S_orders_the_queue_and_the_pool_by_score(tmp_path, pool):
    ids = [add(pool, f"Task {n} (rate {n}).") for n in (2, 5, 3)]
    acc = [add(pool, f"Kept {n} (rate {n}).", status=ACCEPTED) for n in (1, 4)]
    with JudgeOllama() as ol:
        app = make_app(tmp_path, pool, settings=judge_settings(ol.url))
        async with app.run_test(size=SIZE) as pilot:
            await settled(pilot)
            for c in [*app.curator.queue, *app.pool_pane.items]:
                app.judge_candidate(c, auto=False)
            await wait_for(pilot, lambda: set(ids + acc) <= set(app.judge_desk.scores))
            await pilot.press("S")
            await settled(pilot)
            assert [c.id for c in app.curator.queue] == [ids[1], ids[2], ids[0]]
            assert [c.id for c in app.pool_pane.items] == [acc[1], acc[0]]
            assert "by score (best first)" in str(app.pool_pane.border_subtitle)
            await pilot.press("S")
            await settled(pilot)
            assert [c.id for c in app.curator.queue] == [ids[0], ids[2], ids[1]]
            assert [c.id for c in app.pool_pane.items] == [acc[0], acc[1]]
            await pilot.press("S")
            await settled(pilot)
            assert [c.id for c in app.curator.queue] == ids
            assert [c.id for c in app.pool_pane.items] == [acc[1], acc[0]]  # newest first


async def test_new_candidates_are_rated_when_the_judge_is_on(tmp_path, pool):
    from tests.tui_kit import fill

    fill(pool, candidates=False)
    with JudgeOllama() as ol:
        app = make_app(tmp_path, pool, count=2, settings=judge_settings(ol.url, enabled=True))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("g")
            await wait_for(pilot, lambda: not app.running)
            queued = [c.id for c in app.curator.queue]
            assert len(queued) == 2
            await wait_for(pilot, lambda: set(queued) <= set(app.judge_desk.scores))
            assert ol.judged >= 2
            assert judge_rows(app)  # the candidate in focus shows its judge row
    assert all(pool.get_score(i) is not None for i in queued)


async def test_a_judge_that_is_down_says_so_and_keeps_the_studio_working(tmp_path, pool):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    first = add(pool, "Name a colour (rate 3).")
    settings = judge_settings(f"http://127.0.0.1:{port}")
    app = make_app(tmp_path, pool, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("j")
        await wait_for(pilot, lambda: first in app.judge_desk.failed, timeout=20)
        await pilot.pause()
        [row] = judge_rows(app)
        assert row[2] == "failed" and "Ollama is not running" in row[4]
        await pilot.press("a")
        assert pool.get_candidate(first).status == ACCEPTED


async def test_the_data_report_shows_the_score_histogram(tmp_path, pool):
    from textual.widgets import Static

    from synthstudio.records import JudgeScore
    from synthstudio.tui.screens.report import ReportScreen

    for n in (1, 4.5, 5):
        pool.save_score(JudgeScore(add(pool, f"Task {n}."), n))
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("D")
        assert isinstance(app.screen, ReportScreen)
        await wait_for(pilot, lambda: app.screen.data is not None)
        judge = app.screen.query_one("#report-judge", Static)
        assert judge.display and "Judge scores (0-5)" in str(judge.render())


async def test_the_judge_reads_and_writes_the_pool_off_the_event_loop(tmp_path, pool):
    """Scores are saved on the pool thread and read with the lists it reads; the rating
    runs on the engine's thread: the event loop only draws."""
    import threading

    ids = [add(pool, f"Task {n} (rate {n}).") for n in (2, 5)]
    kept = add(pool, "Kept (rate 4).", status=ACCEPTED)
    from synthstudio.records import JudgeScore

    pool.save_score(JudgeScore(kept, 4.0, "stored before"))
    seen: list[tuple[str, str]] = []
    for name in ("save_score", "scores_for", "ids_by_score"):
        real = getattr(pool, name)

        def spy(*a, _real=real, _name=name, **k):
            seen.append((_name, threading.current_thread().name))
            return _real(*a, **k)

        setattr(pool, name, spy)
    with JudgeOllama() as ol:
        app = make_app(tmp_path, pool, settings=judge_settings(ol.url))
        async with app.run_test(size=SIZE) as pilot:
            loop_thread = threading.current_thread().name
            await settled(pilot)
            # the stored score came with the Pool pane's list
            assert app.judge_desk.scores[kept].reason == "stored before"
            assert "[4]" in str(app.pool_pane.listing.get_option_at_index(0).prompt)
            for c in list(app.curator.queue):
                app.judge_candidate(c, auto=False)
            await wait_for(pilot, lambda: set(ids) <= set(app.judge_desk.scores))
            await pilot.press("S")
            await settled(pilot)
    assert {name for name, _ in seen} == {"save_score", "scores_for", "ids_by_score"}
    threads = {thread for _, thread in seen}
    assert threads == {"synthstudio-pool"} and loop_thread not in threads
    assert all(pool.get_score(i) is not None for i in ids)


async def test_a_judge_on_the_generators_server_shares_the_runs_request_limit(
        tmp_path, pool, monkeypatch):
    """With no server of its own, the judge rates new candidates through the backend and
    the AIMD request limit of the run in progress: an overload slows both as one."""
    import synthstudio.engine
    from synthstudio.backends.aimd import AdaptiveLimit
    from synthstudio.judge.rater import Judge
    from tests.tui_kit import fill

    made: list[AdaptiveLimit] = []

    class Recorded(AdaptiveLimit):
        def __init__(self, maximum: int) -> None:
            super().__init__(maximum)
            made.append(self)

    monkeypatch.setattr(synthstudio.engine, "AdaptiveLimit", Recorded)
    used: list[tuple[object, object]] = []
    real_rate = Judge.rate

    async def rate(self, c, *a, limiter=None, **k):
        used.append((self.backend, limiter))
        return await real_rate(self, c, *a, limiter=limiter, **k)

    monkeypatch.setattr(Judge, "rate", rate)
    fill(pool, candidates=False)
    settings = Settings()
    settings.judge.enabled = True
    app = make_app(tmp_path, pool, count=2, settings=settings, delay=0.01)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("g")
        await wait_for(pilot, lambda: not app.running)
        await wait_for(pilot, lambda: len(used) >= 2
                       and not app.judge_desk.partial)
    assert made, "the run made its request limit"
    assert any(limiter is made[-1] and backend is app.backend for backend, limiter in used)

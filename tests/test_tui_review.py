"""Walking the queue with the keys, against a scripted Self-Instruct backend."""

from __future__ import annotations

import gc
import threading

from textual.widgets import Input, TextArea

from synthstudio.records import ACCEPTED, PROPOSED, REJECTED
from synthstudio.tui.quiet_gc import NEVER
from synthstudio.tui.screens.confirm import AskScreen
from synthstudio.tui.screens.edit import EditScreen
from synthstudio.tui.screens.prompt import PromptScreen
from tests.fakes import Reply
from tests.tui_kit import fill, frame_bottom, make_app, settled, wait_for

SIZE = (100, 30)


def by_status(pool, status):
    return [c.instruction for c in pool.candidates(status=status)]


async def test_generate_then_accept_reject_skip(tmp_path, pool):
    fill(pool, candidates=False)
    app = make_app(tmp_path, pool, count=3)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("g")
        await wait_for(pilot, lambda: not app.running)
        assert pool.run_counts(1)["proposed"] == 3
        queue = list(app.curator.queue)
        assert len(queue) == 3 and app.focus_candidate is queue[0]
        await pilot.press("a")
        await settled(pilot)
        assert pool.get_candidate(queue[0].id).status == ACCEPTED
        # the recipe heard it: the accepted task is in its machine-task sample
        assert queue[0].id in [i for i, _ in app.recipe.machine]
        assert app.focus_candidate.id == queue[1].id
        await pilot.press("s")
        assert app.focus_candidate.id == queue[2].id
        assert pool.get_candidate(queue[1].id).status == PROPOSED
        await pilot.press("r")
        await settled(pilot)
        rejected = pool.get_candidate(queue[2].id)
        assert rejected.status == REJECTED and rejected.reason == "user"
        assert [c.id for c in app.curator.queue] == [queue[1].id]
        # the pool pane lists the accepted item
        assert [c.id for c in app.pool_pane.items] == [queue[0].id]
        # the exact prompt of the candidate in focus is one key away
        await pilot.press("p")
        assert isinstance(app.screen, PromptScreen)
        assert "Continue the numbered list" in app.screen.messages[0]["content"]
        await pilot.press("escape")


async def test_reject_with_reason_and_edit_then_accept(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        first, second = app.curator.queue[:2]
        await pilot.press("R")
        assert isinstance(app.screen, AskScreen)
        app.screen.query_one(Input).value = "off topic"
        await pilot.press("enter")
        await settled(pilot)
        assert pool.get_candidate(first.id).reason == "user: off topic"
        assert app.focus_candidate.id == second.id
        await pilot.press("e")
        assert isinstance(app.screen, EditScreen)
        app.screen.query_one("#edit-instruction", TextArea).text = "Explain red text."
        await pilot.press("ctrl+s")
        await settled(pilot)
        saved = pool.get_candidate(second.id)
        assert saved.status == ACCEPTED and saved.instruction == "Explain red text."
        assert saved.meta["edited"] is True


async def test_accept_all_and_overrule_a_filter(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("A")
        await settled(pilot)
        assert len(by_status(pool, ACCEPTED)) == 4 and not by_status(pool, PROPOSED)
        await pilot.press("f")
        await settled(pilot)
        assert [c.reason for c in app.curator.queue] == ["filter:rouge_l"]
        await pilot.press("a")
        await settled(pilot)
        assert "Write a short poem about the sea at dawn." in by_status(pool, ACCEPTED)


async def test_unaccept_from_the_pool_pane(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("4")
        await settled(pilot)
        newest = app.pool_pane.items[0]
        assert app.focus_candidate.id == newest.id
        await pilot.press("enter")  # open it: saving keeps it accepted
        assert isinstance(app.screen, EditScreen) and not app.screen.accept
        app.screen.query_one("#edit-instruction", TextArea).text = "把这段话翻译成德语。"
        await pilot.press("ctrl+s")
        await settled(pilot)
        assert pool.get_candidate(newest.id).instruction == "把这段话翻译成德语。"
        assert pool.get_candidate(newest.id).status == ACCEPTED
        await pilot.press("u")
        await settled(pilot)
        assert pool.get_candidate(newest.id).status == PROPOSED
        assert newest.id in [c.id for c in app.curator.queue]
        # said in the Pool pane's bottom line (no toast); the item highlighted there now
        # is the one in focus, in the Scores pane
        assert f"#{newest.id} is back in the queue · " in frame_bottom(app, app.pool_pane)
        now = app.pool_pane.highlighted()
        assert now is not None and app.focus_candidate is now and app.scores.candidate is now


async def test_model_output_is_inert(tmp_path, pool):
    fill(pool, candidates=False)
    app = make_app(tmp_path, pool, count=1)
    app.backend.default = Reply("9. Print \x1b[31m[bold]red[/bold]\x1b[0m words on the screen.",
                                thinking="Let me \x1b[2Jthink.")
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("g")
        await wait_for(pilot, lambda: app.generation.buffer.text.startswith("9. Print"))
        await pilot.pause(0.2)
        shown = app.generation.stream.text
        assert "␛[31m[bold]red[/bold]␛[0m" in shown
        assert "\x1b" not in shown
        # thinking is shown apart, in a collapsible, inert too
        assert app.query_one("#gen-thinking").display
        assert "Let me ␛[2Jthink." in app.generation.thinking.text
        await pilot.press("x")
        await wait_for(pilot, lambda: not app.running)


async def test_cancel_key_cancels_and_keeps_partial_text(tmp_path, pool):
    fill(pool, candidates=False)
    app = make_app(tmp_path, pool, count=1)
    app.backend.default = Reply("Write a letter to a friend " * 30, delay=0.02, chunk_size=3)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("g")
        await wait_for(pilot, lambda: len(app.generation.buffer.text) > 20)
        await pilot.press("C")
        await wait_for(pilot, lambda: app.generation.buffer.cancelled)
        await wait_for(pilot, lambda: app.engine.paused)
        kept = app.generation.buffer.text
        assert 20 <= len(kept) < len("Write a letter to a friend " * 30)
        await pilot.pause(0.1)
        assert kept.strip()[:20] in app.generation.stream.text
        await pilot.press("x")
        await wait_for(pilot, lambda: not app.running)


async def test_ui_responds_while_tokens_stream_and_pause_works(tmp_path, pool):
    fill(pool, candidates=False)
    app = make_app(tmp_path, pool, count=1)
    # the reply holds after 20 chunks until released: the keys below land mid-stream
    # however busy the machine
    hold = threading.Event()
    slow = Reply(" Name a famous bridge in Europe and tell where it stands.\n10." * 12,
                 delay=0.01, chunk_size=2, holds={20: hold})
    app.backend.replies = [slow]
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("g")
        await wait_for(pilot, lambda: app.generation.buffer.chunks > 3)
        assert app.generation.buffer.ended is None  # mid-stream
        await pilot.press("4")  # a key, handled at once
        await settled(pilot)
        assert app.focused is app.pool_pane.primary
        await pilot.press("space")
        await wait_for(pilot, lambda: app.engine is not None and app.engine.paused)
        assert app.generation.buffer.ended is None  # still the same stream
        await pilot.pause(0.1)
        assert len(app.generation.buffer.text) < len(slow.content)
        hold.set()
        await pilot.press("space")
        await wait_for(pilot, lambda: not app.engine.paused)
        await wait_for(pilot, lambda: not app.running, timeout=30)
        assert pool.counts()["proposed"] == 1


async def test_quit_during_generation_stops_the_run_and_keeps_accepted(tmp_path, pool):
    fill(pool)
    app = make_app(tmp_path, pool, count=50, delay=0.01)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("a")
        await pilot.press("g")
        await wait_for(pilot, lambda: app.generation.buffer.chunks > 0)
        await pilot.press("q")
        await settled(pilot)
    assert pool.get_run(1).status == "stopped"
    assert len(by_status(pool, ACCEPTED)) == 3


async def test_heap_is_frozen_once_queue_and_list_are_shown_and_thawed_at_exit(tmp_path,
                                                                               pool):
    """A full garbage collection would walk the whole queue in the middle of a key press;
    what start-up loaded is frozen out of its reach, and given back when the studio ends."""
    fill(pool)
    gc.unfreeze()
    thresholds = gc.get_threshold()
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        assert app.curator.queue and app.pool_pane.items
        queue = app.curator.queue[0]
        assert gc.get_freeze_count() > 0
        assert not any(o is queue for o in gc.get_objects())  # out of the collector's reach
        # full collections are the studio's to run, in pauses (tui/quiet_gc.py)
        assert app.quiet_gc.running and gc.get_threshold()[2] == NEVER
        await pilot.press("down")
        assert not app.quiet_gc.due(10**6)  # a key was just pressed
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == thresholds


async def test_a_key_acts_on_the_highlighted_candidate_before_its_message_arrives(
        tmp_path, pool):
    """The focus follows the queue's highlight by message; a key that comes before that
    message (typed right after Down, or with a frame drawn in between) still acts on the
    candidate the person sees highlighted, not on the one in focus before."""
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        listing = app.generation.listing
        assert app.focused is listing and len(app.curator.queue) >= 2
        first, second = app.curator.queue[0], app.curator.queue[1]
        assert app.focus_candidate is first
        listing.highlighted = 1  # as Down does; its message is queued, not yet handled
        app.action_accept()  # the key's action, in the same turn of the loop
        await settled(pilot)
        assert pool.get_candidate(second.id).status == ACCEPTED
        assert pool.get_candidate(first.id).status == PROPOSED


async def test_a_frame_shows_the_highlight_and_its_candidate_together(tmp_path, pool):
    """A frame drawn between the highlight moving and its message arriving already shows
    the highlighted candidate in the Scores pane (never one frame with the highlight on
    one candidate and the scores of another)."""
    fill(pool)
    app = make_app(tmp_path, pool)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        listing = app.generation.listing
        second = app.curator.queue[1]
        listing.highlighted = 1  # as Down does; its message is queued, not yet handled
        app.screen._on_timer_update()  # a frame now
        assert app.focus_candidate is second and app.scores.candidate is second

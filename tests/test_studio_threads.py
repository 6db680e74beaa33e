"""The pieces that keep the studio's event loop free, without an app: the pool thread, the
live tally, the stream feed, and the recipe state guard that owns the ROUGE-L index."""

from __future__ import annotations

import random
import threading
import time

from synthstudio.backends.base import ContentDelta
from synthstudio.config.settings import Settings
from synthstudio.curation import Curator, Decision
from synthstudio.recipes.context import Context
from synthstudio.recipes.guard import StateGuard
from synthstudio.recipes.self_instruct import SelfInstruct, cand_key
from synthstudio.records import ACCEPTED, PROPOSED, REJECTED, Candidate
from synthstudio.tui.pool_thread import PoolThread
from synthstudio.tui.stream_feed import StreamFeed
from synthstudio.tui.tally import Tally
from tests.fakes import ScriptedBackend
from tests.tui_kit import fill


def test_pool_thread_runs_in_order_and_a_newer_keyed_job_replaces_a_waiting_one():
    errors: list[tuple[str, str]] = []
    jobs = PoolThread(lambda what, exc: errors.append((what, str(exc))))
    gate = threading.Event()
    done: list[str] = []
    jobs.submit("block", gate.wait)
    for i in range(5):
        jobs.submit("write", done.append, f"write {i}")
        jobs.submit("read", done.append, f"read {i}", key="list")

    def boom() -> None:
        raise RuntimeError("disk full")

    jobs.submit("save the decision", boom)
    jobs.submit("write", done.append, "after the error")
    gate.set()
    assert jobs.flush(5)
    # writes all ran, in order; of the waiting reads only the newest ran, after its writes
    assert done == [f"write {i}" for i in range(5)] + ["read 4", "after the error"]
    assert errors == [("save the decision", "disk full")]
    jobs.close()


def test_tally_follows_decisions_and_new_candidates_and_counts_each_once():
    tally = Tally()
    assert not tally.known
    tally.checked({"proposed": 2, "accepted": 1, "rejected": 1}, {"filter:rouge_l": 1}, 4)
    c = Candidate("self-instruct", "x", status=PROPOSED, id=3)
    tally.decided(Decision.of(c, REJECTED, "user: dull"))
    assert tally.counts == {"proposed": 1, "accepted": 1, "rejected": 2}
    assert tally.top_reasons() == [("filter:rouge_l", 1), ("user: dull", 1)]
    overruled = Candidate("self-instruct", "y", status=REJECTED, reason="filter:rouge_l", id=4)
    tally.decided(Decision.of(overruled, ACCEPTED, ""))
    assert tally.counts["accepted"] == 2 and "filter:rouge_l" not in tally.reasons
    # a candidate the last count already saw is not counted again; a newer one is
    assert not tally.arrived(Candidate("self-instruct", "old", status=PROPOSED, id=4))
    assert tally.arrived(Candidate("self-instruct", "new", status=PROPOSED, id=5))
    assert tally.counts["proposed"] == 2


def test_stream_feed_tells_the_studio_once_per_batch():
    feed = StreamFeed("instructions")
    told = [feed.put(ContentDelta(str(i))) for i in range(100)]
    assert told == [True] + [False] * 99  # one notice for a flood of tokens
    assert "".join(c.text for c in feed.take()) == "".join(str(i) for i in range(100))
    assert feed.put(ContentDelta("next")) is True  # taken: the next chunk tells again
    assert feed.take() == [ContentDelta("next")] and feed.take() == []


def test_guard_replays_changes_made_while_the_new_state_was_built():
    guard = StateGuard()
    state = {"live": {"a"}}
    building = threading.Event()
    go_on = threading.Event()

    def add(key: str) -> None:
        state["live"].add(key)

    def rebuild() -> None:
        with guard.rebuilding():
            fresh = {"a"}  # the pool as read, before "b" was accepted
            building.set()
            go_on.wait(5)

            def swap() -> None:
                state["live"] = fresh

            guard.hand_over(swap)

    worker = threading.Thread(target=rebuild)
    worker.start()
    building.wait(5)
    guard.apply(add, "b")  # a decision while the index is being built
    assert state["live"] == {"a", "b"}  # the old state hears it at once
    go_on.set()
    worker.join(5)
    assert state["live"] == {"a", "b"}  # and the new one got it at the hand-over


def test_self_instruct_index_survives_decisions_during_prepare(pool):
    """Decisions from another thread while prepare() builds the ROUGE-L index: none is
    lost and the index is never seen half-built (prepare used to build it in place)."""
    fill(pool)
    recipe = SelfInstruct()
    ctx = Context(pool=pool, backend=ScriptedBackend(), settings=Settings(),
                  rng=random.Random(0), emit=lambda e: None)
    curator = Curator(pool, recipe)
    queue = list(curator.load())
    stop = threading.Event()
    seen: list[int] = []

    def keys() -> None:
        rng = random.Random(1)
        while not stop.is_set():
            c = rng.choice(queue)
            if c.status == ACCEPTED:
                curator.unaccept(c)
            else:
                curator.accept(c)
            with recipe.guard.lock:
                seen.append(len(recipe.index))
            time.sleep(0.001)

    recipe.prepare(ctx)
    worker = threading.Thread(target=keys)
    worker.start()
    for _ in range(20):
        recipe.prepare(ctx)
    stop.set()
    worker.join(5)
    for c in queue:  # the index and the sample agree with the pool after all that
        now = pool.get_candidate(c.id)
        assert (cand_key(c.id) in recipe.index) == (now.status != REJECTED)
        assert (c.id in [i for i, _ in recipe.machine]) == (now.status == ACCEPTED)
    assert seen and min(seen) >= len(pool.list_seeds())  # never an empty, half-built index

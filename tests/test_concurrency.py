"""Concurrent generation: several steps in flight against a server that answers them at
once (the Self-Instruct stand-in behind an OpenAI-compatible API), with the semantics of
one at a time: a shared ROUGE-L pending set, a hard cap on the count, pause / stop /
cancel with requests in flight, and backing off when the server is overloaded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from synthstudio.backends.aimd import AdaptiveLimit
from synthstudio.backends.openai_compat import OpenAIBackend
from synthstudio.config.settings import Settings, concurrency_for, load_settings
from synthstudio.datasets.seeds import ensure_default_seeds
from synthstudio.engine import Engine
from synthstudio.events import CandidateReady, RequestStarted, Status, StreamChunk
from synthstudio.recipes.self_instruct import SelfInstruct
from synthstudio.records import Problem, Topic
from synthstudio.store import Pool
from tests.crash_harness import MODEL, SelfInstructOpenAI, instruction_text, run_cli

pytestmark = pytest.mark.timeout(120)

DUPLICATE = "Explain the harbour lantern of a quartz meadow to a curious ten-year-old."


@pytest.fixture
def seeded(pool: Pool) -> Pool:
    ensure_default_seeds(pool)
    return pool


@pytest.fixture
def server() -> Iterator[SelfInstructOpenAI]:
    with SelfInstructOpenAI(chunk_delay=0.002) as s:
        yield s


def make_engine(pool: Pool, server: SelfInstructOpenAI, concurrency: int, target: int,
                events: list[Any] | None = None, seed: int = 1, **kw: Any) -> Engine:
    backend = OpenAIBackend(server.url, model=MODEL, concurrency=concurrency)
    sink: Callable[[Any], None] = events.append if events is not None else (lambda e: None)
    return Engine(pool, backend, SelfInstruct(), Settings(), target=target, auto_accept=True,
                  emit=sink, seed=seed, backoff_base_s=0.01, concurrency=concurrency, **kw)


async def run(engine: Engine) -> Any:
    try:
        return await engine.run()
    finally:
        await engine.ctx.backend.aclose()


async def until(pred: Callable[[], bool], timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < end, "timed out"
        await asyncio.sleep(0.01)


def instructions_of(pool: Pool) -> list[tuple[str, str, str]]:
    return [(c.instruction, c.status, c.reason) for c in pool.candidates()]


# -- the shared pending set --------------------------------------------------------------

async def test_two_parallel_steps_proposing_one_instruction_keep_one(
        seeded: Pool) -> None:
    """Both requests are answered while both are in flight; only one copy passes."""
    asked = [0]

    def replies(step: str, prompt: str) -> str | None:
        if step != "instructions":
            return None
        asked[0] += 1
        return f" {DUPLICATE}\n" if asked[0] <= 2 else f" {instruction_text(asked[0])}\n"

    with SelfInstructOpenAI(chunk_delay=0.002, replies=replies) as server:
        server.hold.clear()  # no reply starts before both requests have arrived
        engine = make_engine(seeded, server, concurrency=2, target=3)
        task = asyncio.create_task(run(engine))
        await until(lambda: server.chat_count >= 2)
        server.hold.set()
        summary = await task
        assert server.max_in_flight >= 2
    assert summary.status == "finished"
    copies = [(s, r) for text, s, r in instructions_of(seeded) if text == DUPLICATE]
    assert sorted(copies) == [("accepted", ""), ("rejected", "filter:rouge_l")]
    rejected = next(c for c in seeded.candidates() if c.reason == "filter:rouge_l")
    rouge = next(r for r in rejected.scores if r.name == "rouge_l")
    assert rouge.value == 1.0  # it was compared with the other step's pending instruction


# -- the hard cap ---------------------------------------------------------------------------

@pytest.mark.parametrize("concurrency", [1, 4])
async def test_count_is_a_hard_cap(seeded: Pool, concurrency: int) -> None:
    """Every reply holds two good instructions; --count 3 stores exactly 3 passing items
    (before, the last step's items were all stored: up to 6 with two steps of 2 each)."""
    with SelfInstructOpenAI(chunk_delay=0.002, per_reply=(2, 2)) as server:
        engine = make_engine(seeded, server, concurrency=concurrency, target=3)
        summary = await run(engine)
    counts = seeded.counts()
    assert summary.status == "finished" and summary.produced == 3
    assert counts["accepted"] == 3 and counts["proposed"] == 0
    assert engine.steps == {}  # nothing left in flight


async def test_steps_beyond_the_target_are_cancelled(seeded: Pool,
                                                      server: SelfInstructOpenAI) -> None:
    server.chunk_delay = 0.05  # slow replies: the other steps are mid-stream at the end
    engine = make_engine(seeded, server, concurrency=8, target=1)
    started = time.monotonic()
    summary = await run(engine)
    assert summary.produced == 1 and seeded.counts()["accepted"] == 1
    assert server.max_in_flight >= 4
    # the run ends with the first item, not after every step in flight has finished
    assert time.monotonic() - started < 20


# -- pause, stop, cancel with requests in flight ---------------------------------------------

async def test_pause_lets_the_requests_in_flight_finish_and_starts_none(
        seeded: Pool, server: SelfInstructOpenAI) -> None:
    events: list[Any] = []
    engine = make_engine(seeded, server, concurrency=4, target=50, events=events)
    server.hold.clear()
    task = asyncio.create_task(run(engine))
    await until(lambda: server.chat_count >= 4)
    engine.pause()
    server.hold.set()
    # the four requests in flight finish; a pause takes effect after them, so the steps'
    # next requests wait too (issue 12: space pauses after the request in flight)
    await until(lambda: engine.in_flight == 0 and len(engine.steps) == 4)
    asked = len(server.prompts)
    await asyncio.sleep(0.3)
    assert len(server.prompts) == asked == 4  # nothing new started while paused
    assert all(c.status == "accepted" for c in seeded.candidates())
    engine.resume()
    await until(lambda: len(server.prompts) > asked)
    await until(lambda: len(seeded.candidates()) >= 4)  # the paused steps went on
    assert all(c.status == "accepted" for c in seeded.candidates())
    engine.stop()
    summary = await task
    assert summary.status == "stopped"


async def test_stop_cancels_every_request_in_flight(seeded: Pool,
                                                    server: SelfInstructOpenAI) -> None:
    engine = make_engine(seeded, server, concurrency=4, target=50)
    server.hold.clear()  # the four requests wait for a first token that never comes
    task = asyncio.create_task(run(engine))
    await until(lambda: server.chat_count >= 4 and engine.in_flight == 4)
    engine.stop()
    # the held requests never answer: the run ends at all only if stop cancelled them
    summary = await asyncio.wait_for(task, 30)
    server.hold.set()
    assert summary.status == "stopped" and seeded.candidates() == []
    assert engine.in_flight == 0 and engine.steps == {}
    run_row = seeded.query("SELECT status FROM runs")[0]
    assert run_row["status"] == "stopped"


async def test_cancel_one_step_keeps_the_others(seeded: Pool,
                                                server: SelfInstructOpenAI) -> None:
    events: list[Any] = []
    engine = make_engine(seeded, server, concurrency=3, target=3, events=events)
    server.hold.clear()
    task = asyncio.create_task(run(engine))
    await until(lambda: engine.in_flight == 3)
    first = min(engine.steps)
    engine.cancel_request(first)
    server.hold.set()
    summary = await task
    assert summary.status == "finished" and seeded.counts()["accepted"] == 3
    # the cancelled step made nothing; every stored item came from another step
    streams = {e.request_id: e.step_id for e in events if isinstance(e, RequestStarted)}
    assert first in streams.values()
    stored_steps = {e.candidate.provenance["requests"][0]["step"] for e in events
                    if isinstance(e, CandidateReady)}
    assert stored_steps == {"instructions"}


async def test_streams_are_told_apart_by_request_id(seeded: Pool,
                                                    server: SelfInstructOpenAI) -> None:
    events: list[Any] = []
    engine = make_engine(seeded, server, concurrency=4, target=4, events=events)
    await run(engine)
    starts = [e for e in events if isinstance(e, RequestStarted)]
    assert len({e.request_id for e in starts}) == len(starts)
    assert len({e.step_id for e in starts}) >= 4
    chunks = [e for e in events if isinstance(e, StreamChunk)]
    assert {e.request_id for e in chunks} <= {e.request_id for e in starts}


# -- overload ----------------------------------------------------------------------------------

async def test_overload_halves_the_requests_in_flight_and_retries(
        seeded: Pool, server: SelfInstructOpenAI) -> None:
    events: list[Any] = []
    server.busy(6)  # the first six requests: HTTP 503
    engine = make_engine(seeded, server, concurrency=8, target=4, events=events)
    summary = await run(engine)
    assert summary.status == "finished" and seeded.counts()["accepted"] == 4
    warnings = [e.text for e in events if isinstance(e, Status)]
    assert warnings and all("busy (HTTP 503)" in t for t in warnings)
    assert any("at most 1 requests in flight" in t or "at most 2 requests in flight" in t
               for t in warnings)
    assert engine.ctx.limiter.overloads == 6
    assert not any("Skipping this step" in t for t in warnings)


async def test_adaptive_limit_halves_and_grows_back() -> None:
    limit = AdaptiveLimit(8)
    limit.overloaded()
    assert limit.limit == 4
    limit.overloaded()
    limit.overloaded()
    limit.overloaded()
    assert limit.limit == 1  # never below one
    for _ in range(1):
        limit.succeeded()
    assert limit.limit == 2
    for _ in range(2):
        limit.succeeded()
    assert limit.limit == 3
    for _ in range(100):
        limit.succeeded()
    assert limit.limit == 8  # never past the setting


async def test_adaptive_limit_queues_and_gives_up_a_place_on_cancel() -> None:
    limit = AdaptiveLimit(1)
    order: list[str] = []
    cancel = asyncio.Event()

    async def hold(name: str, ev: asyncio.Event | None = None, wait: float = 0.05) -> bool:
        async with limit.slot(ev) as got:
            order.append(f"{name}:{got}")
            if got:
                await asyncio.sleep(wait)
            return got

    first = asyncio.create_task(hold("a"))
    await asyncio.sleep(0)
    second = asyncio.create_task(hold("b", cancel))
    third = asyncio.create_task(hold("c"))
    await asyncio.sleep(0.01)
    assert limit.in_flight == 1
    cancel.set()
    assert await second is False
    assert await first and await third
    assert order == ["a:True", "b:False", "c:True"] and limit.in_flight == 0


# -- reproducibility and the setting -----------------------------------------------------------

async def test_concurrency_1_is_reproducible_for_a_seed(tmp_path: Path) -> None:
    prompts = []
    for i in range(2):
        pool = Pool(tmp_path / f"pool{i}.db")
        ensure_default_seeds(pool)
        with SelfInstructOpenAI(chunk_delay=0) as server:
            await run(make_engine(pool, server, concurrency=1, target=3, seed=7))
            prompts.append(server.prompts)
        pool.close()
    assert prompts[0] == prompts[1] and len(prompts[0]) >= 2


def test_setting_defaults_by_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings()
    assert [concurrency_for(s, b) for b in ("embedded", "ollama", "openai")] == [1, 4, 8]
    assert concurrency_for(Settings(concurrency=0), "openai") == 8
    assert concurrency_for(Settings(concurrency=32), "embedded") == 32
    monkeypatch.setenv("SYNTHSTUDIO_CONCURRENCY", "16")
    assert load_settings().concurrency == 16


def test_generate_cli_with_concurrency(tmp_path: Path) -> None:
    db = tmp_path / "pool.db"
    with SelfInstructOpenAI(chunk_delay=0.002, per_reply=(2, 2)) as server:
        proc = run_cli("generate", "--backend", "openai", "--base-url", server.url,
                       "--model", MODEL, "--count", "3", "--concurrency", "4",
                       "--auto-accept", "--db", str(db))
        seen = server.max_in_flight
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()
    assert "3 passed the filters (3 accepted)" in out
    assert "in flight" in out and "tok/s" in out
    assert seen >= 2
    bad = run_cli("generate", "--concurrency", "0", "--db", str(db))
    assert bad.returncode != 0
    assert b"field '--concurrency': must be between 1 and 1024" in bad.stderr


# -- parallel steps spread over the inputs ----------------------------------------------------

async def test_parallel_reasoning_steps_take_different_problems(pool: Pool) -> None:
    from synthstudio.recipes.reasoning import Reasoning
    from tests.fakes import Reply, ScriptedBackend

    pool.add_problems([Problem(problem=f"What is {i} + {i}?", answer=str(2 * i))
                       for i in range(1, 5)])
    backend = ScriptedBackend(default=Reply(content="<answer>0</answer>", delay=0.01))
    s = Settings(reasoning={"samples": 1})
    engine = Engine(pool, backend, Reasoning(), s, target=10, max_steps=4, seed=1,
                    concurrency=4)
    await engine.run()
    asked = [r.messages[0].content for r in backend.requests]
    assert len(asked) == 4 and len(set(asked)) == 4  # not the same problem four times


async def test_parallel_textbook_steps_take_different_combinations(pool: Pool) -> None:
    from synthstudio.recipes.textbook import Textbook
    from tests.fakes import Reply, ScriptedBackend

    pool.add_topics([Topic(topic="Tides", field="science")])
    backend = ScriptedBackend(default=Reply(content="Short text.", delay=0.01))
    engine = Engine(pool, backend, Textbook(), Settings(), target=10, max_steps=8, seed=1,
                    concurrency=8)
    await engine.run()
    asked = [r.messages[0].content for r in backend.requests]
    assert len(asked) == 8 and len(set(asked)) == 8

"""Backend faults through the Engine with the real OllamaBackend and the Ollama stand-in.

Each fault (server down, connection dropped mid-stream, an error line mid-stream, 503
busy, a stalled stream, a truncated JSON line, 1 MB of garbage, HTTP 500) ends as one
clear Status sentence; retryable ones are retried with backoff and the run still reaches
its target; a fault never costs an item that was already accepted. The CLI reports a
server that is not running in one sentence on stderr, exit 1, no traceback.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from synthstudio.backends.ollama import OllamaBackend
from synthstudio.config.settings import Settings
from synthstudio.datasets.seeds import ensure_default_seeds
from synthstudio.engine import Engine, RunSummary
from synthstudio.events import CandidateReady, Status
from synthstudio.recipes.self_instruct import SelfInstruct
from synthstudio.store import Pool
from tests.crash_harness import MODEL, SelfInstructStandin, check_pool, run_cli
from tests.standins import NDJSON, Reply

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def ol() -> Iterator[SelfInstructStandin]:
    with SelfInstructStandin(chunk_delay=0, rejects=False, per_reply=(1, 1)) as s:
        yield s


@pytest.fixture
def seeded(pool: Pool) -> Pool:
    ensure_default_seeds(pool)
    return pool


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def run_engine(pool: Pool, backend: OllamaBackend, target: int = 2,
                     on_event: Callable[[Any], None] | None = None, concurrency: int = 1,
                     ) -> tuple[RunSummary, list[Status]]:
    events: list[Any] = []

    def emit(event: Any) -> None:
        events.append(event)
        if on_event is not None:
            on_event(event)

    engine = Engine(pool, backend, SelfInstruct(), Settings(), target=target,
                    auto_accept=True, emit=emit, seed=1, backoff_base_s=0.001,
                    concurrency=concurrency)
    # retries stay as many as a user gets; only their pauses shrink (12 busy retries
    # doubling from 1 ms would otherwise wait 4 s per step)
    engine.ctx.backoff_max_s = 0.01
    try:
        summary = await engine.run()
    finally:
        await backend.aclose()
    return summary, [e for e in events if isinstance(e, Status)]


def assert_nothing_lost(pool: Pool, summary: RunSummary) -> None:
    accepted = {c.id for c in pool.candidates(status="accepted")}
    assert set(summary.accepted_ids) <= accepted
    assert len(accepted) == summary.accepted
    check = check_pool(pool.path)
    assert check.integrity == "ok" and check.problems == []


def stream_lines(ol: SelfInstructStandin, text: str) -> list[bytes | float]:
    return list(ol.chat_lines(text, model=MODEL))


# (fault, reply builder, words of the Status sentence)
FAULTS: list[tuple[str, Callable[[SelfInstructStandin], Reply], str]] = [
    ("dies mid-stream", lambda ol: ol.fault("die", after="9. Half an instr"),
     "The connection to Ollama broke mid-answer."),
    ("error line mid-stream",
     lambda ol: ol.fault("stream_error", "CUDA error: out of memory", after="partial"),
     "Ollama reported an error mid-answer: CUDA error: out of memory."),
    ("503 busy", lambda ol: ol.fault("error", 503, "server busy, please try again"),
     "Ollama is busy and queued no more requests (HTTP 503)."),
    ("500", lambda ol: ol.fault("error", 500, "llama runner process has terminated"),
     "Ollama failed with HTTP 500: llama runner process has terminated."),
    ("stall mid-stream", lambda ol: ol.fault("stall", 30.0, after="partial"),
     "Ollama stopped sending for 0.3 s mid-answer."),
    ("no first chunk",
     lambda ol: Reply(content_type=NDJSON, parts=[30.0, *stream_lines(ol, "late")]),
     "Ollama stopped sending for 0.6 s before the first token."),
    ("truncated JSON line", lambda ol: ol.fault("truncated"), " sent a malformed reply."),
    ("1 MB of garbage", lambda ol: ol.fault("garbage", 1 << 20), " sent a malformed reply."),
]


@pytest.mark.parametrize("step", ["instructions", "instances"])
@pytest.mark.parametrize(("name", "make", "words"), FAULTS, ids=[f[0] for f in FAULTS])
async def test_fault_is_one_status_then_retried(
        seeded: Pool, ol: SelfInstructStandin, step: str, name: str,
        make: Callable[[SelfInstructStandin], Reply], words: str) -> None:
    ol.inject(step, make(ol))
    backend = OllamaBackend(ol.url, MODEL, read_timeout=0.6, stall_timeout=0.3)
    summary, statuses = await run_engine(seeded, backend, target=2)
    assert summary.status == "finished", summary.message
    assert summary.accepted == 2
    assert_nothing_lost(seeded, summary)
    assert len(statuses) == 1, [s.text for s in statuses]
    status = statuses[0]
    assert status.level == "warning" and words in status.text
    budget = 13 if status.kind == "busy" else 5  # an overloaded server gets more patience
    assert f"Retrying in 0 s (attempt 2 of {budget})." in status.text
    assert "Traceback" not in status.text and "\n" not in status.text
    # the retried request is recorded in the provenance of the item it made
    attempts = [r["attempts"] for c in seeded.candidates(status="accepted")
                for r in c.provenance["requests"] if r["step"] == step]
    assert 2 in attempts


async def test_too_many_faults_skip_the_step_and_the_run_goes_on(
        seeded: Pool, ol: SelfInstructStandin) -> None:
    # (an overloaded server, HTTP 503, gets more patience: see test_concurrency)
    failing = [ol.fault("error", 500, "boom") for _ in range(5)]  # 1 try + 4 retries
    ol.inject("instances", *failing)
    backend = OllamaBackend(ol.url, MODEL)
    summary, statuses = await run_engine(seeded, backend, target=2)
    assert summary.status == "finished" and summary.accepted == 2
    texts = [s.text for s in statuses]
    assert sum("Retrying" in t for t in texts) == 4
    assert any(t.endswith("Skipping this step; the run goes on.") for t in texts)
    assert_nothing_lost(seeded, summary)


async def test_server_going_bad_for_good_keeps_what_was_accepted(
        seeded: Pool, ol: SelfInstructStandin) -> None:
    def on_event(event: Any) -> None:
        if isinstance(event, CandidateReady) and event.candidate.status == "accepted":
            for _ in range(40):
                ol.queue_error(503, "busy")

    backend = OllamaBackend(ol.url, MODEL)
    summary, statuses = await run_engine(seeded, backend, target=5, on_event=on_event)
    assert summary.status == "failed"
    assert summary.message.startswith("Ollama is busy")
    assert statuses[-1].level == "error" and statuses[-1].text == summary.message
    assert summary.accepted >= 1
    assert_nothing_lost(seeded, summary)
    run = seeded.get_run(summary.run_id)
    assert run is not None and run.status == "stopped"  # resumable
    assert seeded.last_unfinished_run().id == summary.run_id  # type: ignore[union-attr]


async def test_model_missing_is_not_retried(seeded: Pool, ol: SelfInstructStandin) -> None:
    ol.inject("instructions", ol.fault("error", 404, f"model '{MODEL}' not found"))
    backend = OllamaBackend(ol.url, MODEL)
    summary, statuses = await run_engine(seeded, backend)
    assert summary.status == "failed" and summary.accepted == 0
    assert summary.message == (f"Model '{MODEL}' is not installed in Ollama. "
                               f"Run `ollama pull {MODEL}`.")
    assert [s.level for s in statuses] == ["error"]
    assert ol.chat_count == 1


async def test_server_down_at_start_fails_with_one_sentence(seeded: Pool) -> None:
    host = f"http://127.0.0.1:{free_port()}"
    backend = OllamaBackend(host, MODEL, connect_timeout=2)
    summary, statuses = await run_engine(seeded, backend)
    assert summary.status == "failed" and summary.accepted == 0
    assert summary.message.startswith(f"Ollama is not running at {host}.")
    assert statuses[-1].level == "error"
    assert all("Ollama is not running" in s.text for s in statuses)
    assert not any("Traceback" in s.text or "\n" in s.text for s in statuses)
    assert seeded.counts() == {"proposed": 0, "accepted": 0, "rejected": 0}


def test_cli_server_not_running_is_one_sentence_on_stderr(tmp_path: Any) -> None:
    host = f"http://127.0.0.1:{free_port()}"
    res = run_cli("generate", "--backend", "ollama", "--host", host, "--count", "2",
                  "--db", str(tmp_path / "p.db"), timeout=90)
    err = res.stderr.decode()
    assert res.returncode == 1, (res.stdout, err)
    assert "Traceback" not in err and b"Traceback" not in res.stdout
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines[0] == f"error: Ollama is not running at {host}."
    assert len(lines) <= 2  # the sentence and its hint
    assert "ollama serve" in err


def test_stall_waits_no_longer_than_the_timeouts(seeded: Pool,
                                                 ol: SelfInstructStandin) -> None:
    """A stalled stream gives up after the stall timeout, not the 30 s the server sleeps."""
    ol.inject("instructions", ol.fault("stall", 30.0), ol.fault("stall", 30.0))
    backend = OllamaBackend(ol.url, MODEL, read_timeout=5, stall_timeout=0.3)
    loop = asyncio.new_event_loop()
    try:
        start = loop.time()
        summary, _ = loop.run_until_complete(run_engine(seeded, backend, target=1))
        assert loop.time() - start < 15
    finally:
        loop.close()
    assert summary.status == "finished"

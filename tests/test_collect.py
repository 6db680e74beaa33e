"""collect(): gathering a stream, stopping it at once; RetryBudget: when to try again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from synthstudio.backends.base import ChatRequest, Chunk, ContentDelta, Final, Message
from synthstudio.backends.collect import UNREACHABLE_ATTEMPTS, RetryBudget, collect
from synthstudio.backends.ollama import OllamaBackend
from synthstudio.errors import BackendError
from tests.fakes import Reply as FakeReply
from tests.fakes import ScriptedBackend
from tests.standins import OllamaStandin

pytestmark = pytest.mark.timeout(30)
REQ = ChatRequest([Message("user", "hi")])


@pytest.fixture
def ol() -> Iterator[OllamaStandin]:
    with OllamaStandin() as s:
        s.add_model("m", thinking=True)
        yield s


async def test_gathers_content_thinking_and_final() -> None:
    b = ScriptedBackend([FakeReply(content="The answer is 4.", thinking="2+2", delay=0.01)])
    seen: list[Chunk] = []
    comp = await collect(b, REQ, on_chunk=seen.append)
    assert comp.content == "The answer is 4." and comp.thinking == "2+2"
    assert isinstance(comp.final, Final) and comp.final.done_reason == "stop"
    assert not comp.cancelled and not comp.truncated
    assert comp.first_token_s is not None and comp.elapsed_s >= comp.first_token_s
    assert seen[-1] == comp.final and len(seen) == 1 + 1 + 3


async def test_length_is_truncated() -> None:
    comp = await collect(ScriptedBackend([FakeReply(content="abc", done_reason="length")]), REQ)
    assert comp.truncated


async def test_cancel_event_keeps_partial_and_closes_the_stream(ol: OllamaStandin) -> None:
    ol.queue_chat(content="abcdefghij" * 20, chunk=1, delay=0.02)
    b = OllamaBackend(ol.url, "m")
    cancel = asyncio.Event()

    def on_chunk(c: Chunk) -> None:
        if isinstance(c, ContentDelta) and c.text == "c":
            cancel.set()

    comp = await collect(b, REQ, on_chunk=on_chunk, cancel=cancel)
    assert comp.cancelled and comp.content == "abc"
    assert comp.final is not None and comp.final.done_reason == "cancelled"
    assert await asyncio.to_thread(ol.disconnects.wait, 2.0)
    await b.aclose()


async def test_cancel_event_interrupts_a_stalled_stream(ol: OllamaStandin) -> None:
    ol.queue_stall(10.0, after="early")
    b = OllamaBackend(ol.url, "m")
    cancel = asyncio.Event()
    asyncio.get_running_loop().call_later(0.3, cancel.set)
    t0 = time.perf_counter()
    comp = await collect(b, REQ, cancel=cancel)
    assert time.perf_counter() - t0 < 2
    assert comp.cancelled and comp.content == "early"
    await b.aclose()


async def test_task_cancellation_closes_stream_and_reraises(ol: OllamaStandin) -> None:
    ol.queue_chat(content="x" * 300, chunk=1, delay=0.02)
    b = OllamaBackend(ol.url, "m")
    for cancel in (None, asyncio.Event()):
        ol.disconnects.clear()
        if cancel is not None:
            ol.queue_chat(content="x" * 300, chunk=1, delay=0.02)
        got = asyncio.Event()
        task = asyncio.create_task(collect(b, REQ, on_chunk=lambda c, ev=got: ev.set(),
                                           cancel=cancel))
        await got.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await asyncio.to_thread(ol.disconnects.wait, 2.0)
    await b.aclose()


async def test_backend_error_propagates() -> None:
    err = BackendError("down", kind="unreachable")
    with pytest.raises(BackendError):
        await collect(ScriptedBackend([err]), REQ)


def test_retry_budget_counts_each_kind_and_doubles_the_pause() -> None:
    retry = RetryBudget(retries=2, busy_retries=3, base_s=0.01, max_s=0.03)
    busy = BackendError("busy", kind="busy")
    waits = [retry.after(busy) for _ in range(3)]
    assert [w[:2] for w in waits] == [(1, 3), (2, 3), (3, 3)]
    assert 0.01 <= waits[0][2] <= 0.011 and 0.02 <= waits[1][2] <= 0.022
    assert 0.03 <= waits[2][2] <= 0.033  # capped at max_s
    with pytest.raises(BackendError) as spent:
        retry.after(busy)
    assert spent.value is busy
    timeout = BackendError("slow", kind="timeout")
    assert retry.after(timeout)[:2] == (1, 2)  # its own count, not the busy one's


def test_retry_budget_refuses_what_cannot_be_retried() -> None:
    fatal = BackendError("no model", kind="model")
    assert not fatal.retryable
    with pytest.raises(BackendError):
        RetryBudget(retries=5, busy_retries=5, base_s=0.01, max_s=1).after(fatal)
    refused = BackendError("refused", kind="unreachable")
    retry = RetryBudget(retries=5, busy_retries=5, base_s=0.01, max_s=1)
    assert retry.after(refused)[:2] == (1, UNREACHABLE_ATTEMPTS - 1)
    with pytest.raises(BackendError):
        retry.after(refused)  # a refused connection: one retry at most

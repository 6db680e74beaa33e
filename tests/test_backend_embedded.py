"""EmbeddedBackend with the real bundled SmolLM2-135M model (offline, CPU)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from synthstudio.backends.base import (
    ChatRequest,
    Chunk,
    ContentDelta,
    Final,
    GenOptions,
    Message,
)
from synthstudio.backends.embedded import EMBEDDED_NOTE, EmbeddedBackend, bundled_model_path
from synthstudio.errors import BackendError

pytestmark = pytest.mark.timeout(60)


def req(text: str, n: int = 16, **kw: object) -> ChatRequest:
    return ChatRequest([Message("user", text)],
                       GenOptions(temperature=0, num_predict=n, seed=1), **kw)  # type: ignore[arg-type]


async def run(b: EmbeddedBackend, r: ChatRequest) -> list[Chunk]:
    return [c async for c in b.stream_chat(r)]


def content(chunks: list[Chunk]) -> str:
    return "".join(c.text for c in chunks if isinstance(c, ContentDelta))


def test_bundled_model_found() -> None:
    path = bundled_model_path()
    assert path is not None and path.suffix == ".gguf" and path.exists()
    assert "SmolLM2-135M" in EMBEDDED_NOTE


async def test_temperature_zero_is_repeatable() -> None:
    b = EmbeddedBackend()
    first = await run(b, req("Name a fruit."))
    second = await run(b, req("Name a fruit."))
    assert content(first) and content(first) == content(second)
    final = first[-1]
    assert isinstance(final, Final) and final.done_reason in ("stop", "length")
    assert final.eval_tokens and final.eval_tokens <= 16 and final.tokens_per_second
    assert final.prompt_tokens and final.model.startswith("SmolLM2")
    assert [m.name for m in await b.list_models()] == [b.model]


async def test_json_schema_output_parses() -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"},
                                               "population": {"type": "integer"}},
              "required": ["city", "population"]}
    chunks = await run(EmbeddedBackend(), req("Describe a city as JSON.", 60,
                                              json_schema=schema))
    data = json.loads(content(chunks))
    assert isinstance(data["city"], str) and isinstance(data["population"], int)


async def test_length_limit_reports_length() -> None:
    chunks = await run(EmbeddedBackend(), req("Write a long story about a dragon.", 5))
    final = chunks[-1]
    assert isinstance(final, Final) and final.done_reason == "length"
    assert final.eval_tokens == 5


async def test_consumer_stopping_stops_llama_cpp_at_once() -> None:
    b = EmbeddedBackend()
    stream = b.stream_chat(req("Write a very long story about the sea.", 2000))
    got = [await anext(stream) for _ in range(3)]
    assert all(isinstance(c, ContentDelta) for c in got)
    t0 = time.perf_counter()
    await stream.aclose()  # type: ignore[attr-defined]
    assert b.last_thread is not None
    await asyncio.to_thread(b.last_thread.join, 5.0)
    assert not b.last_thread.is_alive() and time.perf_counter() - t0 < 1.0


async def test_task_cancel_stops_llama_cpp_and_frees_the_slot() -> None:
    b = EmbeddedBackend()
    seen = asyncio.Event()

    async def consume() -> None:
        async for _ in b.stream_chat(req("Write a very long story about mountains.", 2000)):
            seen.set()

    task = asyncio.create_task(consume())
    await seen.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert b.last_thread is not None
    await asyncio.to_thread(b.last_thread.join, 5.0)
    assert not b.last_thread.is_alive()
    t0 = time.perf_counter()
    assert content(await run(b, req("Say yes.", 4)))  # the slot is free again
    assert time.perf_counter() - t0 < 10


async def test_bad_schema_is_a_request_error() -> None:
    with pytest.raises(BackendError) as e:
        await run(EmbeddedBackend(), req("x", json_schema={"type": "nope"}))
    assert e.value.kind == "request"


async def test_prompt_longer_than_context() -> None:
    b = EmbeddedBackend(n_ctx=256)
    with pytest.raises(BackendError) as e:
        await run(b, req("word " * 400))
    assert e.value.kind == "request" and "too long" in str(e.value)


@pytest.mark.parametrize("content_bytes", [None, b"not a gguf file at all"])
async def test_missing_or_broken_file_names_the_path(tmp_path: Path,
                                                     content_bytes: bytes | None) -> None:
    path = tmp_path / "model.gguf"
    if content_bytes is not None:
        path.write_bytes(content_bytes)
    with pytest.raises(BackendError) as e:
        await run(EmbeddedBackend(path), req("x"))
    assert str(path) in str(e.value) and e.value.kind == "model"
    assert "embedded_model_path" in e.value.hint


async def test_gguf_that_fails_to_load_says_why(tmp_path: Path) -> None:
    path = tmp_path / "broken.gguf"
    path.write_bytes(b"GGUF" + b"\x00" * 64)
    with pytest.raises(BackendError) as e:
        await run(EmbeddedBackend(path), req("x"))
    assert str(path) in str(e.value) and e.value.kind == "model"
    assert len(str(e.value)) > len(f"llama.cpp could not load {path}.")


async def test_no_request_thread_outlives_a_closed_or_cancelled_stream() -> None:
    """Ctrl-C and `q` cancel the task: by the time that returns, llama.cpp's thread has
    ended (a thread still inside llama.cpp at interpreter exit aborts the process)."""
    b = EmbeddedBackend()
    stream = b.stream_chat(req("Write a very long story about rivers.", 2000))
    await anext(stream)
    await stream.aclose()  # type: ignore[attr-defined]
    assert b.last_thread is not None and not b.last_thread.is_alive()

    seen = asyncio.Event()

    async def consume() -> None:
        async for _ in b.stream_chat(req("Write a very long story about forests.", 2000)):
            seen.set()

    task = asyncio.create_task(consume())
    await seen.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not b.last_thread.is_alive()


async def test_backend_close_stops_a_stream_nobody_closed() -> None:
    """The studio closes the backend on exit even if a worker left a stream open."""
    b = EmbeddedBackend()
    stream = b.stream_chat(req("Write a very long story about the moon.", 2000))
    await anext(stream)
    await b.aclose()
    assert b.last_thread is not None and not b.last_thread.is_alive()
    await stream.aclose()  # type: ignore[attr-defined]


def test_slots_decode_requests_side_by_side() -> None:
    """With two llama.cpp slots, two requests stream at once (each in its own context)."""
    b = EmbeddedBackend(slots=2)
    times: dict[int, list[float]] = {0: [], 1: []}

    async def one(i: int) -> str:
        out = []
        async for c in b.stream_chat(req(f"Name {i + 2} colours.", n=24)):
            if isinstance(c, ContentDelta):
                times[i].append(time.monotonic())
                out.append(c.text)
        return "".join(out)

    async def both() -> list[str]:
        await b.engine()
        return list(await asyncio.gather(one(0), one(1)))

    texts = asyncio.run(both())
    assert all(t.strip() for t in texts)
    # each request had streamed a token before the other one finished
    assert times[0][0] < times[1][-1] and times[1][0] < times[0][-1]

"""OllamaBackend against the Ollama stand-in: streaming, options, models, every failure."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import time
from collections.abc import Iterator

import pytest

from synthstudio.backends import ollama as ollama_backend
from synthstudio.backends import sse_stream
from synthstudio.backends.base import (
    ChatRequest,
    Chunk,
    ContentDelta,
    Final,
    GenOptions,
    Message,
    ThinkingDelta,
)
from synthstudio.backends.ollama import OllamaBackend, normalize_host
from synthstudio.errors import BackendError
from tests.standins import OllamaStandin

pytestmark = pytest.mark.timeout(30)


@pytest.fixture(params=["lean", "client"], autouse=True)
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs on both ways of reading a chat: ``sse_stream`` (plain http without
    a proxy) and the ``ollama`` client (https, proxies)."""
    if request.param == "client":
        monkeypatch.setattr(ollama_backend, "lean_target", lambda url: None)
    return str(request.param)


@pytest.fixture
def ol() -> Iterator[OllamaStandin]:
    with OllamaStandin() as s:
        s.add_model("qwen3:0.6b", thinking=True)
        s.add_model("llama3.2:1b", family="llama")
        yield s


def req(text: str = "hi", **kw: object) -> ChatRequest:
    return ChatRequest([Message("user", text)], **kw)  # type: ignore[arg-type]


async def run(b: OllamaBackend, r: ChatRequest) -> list[Chunk]:
    return [c async for c in b.stream_chat(r)]


def texts(chunks: list[Chunk], kind: type) -> str:
    return "".join(c.text for c in chunks if isinstance(c, kind))  # type: ignore[attr-defined]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_streams_thinking_content_and_final(ol: OllamaStandin) -> None:
    ol.queue_chat(content="It is <4> & done.", thinking="2+2...", chunk=3)
    b = OllamaBackend(ol.url, "qwen3:0.6b")
    chunks = await run(b, req())
    assert texts(chunks, ThinkingDelta) == "2+2..."
    assert texts(chunks, ContentDelta) == "It is <4> & done."
    final = chunks[-1]
    assert isinstance(final, Final) and final.done_reason == "stop"
    assert final.prompt_tokens == 26 and final.eval_tokens == 8
    assert final.eval_duration_s == pytest.approx(0.16)
    assert final.total_duration_s == pytest.approx(2.5)
    assert final.load_duration_s == pytest.approx(0.5)
    assert final.tokens_per_second == pytest.approx(50)
    await b.aclose()


async def test_passes_options_think_format_keep_alive(ol: OllamaStandin) -> None:
    ol.queue_chat(content="{}", done_reason="length")
    b = OllamaBackend(ol.url, "qwen3:0.6b", keep_alive="3m")
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    opts = GenOptions(temperature=0.2, top_p=0.9, seed=7, num_predict=64, num_ctx=2048,
                      stop=["\n\n"])
    chunks = await run(b, req(options=opts, json_schema=schema, think=True))
    assert isinstance(chunks[-1], Final) and chunks[-1].done_reason == "length"
    body = ol.chat_bodies()[-1]
    assert body["model"] == "qwen3:0.6b" and body["stream"] is True
    assert body["think"] is True and body["format"] == schema and body["keep_alive"] == "3m"
    assert body["options"] == {"temperature": 0.2, "top_p": 0.9, "seed": 7, "num_predict": 64,
                               "num_ctx": 2048, "stop": ["\n\n"]}
    assert body["messages"] == [{"role": "user", "content": "hi"}]
    await b.aclose()


def test_options_and_stats_as_data_name_every_field_in_order() -> None:
    """GenOptions.as_dict and Final.as_dict spell their keys out (typed JSON for the
    provenance): a field added to either must be added there too."""
    opts = GenOptions(temperature=0.2, top_p=0.9, seed=7, num_predict=64, num_ctx=2048,
                      stop=["x"])
    assert list(opts.as_dict()) == [f.name for f in dataclasses.fields(GenOptions)]
    assert opts.as_dict()["stop"] is not opts.stop and GenOptions().as_dict() == {}
    final = Final(prompt_tokens=3, eval_tokens=8, eval_duration_s=2.0, model="m")
    assert final.as_dict() == {**dataclasses.asdict(final), "tokens_per_second": 4.0}
    assert list(final.as_dict()) == [*dataclasses.asdict(final), "tokens_per_second"]


async def test_default_model_is_first_installed_and_models_listed(ol: OllamaStandin) -> None:
    b = OllamaBackend(ol.url)
    chunks = await run(b, req())
    assert texts(chunks, ContentDelta) == ol.default_content
    assert ol.chat_bodies()[-1]["model"] == "qwen3:0.6b"
    models = await b.list_models()
    assert [m.name for m in models] == ["qwen3:0.6b", "llama3.2:1b"]
    assert models[0].size_bytes == 522_653_767 and models[0].quantization == "Q4_K_M"
    info = await b.show("qwen3:0.6b")
    assert info.thinks and info.family == "qwen3"
    assert not (await b.show("llama3.2:1b")).thinks
    assert await b.version() == "0.12.6"
    await b.aclose()


async def test_pull_reports_progress(ol: OllamaStandin) -> None:
    ol.queue_pull(["pulling manifest", "pulling abc", "verifying sha256 digest", "success"])
    seen: list[tuple[str, int | None, int | None]] = []
    b = OllamaBackend(ol.url)
    await b.pull("qwen3:0.6b", lambda s, c, t: seen.append((s, c, t)))
    assert seen[0] == ("pulling manifest", None, None)
    assert seen[1] == ("pulling abc", 1000, 1000) and seen[-1][0] == "success"
    with pytest.raises(BackendError) as e:
        await b.pull("no-such-model")
    assert e.value.kind == "model"
    await b.aclose()


async def test_not_running_is_unreachable_with_hint() -> None:
    b = OllamaBackend(f"127.0.0.1:{free_port()}", "m", connect_timeout=1)
    with pytest.raises(BackendError) as e:
        await run(b, req())
    assert e.value.kind == "unreachable" and e.value.retryable
    assert "not running" in str(e.value) and "ollama serve" in e.value.hint
    with pytest.raises(BackendError) as e2:
        await b.list_models()
    assert e2.value.kind == "unreachable"
    with pytest.raises(BackendError):
        await b.version(timeout=0.5)
    await b.aclose()


@pytest.mark.parametrize(("setup", "kind", "words"), [
    (lambda s: None, "model", "ollama pull nope"),
    (lambda s: s.queue_error(503, "server busy, please try again.  maximum pending requests "
                             "exceeded"), "busy", "busy"),
    (lambda s: s.queue_error(500, "llama runner process has terminated: exit status 2"),
     "server", "HTTP 500"),
    (lambda s: s.queue_stream_error("an error was encountered while running the model"),
     "stream", "mid-answer"),
    (lambda s: s.queue_truncated(), "stream", "malformed"),
    (lambda s: s.queue_garbage(1 << 20), "stream", "malformed"),
    (lambda s: s.queue_die(), "stream", "broke"),
])
async def test_failures_map_to_kinds(ol: OllamaStandin, setup, kind: str, words: str) -> None:
    setup(ol)
    model = "nope" if kind == "model" else "qwen3:0.6b"
    b = OllamaBackend(ol.url, model)
    with pytest.raises(BackendError) as e:
        await run(b, req())
    assert e.value.kind == kind
    assert words in e.value.full()
    assert "Traceback" not in e.value.full() and "\n" not in str(e.value)
    await b.aclose()


async def test_think_on_a_model_without_thinking(ol: OllamaStandin) -> None:
    b = OllamaBackend(ol.url, "llama3.2:1b")
    with pytest.raises(BackendError) as e:
        await run(b, req(think=True))
    assert e.value.kind == "think" and not e.value.retryable
    assert ol.requests[-1][1] == "/api/chat"
    await b.aclose()


async def test_stall_mid_stream_times_out(ol: OllamaStandin) -> None:
    ol.queue_stall(5.0, after="partial")
    b = OllamaBackend(ol.url, "qwen3:0.6b", read_timeout=0.4)
    got: list[Chunk] = []
    t0 = time.perf_counter()
    with pytest.raises(BackendError) as e:
        async for c in b.stream_chat(req()):
            got.append(c)
    assert e.value.kind == "timeout" and time.perf_counter() - t0 < 3
    assert texts(got, ContentDelta) == "partial"
    await b.aclose()


async def test_no_first_chunk_times_out_with_read_timeout(ol: OllamaStandin) -> None:
    ol.queue_stall(5.0, after="")  # headers, then nothing
    b = OllamaBackend(ol.url, "qwen3:0.6b", read_timeout=0.4)
    with pytest.raises(BackendError) as e:
        await run(b, req())
    assert e.value.kind == "timeout"
    await b.aclose()


async def test_consumer_stopping_closes_the_response(ol: OllamaStandin) -> None:
    ol.queue_chat(content="x" * 200, chunk=1, delay=0.02)
    b = OllamaBackend(ol.url, "qwen3:0.6b")
    stream = b.stream_chat(req())
    first = await anext(stream)
    assert first == ContentDelta("x")
    await stream.aclose()  # type: ignore[attr-defined]
    assert await asyncio.to_thread(ol.disconnects.wait, 2.0)
    await b.aclose()


async def test_task_cancel_closes_the_response(ol: OllamaStandin) -> None:
    ol.queue_chat(content="y" * 200, chunk=1, delay=0.02)
    b = OllamaBackend(ol.url, "qwen3:0.6b")
    started = asyncio.Event()

    async def consume() -> None:
        async for _ in b.stream_chat(req()):
            started.set()

    task = asyncio.create_task(consume())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(ol.disconnects.wait, 2.0)
    await b.aclose()


def test_host_normalisation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    assert normalize_host(None) == "http://127.0.0.1:11434"
    assert normalize_host("example.com") == "http://example.com:11434"
    assert normalize_host(":5000") == "http://127.0.0.1:5000"
    assert normalize_host("0.0.0.0:11434") == "http://127.0.0.1:11434"
    assert normalize_host("https://h.example/ollama/") == "https://h.example:443/ollama"
    monkeypatch.setenv("OLLAMA_HOST", "10.0.0.2:9999")
    assert normalize_host("") == "http://10.0.0.2:9999"
    assert OllamaBackend().host == "http://10.0.0.2:9999"


async def test_a_long_stream_comes_whole_and_a_huge_line_is_refused(
        ol: OllamaStandin, reader: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "".join(f"w{i} " for i in range(400))
    ol.queue_chat(content=text, chunk=2)
    b = OllamaBackend(ol.url, "qwen3:0.6b")
    assert texts(await run(b, req()), ContentDelta) == text
    monkeypatch.setattr(sse_stream, "MAX_LINE", 1 << 16)
    ol.queue_garbage(1 << 20)
    with pytest.raises(BackendError) as e:
        await run(b, req())
    assert e.value.kind == "stream"
    if reader == "lean":
        assert "a line of more than 65,536 bytes without an end" in str(e.value)
    await b.aclose()

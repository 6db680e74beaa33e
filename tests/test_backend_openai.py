"""OpenAIBackend against the SSE stand-in, and against the real llama.cpp server."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator

import pytest

from synthstudio.backends import openai_compat, sse_stream
from synthstudio.backends.base import (
    ChatRequest,
    Chunk,
    ContentDelta,
    Final,
    GenOptions,
    Message,
    ThinkingDelta,
)
from synthstudio.backends.embedded import EmbeddedBackend
from synthstudio.backends.openai_compat import OpenAIBackend, normalize_base_url
from synthstudio.errors import BackendError
from tests.standins import SSE, OpenAIStandin, Reply, sse

pytestmark = pytest.mark.timeout(30)


@pytest.fixture(params=["lean", "httpx"], autouse=True)
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs on both ways of reading a chat stream: ``sse_stream`` (plain http
    without a proxy) and httpx (https, proxies)."""
    if request.param == "httpx":
        monkeypatch.setattr(openai_compat, "lean_target", lambda url: None)
    return str(request.param)


@pytest.fixture
def oa() -> Iterator[OpenAIStandin]:
    with OpenAIStandin() as s:
        yield s


def req(text: str = "hi", **kw: object) -> ChatRequest:
    return ChatRequest([Message("user", text)], **kw)  # type: ignore[arg-type]


async def run(b: OpenAIBackend, r: ChatRequest) -> list[Chunk]:
    return [c async for c in b.stream_chat(r)]


def texts(chunks: list[Chunk], kind: type) -> str:
    return "".join(c.text for c in chunks if isinstance(c, kind))  # type: ignore[attr-defined]


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
async def test_reasoning_fields_become_thinking(oa: OpenAIStandin, field: str) -> None:
    oa.queue_chat(content="Four.", reasoning="2+2=4", reasoning_field=field, chunk=2)
    b = OpenAIBackend(oa.url, model="local-model")
    chunks = await run(b, req())
    assert texts(chunks, ThinkingDelta) == "2+2=4" and texts(chunks, ContentDelta) == "Four."
    final = chunks[-1]
    assert isinstance(final, Final) and final.done_reason == "stop"
    assert final.prompt_tokens == 12 and final.eval_tokens == 6
    assert final.eval_duration_s is not None and final.model == "local-model"
    await b.aclose()


async def test_inline_think_tags_split_at_any_byte(oa: OpenAIStandin) -> None:
    oa.queue_chat(content="<think>\nweigh it</think>\n\nYes.", chunk=3)  # "<th" + "ink>"
    b = OpenAIBackend(oa.url, model="m")
    chunks = await run(b, req())
    assert texts(chunks, ThinkingDelta) == "weigh it" and texts(chunks, ContentDelta) == "Yes."
    await b.aclose()


async def test_body_options_schema_length_and_timings(oa: OpenAIStandin) -> None:
    oa.queue_chat(content="{}", finish_reason="length", usage=False,
                  timings={"prompt_n": 5, "cache_n": 3, "predicted_n": 40,
                           "predicted_ms": 800.0})
    b = OpenAIBackend(oa.url, model="m")
    schema = {"type": "object"}
    opts = GenOptions(temperature=0.1, top_p=0.8, seed=3, num_predict=40, num_ctx=999,
                      stop=["END"])
    chunks = await run(b, req(options=opts, json_schema=schema, think=False))
    final = chunks[-1]
    assert isinstance(final, Final) and final.done_reason == "length"
    assert final.eval_tokens == 40 and final.eval_duration_s == pytest.approx(0.8)
    assert final.prompt_tokens == 8 and final.tokens_per_second == pytest.approx(50)
    body = oa.chat_bodies()[-1]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["response_format"] == {"type": "json_schema",
                                       "json_schema": {"name": "output", "schema": schema}}
    assert {k: body[k] for k in ("temperature", "top_p", "seed", "max_tokens", "stop")} == {
        "temperature": 0.1, "top_p": 0.8, "seed": 3, "max_tokens": 40, "stop": ["END"]}
    assert body["chat_template_kwargs"] == {"enable_thinking": False}
    await b.aclose()


async def test_measures_decode_time_without_timings(oa: OpenAIStandin) -> None:
    oa.queue_chat(content="abcdefgh", chunk=1, delay=0.02, usage=False)
    b = OpenAIBackend(oa.url, model="m")
    final = (await run(b, req()))[-1]
    assert isinstance(final, Final) and final.eval_tokens == 8
    assert 0.1 < (final.eval_duration_s or 0) < 2


async def test_models_default_model_and_api_key() -> None:
    with OpenAIStandin(api_key="sk-1", models=("a", "b")) as oa:
        b = OpenAIBackend(oa.url, api_key="sk-1")
        assert [m.name for m in await b.list_models()] == ["a", "b"]
        await run(b, req())
        assert oa.chat_bodies()[-1]["model"] == "a"
        bad = OpenAIBackend(oa.url, api_key="wrong", model="a")
        with pytest.raises(BackendError) as e:
            await run(bad, req())
        assert e.value.kind == "auth" and "SYNTHSTUDIO_OPENAI_API_KEY" in e.value.hint
        await b.aclose()
        await bad.aclose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_unreachable() -> None:
    b = OpenAIBackend(f"http://127.0.0.1:{free_port()}/v1", model="m", connect_timeout=1)
    with pytest.raises(BackendError) as e:
        await run(b, req())
    assert e.value.kind == "unreachable" and "openai_base_url" in e.value.hint
    await b.aclose()


@pytest.mark.parametrize(("setup", "kind"), [
    (lambda s: s.queue_error(404, "The model `x` does not exist."), "model"),
    (lambda s: s.queue_raw(Reply(404, parts=[b'{"detail":"Not Found"}'])), "config"),
    (lambda s: s.queue_error(503, "Loading model", "unavailable_error"), "busy"),
    (lambda s: s.queue_error(500, "boom", "server_error"), "server"),
    (lambda s: s.queue_error(400, "bad schema"), "request"),
    (lambda s: s.queue_stream_error("out of memory"), "stream"),
    (lambda s: s.queue_truncated(), "stream"),
    (lambda s: s.queue_garbage(1 << 20), "stream"),
    (lambda s: s.queue_die(), "stream"),
    (lambda s: s.queue_raw(Reply(content_type=SSE, parts=[sse(b"{not json")])), "stream"),
    (lambda s: s.queue_raw(Reply(parts=[json.dumps({"error": {"message": "no"}}).encode()
                                        + b"\n"])), "stream"),
])
async def test_failures_map_to_kinds(oa: OpenAIStandin, setup, kind: str) -> None:
    setup(oa)
    b = OpenAIBackend(oa.url, model="m")
    with pytest.raises(BackendError) as e:
        await run(b, req())
    assert e.value.kind == kind, e.value.full()
    assert "\n" not in str(e.value)
    await b.aclose()


async def test_stall_times_out(oa: OpenAIStandin) -> None:
    oa.queue_stall(5.0)
    b = OpenAIBackend(oa.url, model="m", read_timeout=0.4)
    t0 = time.perf_counter()
    with pytest.raises(BackendError) as e:
        await run(b, req())
    assert e.value.kind == "timeout" and time.perf_counter() - t0 < 3
    await b.aclose()


async def test_consumer_stopping_closes_the_response(oa: OpenAIStandin) -> None:
    oa.queue_chat(content="z" * 200, chunk=1, delay=0.02)
    b = OpenAIBackend(oa.url, model="m")
    stream = b.stream_chat(req())
    assert await anext(stream) == ContentDelta("z")
    await stream.aclose()  # type: ignore[attr-defined]
    assert await asyncio.to_thread(oa.disconnects.wait, 2.0)
    await b.aclose()


def test_base_url_normalisation() -> None:
    assert normalize_base_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080/v1"
    assert normalize_base_url("127.0.0.1:8080/") == "http://127.0.0.1:8080/v1"
    assert normalize_base_url("https://x.example/api/v1/") == "https://x.example/api/v1"


async def test_real_llama_cpp_server() -> None:
    """The llama.cpp server inside the embedded backend speaks the same API."""
    address = await EmbeddedBackend().http_address()
    b = OpenAIBackend(address, read_timeout=60)
    models = await b.list_models()
    assert models and models[0].name
    opts = GenOptions(temperature=0, num_predict=12, seed=1)
    chunks = await run(b, req("Say hello.", options=opts))
    final = chunks[-1]
    assert isinstance(final, Final) and final.done_reason in ("stop", "length")
    assert texts(chunks, ContentDelta).strip()
    assert final.eval_tokens and final.eval_tokens <= 12 and final.eval_duration_s
    assert final.prompt_tokens and final.prompt_tokens > 5
    schema = {"type": "object", "properties": {"name": {"type": "string"}},
              "required": ["name"]}
    chunks = await run(b, req("Give a name.", options=GenOptions(temperature=0,
                                                                  num_predict=40),
                              json_schema=schema))
    assert "name" in json.loads(texts(chunks, ContentDelta))
    await b.aclose()


def event(content: str) -> dict[str, object]:
    return {"object": "chat.completion.chunk", "model": "m",
            "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}]}


async def test_crlf_comments_and_cuts_anywhere(oa: OpenAIStandin) -> None:
    """CRLF line ends, comments and keep-alives, a line and UTF-8 characters ('é' is
    two bytes, '☃' three) cut across HTTP chunks that arrive apart."""
    wire = (b": keep-alive\r\n\r\n"
            + b"".join(b"data: " + json.dumps(event(t), ensure_ascii=False).encode()
                       + b"\r\n\r\n" for t in ("h\u00e9", "llo \u2603", "!"))
            + b": ping\r\n\r\ndata: [DONE]\r\n\r\n")
    cuts = [0, 5, wire.index("\u00e9".encode()) + 1, wire.index("\u2603".encode()) + 2,
            len(wire) - 3, len(wire)]
    parts: list[bytes | float] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        parts += [wire[a:b], 0.03]
    oa.queue_raw(Reply(content_type=SSE, parts=parts))
    b = OpenAIBackend(oa.url, model="m")
    chunks = await run(b, req())
    assert texts(chunks, ContentDelta) == "h\u00e9llo \u2603!"
    assert isinstance(chunks[-1], Final) and chunks[-1].eval_tokens == 3
    await b.aclose()


async def test_invalid_utf8_becomes_a_replacement_character(oa: OpenAIStandin) -> None:
    bad = b'data: {"choices": [{"delta": {"content": "a\xffb"}}]}\n\n'
    oa.queue_raw(Reply(content_type=SSE, parts=[bad, sse(b"[DONE]")]))
    b = OpenAIBackend(oa.url, model="m")
    assert texts(await run(b, req()), ContentDelta) == "a\ufffdb"
    await b.aclose()


async def test_keep_alives_before_the_first_token_are_no_event_stream(
        oa: OpenAIStandin) -> None:
    oa.queue_raw(Reply(content_type=SSE, parts=[b": ping\n\n", 0.05, b": ping\n\n"]))
    b = OpenAIBackend(oa.url, model="m")
    with pytest.raises(BackendError) as e:
        await run(b, req())
    assert e.value.kind == "stream" and "event stream" in str(e.value)
    await b.aclose()


async def test_a_line_without_end_is_refused_at_the_limit(
        oa: OpenAIStandin, reader: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lean reader holds at most ``MAX_LINE`` bytes of one line (httpx has no limit:
    the garbage is read to its end and is no event stream)."""
    monkeypatch.setattr(sse_stream, "MAX_LINE", 1 << 16)
    oa.queue_garbage(1 << 20)
    b = OpenAIBackend(oa.url, model="m")
    with pytest.raises(BackendError) as e:
        await run(b, req())
    assert e.value.kind == "stream"
    if reader == "lean":
        assert "a line of more than 65,536 bytes without an end" in str(e.value)
    await b.aclose()


async def test_sequential_requests_share_one_connection(oa: OpenAIStandin) -> None:
    b = OpenAIBackend(oa.url, model="m")
    for _ in range(3):
        oa.queue_chat(content="one two three", chunk=4)
        assert texts(await run(b, req()), ContentDelta) == "one two three"
    assert oa.accepted == 1
    oa.queue_stream_error("boom")  # a failed stream: its connection may go
    with pytest.raises(BackendError):
        await run(b, req())
    assert texts(await run(b, req()), ContentDelta) == oa.default_content
    assert oa.accepted <= 2
    await b.aclose()

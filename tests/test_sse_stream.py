"""The lean HTTP/1.1 event-stream reader (``backends/sse_stream.py``), fed bytes directly:
framing, line ends and UTF-8 cut at any byte, the line limit and the paced reads."""

from __future__ import annotations

import asyncio
import json

import pytest

from synthstudio.backends import sse_stream
from synthstudio.backends.sse_stream import (
    LineTooLong,
    SSEProtocol,
    StreamBroken,
    lean_target,
    post_request,
)


class FakeTransport:
    def __init__(self) -> None:
        self.paused = 0
        self.resumed = 0
        self.aborted = False

    def pause_reading(self) -> None:
        self.paused += 1

    def resume_reading(self) -> None:
        self.resumed += 1

    def is_closing(self) -> bool:
        return self.aborted

    def abort(self) -> None:
        self.aborted = True

    def write(self, data: bytes) -> None:
        self.sent = getattr(self, "sent", b"") + data


def ask(p: SSEProtocol) -> SSEProtocol:
    """``p`` with a request sent, as before every response."""
    p.send(post_request("h", 8, "/v1/chat/completions", b"{}", {}))
    return p


def proto(pace: float = 0.0, after: float = 0.0) -> tuple[SSEProtocol, FakeTransport]:
    p = SSEProtocol(pace, after)
    t = FakeTransport()
    p.connection_made(t)  # type: ignore[arg-type]
    return ask(p), t


def chunked(*parts: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
EVENTS = ['{"choices": [{"delta": {"content": "h\u00e9llo"}}]}',
          '{"choices": [{"delta": {"content": " w\u00f6rld \u2603"}}]}', "[DONE]"]


def body(events: list[str], end: bytes = b"\n\n") -> bytes:
    return b"".join(b"data: " + e.encode() + end for e in events)


def feed_all(p: SSEProtocol, data: bytes, step: int) -> list[bytes]:
    out: list[bytes] = []
    for i in range(0, len(data), step):
        p.data_received(data[i:i + step])
        out += p.take()
    return out


async def test_payloads_whatever_the_cut() -> None:
    """Every read size, down to one byte: chunk sizes, lines, CRLF and the two bytes
    of 'é' or three of '☃' split across reads and across HTTP chunks."""
    for end in (b"\n\n", b"\r\n\r\n", b"\r\r"):
        raw = body(EVENTS, end)
        wire = HEAD + chunked(raw[:7], raw[7:41], raw[41:])  # chunk cuts inside é and lines
        for step in (1, 2, 3, 5, 64, len(wire)):
            p, _ = proto()
            got = feed_all(p, wire, step)
            assert [g.decode() for g in got] == EVENTS, (end, step)
            assert p.done and p.error is None and p.status == 200


async def test_comments_and_other_fields_are_no_payload_but_count_as_lines() -> None:
    p, _ = proto()
    p.data_received(HEAD + chunked(b": keep-alive\n\nevent: x\nid: 3\n")[:-5])
    assert p.fresh and p.take() == []
    p.data_received(b"")
    assert not p.fresh
    p.data_received(chunked(b"data:{}\n\n")[:-5])
    assert p.take() == [b"{}"]


async def test_a_bare_json_line_is_a_payload_and_the_last_line_needs_no_newline() -> None:
    err = b'{"error": {"message": "no"}}'
    p, _ = proto()
    p.data_received(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(err) + err)
    assert p.done and p.take() == [err]


async def test_a_body_until_close_ends_with_the_connection() -> None:
    p, _ = proto()
    p.data_received(b"HTTP/1.0 200 OK\r\n\r\ndata: 1\n\ndata: 2")
    assert p.take() == [b"1"] and not p.done
    p.eof_received()
    assert p.done and p.take() == [b"2"] and p.error is None


async def test_a_chunked_body_cut_short_is_a_broken_stream() -> None:
    p, _ = proto()
    p.data_received(HEAD + b"a\r\ndata: 1\n\n\r\n")
    assert p.take() == [b"1"]
    p.connection_lost(None)
    assert isinstance(p.error, StreamBroken) and not p.done


@pytest.mark.parametrize("wire", [
    b"SSH-2.0-OpenSSH\r\n\r\n",
    HEAD + b"zz\r\n",
    HEAD + b"2\r\nabcd",
    b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
])
async def test_broken_http_is_a_broken_stream(wire: bytes) -> None:
    p, _ = proto()
    p.data_received(wire)
    assert isinstance(p.error, StreamBroken)


async def test_an_interim_response_is_skipped() -> None:
    p, _ = proto()
    p.data_received(b"HTTP/1.1 100 Continue\r\n\r\n" + HEAD + chunked(b"data: 1\n"))
    assert p.status == 200 and p.take() == [b"1"] and p.done


async def test_an_error_status_keeps_its_body_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sse_stream, "MAX_ERROR_BODY", 10)
    p, t = proto(pace=1.0)
    p.data_received(b"HTTP/1.1 500 Oops\r\nContent-Length: 20\r\n\r\n" + b"e" * 20)
    assert p.status == 500 and p.done and bytes(p.error_body) == b"e" * 10
    assert p.take() == [] and t.paused == 0


async def test_a_line_without_end_stops_at_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sse_stream, "MAX_LINE", 1000)
    p, _ = proto()
    p.data_received(HEAD)
    for _ in range(20):  # 2,000 bytes in reads of 100, no newline
        p.data_received(chunked(b"x" * 100)[:-5])
    assert isinstance(p.error, LineTooLong)
    p, _ = proto()  # long in total, but in lines: fine
    p.data_received(HEAD)
    for _ in range(20):
        p.data_received(chunked(b"data: " + b"x" * 90 + b"\n")[:-5])
    assert p.error is None and len(p.take()) == 20


async def test_reads_rest_between_batches() -> None:
    """After each read the socket pauses for ``pace``; what came meanwhile is one read."""
    p, t = proto(pace=0.05, after=0.0)
    p.data_received(HEAD + chunked(b"data: 1\n\n")[:-5])
    assert t.paused == 1 and t.resumed == 0
    await asyncio.sleep(0.2)
    assert t.resumed == 1
    p.data_received(chunked(b"data: 2\n\n", b"data: 3\n\n"))  # the end of the body
    assert p.take() == [b"1", b"2", b"3"] and p.done and t.paused == 1


async def test_no_rest_before_the_body_streamed_a_while() -> None:
    """A short reply is read as it comes: its end is never held back by a rest."""
    p, t = proto(pace=0.05, after=5.0)
    p.data_received(HEAD + chunked(b"data: 1\n\n")[:-5])
    p.data_received(chunked(b"data: 2\n\n")[:-5])
    assert t.paused == 0
    assert p._body_from is not None
    p._body_from -= 5.0  # as if the body began 5 s ago
    p.data_received(chunked(b"data: 3\n\n")[:-5])
    assert t.paused == 1 and p.take() == [b"1", b"2", b"3"]


async def test_wait_returns_on_lines_end_or_failure() -> None:
    p, _ = proto()
    waiter = asyncio.ensure_future(p.wait())
    p.data_received(HEAD)
    p.data_received(b"6\r\ndata:")
    await asyncio.sleep(0)
    assert not waiter.done()  # half a line is nothing to take yet
    p.data_received(b" \r\n")
    await asyncio.sleep(0)
    assert not waiter.done()
    p.data_received(b"2\r\n1\n\r\n")
    await asyncio.wait_for(waiter, 1)
    assert p.take() == [b"1"]
    waiter = asyncio.ensure_future(p.wait())
    await asyncio.sleep(0)
    p.connection_lost(None)
    await asyncio.wait_for(waiter, 1)
    assert isinstance(p.error, StreamBroken)


async def test_a_connection_serves_the_next_response_when_read_to_its_end() -> None:
    p, t = proto()
    for n in (1, 2):  # the same protocol, response after response
        p.data_received(HEAD + chunked(b"data: %d\n\n" % n))
        assert p.take() == [b"%d" % n] and p.done and p.reusable
        p.reset()
        ask(p)
    p.data_received(HEAD + chunked(b"data: 3\n\n") + b"HTTP/1.1 200 OK")
    assert p.done and not p.reusable  # bytes beyond the response
    for wire in (HEAD.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n") + chunked(b""),
                 HEAD.replace(b"HTTP/1.1", b"HTTP/1.0") + chunked(b"")):
        p, _ = proto()
        p.data_received(wire)
        assert p.done and not p.reusable
    p, _ = proto()
    p.data_received(b"HTTP/1.1 200 OK\r\n\r\ndata: 1\n")  # ends with the connection
    p.eof_received()
    assert p.done and not p.reusable
    p, _ = proto()
    p.data_received(HEAD + b"5\r\ndata:")
    p.connection_lost(None)
    assert not p.reusable and not p.stale  # a reply had begun: not to be sent again
    p, _ = proto()
    p.connection_lost(None)
    assert p.stale and not p.reusable


async def test_post_request() -> None:
    p, t = proto()
    head, _, payload = t.sent.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0] == b"POST /v1/chat/completions HTTP/1.1" and payload == b"{}"
    p = SSEProtocol(0.0, 0.0)
    p.connection_made(t := FakeTransport())  # type: ignore[arg-type]
    p.send(post_request("h", 8, "/v1/chat/completions", json.dumps({"a": 1}).encode(),
                        {"Authorization": "Bearer k"}))
    head, _, payload = t.sent.partition(b"\r\n\r\n")
    lines = head.decode().lower().split("\r\n")  # h11 sends header names in lower case
    assert lines[0] == "post /v1/chat/completions http/1.1" and "host: h:8" in lines
    assert "authorization: bearer k" in lines
    assert not any(line.startswith("connection:") for line in lines)  # kept alive
    assert "content-length: 8" in lines and json.loads(payload) == {"a": 1}
    p = SSEProtocol(0.0, 0.0)
    p.connection_made(t := FakeTransport())  # type: ignore[arg-type]
    p.send(post_request("::1", 8, "/", b"", {}))
    assert b"host: [::1]:8\r\n" in t.sent.lower()
    with pytest.raises(ValueError):
        post_request("h", 8, "/", b"", {"Authorization": "Bearer k\r\nX-Evil: 1"})


def test_lean_target_only_for_plain_http_without_a_proxy(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(key, raising=False)
    assert lean_target("http://127.0.0.1:8080/v1") == ("127.0.0.1", 8080, "/v1")
    assert lean_target("http://server/api/v1/") == ("server", 80, "/api/v1")
    assert lean_target("http://[::1]:8080/v1") == ("::1", 8080, "/v1")
    assert lean_target("https://server/v1") is None
    monkeypatch.setenv("http_proxy", "http://proxy:3128")
    assert lean_target("http://server/v1") is None
    monkeypatch.setenv("no_proxy", "server")
    assert lean_target("http://server/v1") == ("server", 80, "/v1")

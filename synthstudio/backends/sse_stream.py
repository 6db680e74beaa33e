"""One streamed ``POST`` over plain HTTP/1.1, read as server-sent events (or NDJSON), cheaply.

A local model streams one event per token, and through httpx each event costs the
studio about a millisecond of CPU: every HTTP chunk climbs h11, httpcore, anyio and
httpx's decoders, with a timeout scope and a wake-up of its own. Here one asyncio
protocol does the whole body: it undoes the chunked framing, splits lines and keeps the
``data:`` payloads as bytes (no text decoding of whole buffers). Once the body has
streamed for :data:`PACE_AFTER_S`, each read is followed by a rest of :data:`PACE_S`
(the socket is not watched meanwhile), so a long fast stream is read in batches, at
most 20 reads a second whatever its token rate, while a slow one is read as it comes.
A rest delays the end of a reply by at most ``PACE_S``: short replies (a judge's
verdict, an instance) are never paced, so it costs a long one under 2.5 % of its time.

Only ``http://`` without a proxy goes this way (:func:`lean_target`); the backend keeps
httpx for the rest. A connection whose response was read to its end is kept alive for
the next request (:class:`Connections`): a new connection per request costs more than a
judge's short reply on a fast server. No textual here.
"""

from __future__ import annotations

import asyncio
import urllib.request
from urllib.parse import urlsplit

#: after each read the socket rests this long (tokens wait in the kernel meanwhile)
PACE_S = 0.05
#: ... once the body has streamed this long
PACE_AFTER_S = 2.0
#: a line longer than this (no newline in sight) is refused, so memory stays bounded
MAX_LINE = 16 << 20
#: response headers longer than this are refused
MAX_HEAD = 64 << 10
#: an error body is kept up to this size (only its start is shown)
MAX_ERROR_BODY = 1 << 20


class StreamBroken(Exception):
    """The connection ended or the server broke HTTP before the body was complete."""


class LineTooLong(Exception):
    """A line of the event stream grew past :data:`MAX_LINE` bytes."""


def lean_target(url: str) -> tuple[str, int, str] | None:
    """``(host, port, path prefix)`` when ``url`` is plain http with no proxy to go
    through (as httpx would use one from the environment), else None."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        return None
    proxies = urllib.request.getproxies()
    if (proxies.get("http") or proxies.get("all")) and not urllib.request.proxy_bypass(
            parts.hostname):
        return None
    try:
        port = parts.port or 80
    except ValueError:
        return None
    return parts.hostname, port, parts.path.rstrip("/")


def request_bytes(host: str, port: int, path: str, body: bytes,
                  headers: dict[str, str], accept: str = "text/event-stream") -> bytes:
    """An HTTP/1.1 ``POST`` of a JSON ``body`` (the connection is kept alive)."""
    for value in (path, *headers.values()):
        if "\r" in value or "\n" in value:
            raise ValueError("a line break in a request header")
    where = f"[{host}]" if ":" in host else host  # an IPv6 address
    lines = [f"POST {path} HTTP/1.1", f"Host: {where}:{port}",
             "Content-Type: application/json", f"Accept: {accept}",
             f"Content-Length: {len(body)}", "User-Agent: synthstudio"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class SSEProtocol(asyncio.Protocol):
    """Reads one response: its status and headers, then its body as ``data:`` payloads.

    ``payloads`` gathers the payload of every complete ``data:`` line (stripped bytes),
    and every complete line that starts with ``{`` (a bare JSON error body), in order;
    with ``ndjson`` (Ollama's stream), every line that is not blank.
    An error status keeps the raw body instead (``error_body``). The consumer waits with
    :meth:`wait` and takes with :meth:`take`.
    """

    def __init__(self, pace: float = PACE_S, after: float = PACE_AFTER_S,
                 ndjson: bool = False) -> None:
        self.loop = asyncio.get_running_loop()
        self.pace = pace
        self.after = after
        self.transport: asyncio.Transport | None = None
        self.closed = False  # the connection is gone (or going)
        self.spoiled = False  # bytes came between responses: never reused
        self.reset(ndjson)

    def reset(self, ndjson: bool = False) -> None:
        """Ready for the next response on this connection."""
        self.ndjson = ndjson
        self._body_from: float | None = None  # when the body's first bytes came
        self.received = 0  # bytes of this response so far
        self.status = 0
        self.headers: dict[str, str] = {}
        self.head_done = False
        self.done = False  # the body is complete
        self.error: BaseException | None = None
        self.payloads: list[bytes] = []
        #: a complete line (of any kind: comments and keep-alives too) came since a take
        self.fresh = False
        self.error_body = bytearray()
        self._head = bytearray()
        self._raw = bytearray()  # body bytes still in their chunked framing
        self._lines = bytearray()  # decoded body after the last complete line
        self._mode = "close"  # "chunked" | "length" | "close"
        self._version = ""
        self._left = 0  # bytes left in the body ("length") or in the chunk ("chunked")
        self._chunk_state = "size"  # "size" | "data" | "crlf" | "trailer"
        self._waiter: asyncio.Future[None] | None = None
        self._stop_resting()

    @property
    def reusable(self) -> bool:
        """The response was read to its end and the server keeps the connection."""
        return (self.done and self.error is None and not self.closed and not self.spoiled
                and self._mode != "close" and self._version == "HTTP/1.1"
                and self.headers.get("connection", "").lower() != "close")

    @property
    def stale(self) -> bool:
        """The connection closed before a byte of the response came (a kept-alive one
        that the server had closed meanwhile: nothing was generated)."""
        return isinstance(self.error, StreamBroken) and self.received == 0

    def send(self, request: bytes) -> None:
        assert self.transport is not None
        self.transport.write(request)

    # -- the consumer's side --------------------------------------------------------------

    async def wait(self) -> None:
        """Until a complete line came (see ``fresh``), the body is complete or the
        stream failed."""
        while not (self.fresh or self.done or self.error is not None):
            await self._sleep()

    async def wait_head(self) -> None:
        """Until the status and headers came, or the stream failed."""
        while not (self.head_done or self.done or self.error is not None):
            await self._sleep()

    async def _sleep(self) -> None:
        self._waiter = self.loop.create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def take(self) -> list[bytes]:
        out, self.payloads, self.fresh = self.payloads, [], False
        return out

    def close(self) -> None:
        self._stop_resting()
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def _stop_resting(self) -> None:
        resume = getattr(self, "_resume", None)
        if resume is not None:
            resume.cancel()
            if self.transport is not None and not self.transport.is_closing():
                self.transport.resume_reading()
        self._resume: asyncio.TimerHandle | None = None

    # -- asyncio's side -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.done or self.error is not None:
            self.spoiled = True
            return
        self.received += len(data)
        try:
            if not self.head_done:
                data = self._read_head(data)
                if not self.head_done or not data:
                    self._wake()
                    return
            self._read_body(data)
        except (StreamBroken, LineTooLong) as exc:
            self.error = exc
        self._wake()
        if not self.done and self.error is None and self.pace > 0 and self.status < 400:
            now = self.loop.time()
            if self._body_from is None:
                self._body_from = now
            if now - self._body_from >= self.after:
                self._rest()

    def eof_received(self) -> bool | None:
        self._ended()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._ended()

    # -- inside ---------------------------------------------------------------------------

    def _wake(self) -> None:
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)

    def _rest(self) -> None:
        """Read again only after ``pace`` seconds: what arrives meanwhile is one read."""
        if self.transport is None or self._resume is not None:
            return
        self.transport.pause_reading()
        self._resume = self.loop.call_later(self.pace, self._go_on)

    def _go_on(self) -> None:
        self._resume = None
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()

    def _ended(self) -> None:
        self.closed = True
        if not self.done and self.error is None:
            if not self.head_done:
                self.error = StreamBroken("the connection closed before the response")
            elif self._mode == "close":
                try:
                    self._finish()
                except LineTooLong as exc:
                    self.error = exc
            else:
                self.error = StreamBroken("the connection closed mid-answer")
        self._wake()

    def _read_head(self, data: bytes) -> bytes:
        self._head += data
        end = self._head.find(b"\r\n\r\n")
        if end < 0:
            if len(self._head) > MAX_HEAD:
                raise StreamBroken("the response headers are too long")
            return b""
        head, rest = bytes(self._head[:end]), bytes(self._head[end + 4:])
        self._head = bytearray()
        status_line, *fields = head.decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise StreamBroken("the response is not HTTP")
        self._version, self.status = parts[0], int(parts[1])
        for field in fields:
            name, sep, value = field.partition(":")
            if sep:
                self.headers[name.strip().lower()] = value.strip()
        if 100 <= self.status < 200:  # an interim response: the real one follows
            self.status, self.headers = 0, {}
            return self._read_head(rest) if rest else b""
        self.head_done = True
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            self._mode = "chunked"
        elif "content-length" in self.headers:
            try:
                self._mode, self._left = "length", int(self.headers["content-length"])
            except ValueError:
                raise StreamBroken("the response has a bad Content-Length") from None
            if self._left == 0:
                self._finish()
        return rest

    def _read_body(self, data: bytes) -> None:
        if self._mode == "close":
            self._body(data)
        elif self._mode == "length":
            if len(data) > self._left:
                self.spoiled = True
                data = data[:self._left]
            self._left -= len(data)
            self._body(data)
            if self._left == 0:
                self._finish()
        else:
            self._raw += data
            self._unchunk()

    def _unchunk(self) -> None:
        """Decode every complete piece of chunked framing in ``_raw``."""
        raw, at = self._raw, 0
        while at < len(raw):
            if self._chunk_state == "size":
                end = raw.find(b"\r\n", at)
                if end < 0:
                    if len(raw) - at > 1024:
                        raise StreamBroken("a chunk size line is too long")
                    break
                size = raw[at:end].split(b";", 1)[0].strip()
                try:
                    self._left = int(size, 16)
                except ValueError:
                    raise StreamBroken("a chunk size is not a number") from None
                at = end + 2
                self._chunk_state = "data" if self._left else "trailer"
            elif self._chunk_state == "data":
                take = min(self._left, len(raw) - at)
                self._body(raw[at:at + take])
                at += take
                self._left -= take
                if self._left == 0:
                    self._chunk_state = "crlf"
            elif self._chunk_state == "crlf":
                if len(raw) - at < 2:
                    break
                if raw[at:at + 2] != b"\r\n":
                    raise StreamBroken("a chunk does not end where its size says")
                at += 2
                self._chunk_state = "size"
            else:  # trailer lines until an empty one
                end = raw.find(b"\r\n", at)
                if end < 0:
                    break
                line_empty = end == at
                at = end + 2
                if line_empty:
                    del raw[:at]
                    self.spoiled = self.spoiled or bool(raw)
                    self._finish()
                    return
        del raw[:at]

    def _body(self, data: bytes | bytearray) -> None:
        if not data:
            return
        if self.status >= 400:
            room = MAX_ERROR_BODY - len(self.error_body)
            if room > 0:
                self.error_body += data[:room]
            return
        lines = self._lines
        lines += data
        end = len(lines) - 1 if lines.endswith(b"\r") else len(lines)  # half a "\r\n"?
        cut = max(lines.rfind(b"\n", 0, end), lines.rfind(b"\r", 0, end))
        if cut < 0:
            if len(lines) > MAX_LINE:
                raise LineTooLong()
            return
        self._lines = lines[cut + 1:]
        self._split(bytes(lines[:cut + 1]))
        if len(self._lines) > MAX_LINE:
            raise LineTooLong()

    def _split(self, block: bytes) -> None:
        if b"\r" in block:
            block = block.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        self.fresh = True
        out = self.payloads
        if self.ndjson:
            out += [line for line in block.split(b"\n") if line.strip()]
            return
        for line in block.split(b"\n"):
            if line.startswith(b"data:"):
                out.append(line[5:].strip())
            elif line.startswith(b"{"):
                out.append(line)

    def _finish(self) -> None:
        """The body is complete: its last line counts even without a newline."""
        if self.done:
            return
        if self._lines:
            rest, self._lines = bytes(self._lines), bytearray()
            self._split(rest)
        self.done = True
        self._stop_resting()  # idle, the connection still hears the server close it


class Connections:
    """The kept-alive connections to one server, for one event loop.

    :meth:`open` sends a request on an idle connection if there is one, else on a new
    one; :meth:`release` keeps a connection whose response was read to its end. A
    request on a kept-alive connection that the server closed meanwhile fails before any
    byte of a response (``SSEProtocol.stale``): the caller sends it again on a new one.
    """

    def __init__(self, host: str, port: int, keep: int) -> None:
        self.host, self.port, self.keep = host, port, keep
        self._idle: list[SSEProtocol] = []

    async def open(self, request: bytes, ndjson: bool = False, fresh: bool = False
                   ) -> tuple[SSEProtocol, bool]:
        """``request`` sent; the protocol reading its response, and whether the
        connection had served a request before."""
        loop = asyncio.get_running_loop()
        while self._idle and not fresh:
            proto = self._idle.pop()
            if proto.closed or proto.spoiled or proto.loop is not loop:
                proto.close()
                continue
            proto.reset(ndjson)
            proto.send(request)
            return proto, True
        _, proto = await loop.create_connection(
            lambda: SSEProtocol(PACE_S, PACE_AFTER_S, ndjson), self.host, self.port)
        proto.send(request)
        return proto, False

    def release(self, proto: SSEProtocol) -> None:
        """Keep ``proto``'s connection for the next request if it can serve one."""
        if proto.reusable and len(self._idle) < self.keep:
            self._idle.append(proto)
        else:
            proto.close()

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()

"""One streamed ``POST`` over plain HTTP/1.1, read as server-sent events (or NDJSON), cheaply.

A local model streams one event per token, and through httpx each event costs the
studio about a millisecond of CPU: every HTTP chunk climbs h11, httpcore, anyio and
httpx's decoders, with a timeout scope and a wake-up of its own. Here one asyncio
protocol reads the response: h11 (the HTTP/1.1 state machine under httpx, about 15 us
an event) undoes the framing and says when a connection can be kept; the protocol splits
lines and keeps the ``data:`` payloads as bytes (no text decoding of whole buffers).
Once the body has streamed for :data:`PACE_AFTER_S`, each read is followed by a rest of
:data:`PACE_S` (the socket is not watched meanwhile), so a long fast stream is read in
batches, at most 20 reads a second whatever its token rate, while a slow one is read as
it comes.
A rest delays the end of a reply by at most ``PACE_S``: short replies (a judge's
verdict, an instance) are never paced, so it costs a long one under 2.5 % of its time.

Only ``http://`` without a proxy goes this way (:func:`lean_target`); the backend keeps
httpx for the rest. A connection whose response was read to its end is kept alive for
the next request (:class:`Connections`): a new connection per request costs more than a
judge's short reply on a fast server. No textual here.
"""

from __future__ import annotations

import asyncio
import contextlib
import urllib.request
from typing import NamedTuple
from urllib.parse import urlsplit

import h11

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


class Outgoing(NamedTuple):
    """A request to send: its head (validated by h11) and its body."""
    head: h11.Request
    body: bytes


def post_request(host: str, port: int, path: str, body: bytes, headers: dict[str, str],
                 accept: str = "text/event-stream") -> Outgoing:
    """An HTTP/1.1 ``POST`` of a JSON ``body`` (the connection is kept alive)."""
    for value in (path, *headers.values()):
        if "\r" in value or "\n" in value:
            raise ValueError("a line break in a request header")
    where = f"[{host}]" if ":" in host else host  # an IPv6 address
    fields = [("Host", f"{where}:{port}"), ("Content-Type", "application/json"),
              ("Accept", accept), ("Content-Length", str(len(body))),
              ("User-Agent", "synthstudio"), *headers.items()]
    return Outgoing(h11.Request(method="POST", target=path, headers=fields), body)


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
        #: the HTTP/1.1 state of this connection: framing, keep-alive, header limits
        self._http = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)
        self._eof = False
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
        self._lines = bytearray()  # decoded body after the last complete line
        self._waiter: asyncio.Future[None] | None = None
        self._stop_resting()
        if self._http.our_state is h11.DONE and self._http.their_state is h11.DONE:
            self._http.start_next_cycle()  # a kept-alive connection's next exchange

    @property
    def reusable(self) -> bool:
        """The response was read to its end and the server keeps the connection (h11
        says so: not for ``Connection: close``, HTTP/1.0 or a body ended by closing)."""
        return (self.done and self.error is None and not self.closed and not self.spoiled
                and self._http.our_state is h11.DONE and self._http.their_state is h11.DONE)

    @property
    def stale(self) -> bool:
        """The connection closed before a byte of the response came (a kept-alive one
        that the server had closed meanwhile: nothing was generated)."""
        return isinstance(self.error, StreamBroken) and self.received == 0

    def send(self, request: Outgoing) -> None:
        assert self.transport is not None
        http = self._http
        self.transport.write(http.send(request.head) + http.send(h11.Data(data=request.body))
                             + http.send(h11.EndOfMessage()))

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

    async def read_to_end(self, seconds: float) -> None:
        """Read (and drop) the rest of the body, for ``seconds`` at most or until the
        stream fails: a response read to its end leaves its connection for the next."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while not self.done and self.error is None:
                    await self.wait()
                    self.take()

    async def read_error_body(self, seconds: float) -> bytes:
        """The body of an error response (see :meth:`read_to_end`): what the server
        said, up to :data:`MAX_ERROR_BODY`."""
        await self.read_to_end(seconds)
        return bytes(self.error_body)

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
        if not data:  # (h11 would take it for the end of the connection)
            return
        self.received += len(data)
        self._http.receive_data(data)
        self._read()
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
        if not self._eof:
            self._eof = True
            if not self.done and self.error is None:
                self._http.receive_data(b"")  # a body that ends with the connection ends
                self._read()
        if not self.done and self.error is None:
            self.error = StreamBroken("the connection closed mid-answer" if self.head_done
                                      else "the connection closed before the response")
        self._wake()

    def _read(self) -> None:
        """Take every complete HTTP event h11 has: the head, pieces of the body, its end."""
        try:
            while True:
                event = self._http.next_event()
                if isinstance(event, h11.Response):
                    self.status = event.status_code
                    self.headers = {k.decode("latin-1"): v.decode("latin-1")
                                    for k, v in event.headers}
                    self.head_done = True
                elif isinstance(event, h11.Data):
                    self._body(event.data)
                elif isinstance(event, h11.EndOfMessage):
                    self._finish()
                    # bytes beyond the response: the connection is not to be trusted
                    self.spoiled = self.spoiled or bool(self._http.trailing_data[0])
                    break
                elif event is h11.NEED_DATA or event is h11.PAUSED or isinstance(
                        event, h11.ConnectionClosed):
                    break
                # an InformationalResponse (100 Continue): the real one follows
        except h11.RemoteProtocolError as exc:
            self.error = StreamBroken(f"the server broke HTTP ({exc})")
        except LineTooLong as exc:
            self.error = exc
        self._wake()

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

    async def open(self, request: Outgoing, ndjson: bool = False, fresh: bool = False
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

    async def request(self, request: Outgoing, *, ndjson: bool = False,
                      connect_timeout: float, retries: int) -> SSEProtocol:
        """``request`` sent and the response's head in. A kept-alive connection that the
        server closed meanwhile (nothing was generated) is replaced at once, up to
        ``retries`` times. Raises ``OSError`` or ``TimeoutError`` when nothing answers
        within ``connect_timeout``."""
        fresh = False
        for attempt in range(retries + 1):
            async with asyncio.timeout(connect_timeout):
                proto, reused = await self.open(request, ndjson, fresh)
            try:
                await proto.wait_head()
            except BaseException:
                proto.close()
                raise
            if not (reused and proto.stale) or attempt == retries:
                return proto
            proto.close()
            fresh = True
        raise AssertionError("unreachable")

    def release(self, proto: SSEProtocol) -> None:
        """Keep ``proto``'s connection for the next request if it can serve one."""
        if proto.reusable and len(self._idle) < self.keep:
            self._idle.append(proto)
        else:
            proto.close()

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()

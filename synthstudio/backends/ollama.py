"""Ollama backend: streams ``/api/chat``, over plain http with :mod:`sse_stream` (NDJSON
lines, a fraction of the CPU per token), else through the official ``ollama`` client,
which also lists, shows and pulls models.

Timeouts (``httpx.Timeout``): *connect* is short (default 5 s) so a server that is not
running is reported at once. *read* is the longest wait for the first chunk: Ollama sends
nothing until the model is loaded and the prompt evaluated, and loading a big model from
a slow disk can take five minutes, so the default is 600 s (twice that). Once tokens
flow, a gap longer than *stall_timeout* (default 120 s, never more than *read*) means
the stream is stuck; both end in a ``BackendError`` of kind ``"timeout"``. Quick
questions (version, model list, model details) get *check_timeout* (default 5 s), so a
server that accepts connections and never answers is one sentence within seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import ollama
import pydantic

from synthstudio.backends import sse_stream
from synthstudio.backends.base import (
    ChatRequest,
    Chunk,
    ContentDelta,
    Final,
    ModelInfo,
    ThinkingDelta,
    safe_text,
)
from synthstudio.backends.openai_compat import pool_limits
from synthstudio.backends.sse_stream import (
    Connections,
    LineTooLong,
    StreamBroken,
    lean_target,
    post_request,
)
from synthstudio.errors import BackendError

DEFAULT_HOST = "http://127.0.0.1:11434"
SUGGESTED_MODEL = "qwen3:0.6b"
START_HINT = ("Start it with `ollama serve` (install it from https://ollama.com/download), "
              "or set OLLAMA_HOST (or ollama_host in the config) if it runs elsewhere.")

#: what the ollama client raises for a line that is not a JSON object of the right shape
_GARBAGE = (json.JSONDecodeError, UnicodeDecodeError, AttributeError, TypeError,
            pydantic.ValidationError)


def normalize_host(host: str | None) -> str:
    """``host`` (or ``$OLLAMA_HOST``, or the default) as a base URL with scheme and port."""
    host = (host or os.environ.get("OLLAMA_HOST") or "").strip().rstrip("/")
    if not host:
        return DEFAULT_HOST
    if "://" not in host:
        host = "http://" + host
    scheme, rest = host.split("://", 1)
    hostport, _, path = rest.partition("/")
    if hostport.startswith(":"):
        hostport = "127.0.0.1" + hostport
    if hostport.startswith("0.0.0.0"):  # a bind address; connect locally
        hostport = "127.0.0.1" + hostport[7:]
    if not hostport.rsplit("]", 1)[-1].count(":"):
        hostport += ":443" if scheme == "https" else ":11434"
    return f"{scheme}://{hostport}" + (f"/{path}" if path else "")


def _short(text: Any, limit: int = 200) -> str:
    text = safe_text(" ".join(str(text).split()).rstrip("."))
    return text if len(text) <= limit else text[:limit - 1] + "…"


class OllamaBackend:
    """A model served by a local (or remote) Ollama."""

    name = "ollama"

    def __init__(self, host: str | None = None, model: str = "", connect_timeout: float = 5.0,
                 read_timeout: float = 600.0, keep_alive: str | float | None = "10m",
                 stall_timeout: float = 120.0, check_timeout: float = 5.0,
                 concurrency: int = 4) -> None:
        self.host = normalize_host(host)
        self.check_timeout = check_timeout
        self.model = model
        self.keep_alive = keep_alive
        self.read_timeout = read_timeout
        self.stall_timeout = min(stall_timeout, read_timeout)
        self.timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout, write=60.0,
                                     pool=connect_timeout)
        self.connect_timeout = connect_timeout
        # one client for the whole run: parallel requests share its connection pool
        self.client = ollama.AsyncClient(host=self.host, timeout=self.timeout,
                                         limits=pool_limits(concurrency))
        #: (host, port, path) when chats are read by ``sse_stream`` (plain http without a
        #: proxy: a token costs a fraction of the client's httpx and pydantic), else None
        self.lean = lean_target(self.host)
        self.connections = (Connections(self.lean[0], self.lean[1], concurrency + 1)
                            if self.lean else None)

    # -- errors -------------------------------------------------------------------------
    def _map(self, exc: BaseException, model: str) -> BackendError:
        if isinstance(exc, BackendError):
            return exc
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | ConnectionError):
            return BackendError(f"Ollama is not running at {self.host}.", START_HINT,
                                kind="unreachable")
        if isinstance(exc, httpx.TimeoutException | TimeoutError):
            return BackendError(
                f"Ollama did not answer within {self.read_timeout:g} s.",
                "The model may still be loading or the machine is overloaded; "
                "try again, or raise read_timeout in the config.", kind="timeout")
        if isinstance(exc, ollama.ResponseError):
            return self._map_response(exc, model)
        if isinstance(exc, _GARBAGE):
            return BackendError(f"Ollama at {self.host} sent a malformed reply.",
                                "Check that OLLAMA_HOST points at an Ollama server.",
                                kind="stream")
        if isinstance(exc, httpx.HTTPError):
            return BackendError("The connection to Ollama broke mid-answer.",
                                "Ollama may have crashed or restarted; retry.", kind="stream")
        return BackendError(f"Ollama failed: {_short(exc) or type(exc).__name__}.",
                            kind="error")

    def _map_response(self, exc: ollama.ResponseError, model: str) -> BackendError:
        code, text = exc.status_code, _short(exc.error)
        low = text.lower()
        if code == -1:
            return BackendError(f"Ollama reported an error mid-answer: {text}.",
                                "Retry; if it repeats, check the Ollama server log.",
                                kind="stream")
        if code == 404:
            return BackendError(f"Model '{model}' is not installed in Ollama.",
                                f"Run `ollama pull {model}`.", kind="model")
        if code == 400 and "does not support thinking" in low:
            return BackendError(f"Model '{model}' does not support thinking.",
                                "Turn thinking off (think = false) or pick a thinking model.",
                                kind="think")
        if code in (401, 403):
            return BackendError(f"Ollama refused the request (HTTP {code}): {text}.",
                                "Set OLLAMA_API_KEY if this server needs a key.", kind="auth")
        if code == 503:
            return BackendError("Ollama is busy and queued no more requests (HTTP 503).",
                                "Wait and retry, or raise OLLAMA_MAX_QUEUE / "
                                "OLLAMA_NUM_PARALLEL on the server.", kind="busy")
        if code >= 500:
            return BackendError(f"Ollama failed with HTTP {code}: {text}.",
                                "Retry; if it repeats, check the Ollama server log.",
                                kind="server")
        return BackendError(f"Ollama rejected the request (HTTP {code}): {text}.",
                            kind="request")

    # -- chat ---------------------------------------------------------------------------
    async def ensure_model(self) -> str:
        """The configured model, or else the first installed one."""
        if not self.model:
            models = await self.list_models()
            if not models:
                raise BackendError("Ollama has no models installed.",
                                   f"Pull one, e.g. `ollama pull {SUGGESTED_MODEL}`.",
                                   kind="model")
            self.model = models[0].name
        return self.model

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        model = request.model or await self.ensure_model()
        kwargs: dict[str, Any] = {
            "model": model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "stream": True,
            "options": request.options.as_dict() or None,
            "keep_alive": self.keep_alive,
        }
        if request.think is not None:
            kwargs["think"] = request.think
        if request.json_schema is not None:
            kwargs["format"] = request.json_schema
        parts: AsyncIterator[Part] | None = None
        try:
            parts = self._lean_parts(kwargs) if self.lean else self._client_parts(kwargs)
            first = True
            while True:
                wait = self.read_timeout if first else self.stall_timeout
                try:
                    async with asyncio.timeout(wait):
                        part = await anext(parts)
                except StopAsyncIteration:
                    raise BackendError("Ollama ended the answer without its final chunk.",
                                       "Retry; the server may have restarted.",
                                       kind="stream") from None
                except TimeoutError:
                    raise BackendError(
                        f"Ollama stopped sending for {wait:g} s"
                        + (" before the first token." if first else " mid-answer."),
                        "The model may be stuck or the machine overloaded; retry, or raise "
                        "read_timeout in the config.", kind="timeout") from None
                first = False
                thinking, content, done = part
                if thinking:
                    yield ThinkingDelta(safe_text(thinking))
                if content:
                    yield ContentDelta(safe_text(content))
                if done is not None:
                    yield _final(done, model)
                    # read to the end of the body (it follows at once) so the connection
                    # goes back to the pool instead of being closed: a new connection per
                    # request costs more than a short request itself
                    with contextlib.suppress(Exception):
                        async with asyncio.timeout(1.0):
                            async for _ in parts:
                                pass
                    return
        except Exception as exc:  # every failure becomes one sentence
            raise self._map(exc, model) from None
        finally:
            if parts is not None:
                await parts.aclose()  # type: ignore[attr-defined]

    async def _client_parts(self, kwargs: dict[str, Any]) -> AsyncIterator[Part]:
        """The chat through the ``ollama`` client (https, proxies)."""
        async for part in await self.client.chat(**kwargs):
            msg = part.message
            yield msg.thinking, msg.content, part if part.done else None

    async def _lean_parts(self, kwargs: dict[str, Any]) -> AsyncIterator[Part]:
        """The chat read by :mod:`sse_stream`, as the client would send and check it:
        the same body, errors as the client raises them (so they map the same); only
        the last part is made a ``ChatResponse``."""
        assert self.lean is not None and self.connections is not None
        host, port, prefix = self.lean
        body = {k: v for k, v in kwargs.items() if v is not None}
        body["messages"] = [{k: v for k, v in m.items() if v} for m in kwargs["messages"]]
        body["tools"] = []
        key = os.environ.get("OLLAMA_API_KEY")
        raw = post_request(host, port, prefix + "/api/chat", json.dumps(body).encode(),
                            {"Authorization": f"Bearer {key}"} if key else {},
                            accept="application/json")
        try:  # a kept-alive connection closed meanwhile is replaced (twice at most)
            proto = await self.connections.request(raw, ndjson=True, retries=2,
                                                   connect_timeout=self.connect_timeout)
        except (OSError, TimeoutError):
            raise ConnectionError(f"nothing answers at {self.host}") from None
        try:
            self._raise_broken(proto)
            if proto.status >= 300:
                said = await proto.read_error_body(self.read_timeout)
                raise ollama.ResponseError(said.decode("utf-8", "replace"), proto.status)
            while True:
                await proto.wait()
                for line in proto.take():
                    part = json.loads(line.decode("utf-8", "replace"))
                    if not isinstance(part, dict):
                        raise TypeError("a part is not an object")
                    if err := part.get("error"):
                        raise ollama.ResponseError(err)
                    msg = part.get("message") or {}
                    thinking, content = msg.get("thinking"), msg.get("content")
                    if not all(isinstance(t, str | None) for t in (thinking, content)):
                        raise TypeError("a part's message is not text")
                    if part.get("done"):
                        yield thinking, content, ollama.ChatResponse(**part)
                        await proto.read_to_end(1.0)  # so the connection is kept
                        return
                    yield thinking, content, None
                self._raise_broken(proto)
                if proto.done:
                    return
        finally:
            self.connections.release(proto)

    def _raise_broken(self, proto: sse_stream.SSEProtocol) -> None:
        if isinstance(proto.error, LineTooLong):
            raise BackendError(f"Ollama at {self.host} sent a line of more than "
                               f"{sse_stream.MAX_LINE:,} bytes without an end.",
                               "Check that OLLAMA_HOST points at an Ollama server.",
                               kind="stream")
        if isinstance(proto.error, StreamBroken):
            raise BackendError("The connection to Ollama broke mid-answer.",
                               "Ollama may have crashed or restarted; retry.", kind="stream")

    # -- models -------------------------------------------------------------------------
    def _silent(self, seconds: float | None = None) -> BackendError:
        seconds = self.check_timeout if seconds is None else seconds
        return BackendError(f"The server at {self.host} accepted the connection but did not "
                            f"answer within {seconds:g} s.",
                            "Check that OLLAMA_HOST points at a running Ollama that is not "
                            "stuck, or raise check_timeout in the config.", kind="timeout")

    async def list_models(self) -> list[ModelInfo]:
        try:
            async with asyncio.timeout(self.check_timeout):
                resp = await self.client.list()
        except TimeoutError:
            raise self._silent() from None
        except Exception as exc:
            raise self._map(exc, "") from None
        out = []
        for m in resp.models:
            d = m.details
            out.append(ModelInfo(
                name=safe_text(m.model or ""),
                size_bytes=int(m.size) if m.size is not None else None,
                family=(d.family or "") if d else "",
                parameter_size=(d.parameter_size or "") if d else "",
                quantization=(d.quantization_level or "") if d else ""))
        return out

    async def show(self, model: str | None = None) -> ModelInfo:
        """Details of one model, with its ``capabilities`` (e.g. ``"thinking"``)."""
        name = model or await self.ensure_model()
        try:
            async with asyncio.timeout(self.check_timeout):
                resp = await self.client.show(name)
        except TimeoutError:
            raise self._silent() from None
        except Exception as exc:
            raise self._map(exc, name) from None
        d = resp.details
        return ModelInfo(
            name=name, family=(d.family or "") if d else "",
            parameter_size=(d.parameter_size or "") if d else "",
            quantization=(d.quantization_level or "") if d else "",
            capabilities=tuple(resp.capabilities or ()))

    async def pull(self, model: str,
                   progress_cb: Callable[[str, int | None, int | None], None] | None = None
                   ) -> None:
        """Download ``model``; ``progress_cb(status, completed, total)`` per progress line."""
        try:
            async for p in await self.client.pull(model, stream=True):
                if progress_cb is not None:
                    progress_cb(p.status or "", p.completed, p.total)
        except ollama.ResponseError as exc:
            if exc.status_code in (-1, 404) and "manifest" in str(exc.error).lower():
                raise BackendError(f"Ollama has no model named '{model}' to download.",
                                   "Check the name at https://ollama.com/library.",
                                   kind="model") from None
            raise self._map(exc, model) from None
        except Exception as exc:
            raise self._map(exc, model) from None

    async def version(self, timeout: float | None = None) -> str:
        """The server's version within ``timeout`` (default ``check_timeout``) seconds;
        raises BackendError: "unreachable" if nothing listens or it answers wrongly,
        "timeout" if it accepts the connection and stays silent."""
        timeout = self.check_timeout if timeout is None else timeout
        try:
            async with httpx.AsyncClient(timeout=timeout) as c, asyncio.timeout(timeout):
                r = await c.get(f"{self.host}/api/version")
                r.raise_for_status()
                return str(r.json().get("version", "?"))
        except (httpx.ReadTimeout, TimeoutError):
            raise self._silent(timeout) from None
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            raise BackendError(f"Ollama is not running at {self.host}.", START_HINT,
                               kind="unreachable") from exc

    async def aclose(self) -> None:
        if self.connections is not None:
            self.connections.close()
        await self.client.close()


#: one part of a chat: its thinking, its content, and the whole part when it is the last
Part = tuple[str | None, str | None, ollama.ChatResponse | None]


def _secs(ns: int | None) -> float | None:
    return ns / 1e9 if ns is not None else None


def _final(part: ollama.ChatResponse, model: str) -> Final:
    return Final(done_reason=part.done_reason or "stop", prompt_tokens=part.prompt_eval_count,
                 eval_tokens=part.eval_count, eval_duration_s=_secs(part.eval_duration),
                 total_duration_s=_secs(part.total_duration),
                 load_duration_s=_secs(part.load_duration),
                 model=safe_text(part.model or model))

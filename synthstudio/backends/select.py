"""Pick a backend from the settings; ``auto`` asks Ollama first and falls back to embedded.

``make_backend`` builds a named backend without touching the network. ``resolve_auto``
probes Ollama's ``/api/version`` (about 1 s) and returns the backend plus one sentence
saying which was chosen and why, for the status bar. ``open_backend`` does either.
"""

from __future__ import annotations

import asyncio

from synthstudio.backends.base import Backend
from synthstudio.backends.embedded import EmbeddedBackend, bundled_model_path
from synthstudio.backends.ollama import SUGGESTED_MODEL, OllamaBackend
from synthstudio.backends.openai_compat import OpenAIBackend
from synthstudio.config.choices import SERVER_BACKENDS
from synthstudio.config.settings import Settings, concurrency_for
from synthstudio.errors import BackendError

BACKENDS = SERVER_BACKENDS
EMBEDDED_LABEL = "the embedded SmolLM2-135M (tiny, for trying the studio)"


def make_backend(settings: Settings, name: str | None = None,
                 model: str | None = None) -> Backend:
    """The backend called ``name`` (default: ``settings.backend``), not yet contacted.

    ``model`` overrides ``settings.model``; empty means the backend's default (the first
    model Ollama or the server lists, chosen at the first request; the bundled model for
    embedded). ``"auto"`` needs a probe: use :func:`resolve_auto` or :func:`open_backend`.
    """
    name = name or settings.backend
    model = settings.model if model is None else model
    n = concurrency_for(settings, name)
    if name == "ollama":
        return OllamaBackend(settings.ollama_host or None, model,
                             connect_timeout=settings.connect_timeout,
                             read_timeout=settings.read_timeout, keep_alive=settings.keep_alive,
                             stall_timeout=settings.stall_timeout,
                             check_timeout=settings.check_timeout, concurrency=n)
    if name == "openai":
        return OpenAIBackend(settings.openai_base_url, settings.openai_api_key, model,
                             connect_timeout=settings.connect_timeout,
                             read_timeout=settings.read_timeout,
                             stall_timeout=settings.stall_timeout,
                             headers_timeout=settings.headers_timeout,
                             check_timeout=settings.check_timeout, concurrency=n)
    if name == "embedded":
        path = settings.embedded_model_path or (model if model.endswith(".gguf") else None)
        return EmbeddedBackend(path, slots=n)
    if name == "auto":
        raise ValueError("backend 'auto' needs a probe: use resolve_auto() or open_backend()")
    raise BackendError(f"Unknown backend '{name}'.",
                       "Use one of: auto, ollama, openai, embedded.", kind="config")


def embedded_label(backend: EmbeddedBackend) -> str:
    if backend.path is None or backend.path == bundled_model_path():
        return EMBEDDED_LABEL
    return f"the embedded model {backend.path.name}"


def _embedded(settings: Settings) -> tuple[EmbeddedBackend, str]:
    backend = make_backend(settings, "embedded")
    assert isinstance(backend, EmbeddedBackend)
    return backend, embedded_label(backend)


def _installed(name: str, names: list[str]) -> bool:
    return name in names or (":" not in name and f"{name}:latest" in names)


async def resolve_auto(settings: Settings, probe_timeout: float = 1.0
                       ) -> tuple[Backend, str]:
    """Ollama if it answers within ``probe_timeout`` and has a model, else embedded."""
    ollama = make_backend(settings, "ollama")
    assert isinstance(ollama, OllamaBackend)
    try:
        version = await ollama.version(timeout=probe_timeout)
        models = await asyncio.wait_for(ollama.list_models(), max(probe_timeout, 5.0))
    except (BackendError, TimeoutError):
        await ollama.aclose()
        emb, label = _embedded(settings)
        return emb, f"Ollama is not running at {ollama.host}, so the studio uses {label}."
    names = [m.name for m in models]
    if not names:
        await ollama.aclose()
        emb, label = _embedded(settings)
        return emb, (f"Ollama {version} at {ollama.host} has no models (`ollama pull "
                     f"{SUGGESTED_MODEL}`), so the studio uses {label}.")
    if not ollama.model:
        ollama.model = names[0]
        return ollama, (f"Using Ollama {version} at {ollama.host} with {ollama.model} "
                        "(the first model installed).")
    if not _installed(ollama.model, names):
        return ollama, (f"Using Ollama {version} at {ollama.host}, but {ollama.model} is "
                        f"not installed: run `ollama pull {ollama.model}`.")
    return ollama, f"Using Ollama {version} at {ollama.host} with {ollama.model}."


async def open_backend(settings: Settings, name: str | None = None,
                       model: str | None = None) -> tuple[Backend, str]:
    """The backend to use and a sentence describing it (probing if it is ``auto``)."""
    name = name or settings.backend
    if name == "auto":
        if model is not None:
            settings = settings.model_copy(update={"model": model})
        return await resolve_auto(settings)
    backend = make_backend(settings, name, model)
    if isinstance(backend, EmbeddedBackend):
        return backend, f"Using {embedded_label(backend)}."
    where = backend.host if isinstance(backend, OllamaBackend) else getattr(
        backend, "base_url", "")
    what = f" with {backend.model}" if backend.model else ""
    return backend, f"Using {backend.name} at {where}{what}."

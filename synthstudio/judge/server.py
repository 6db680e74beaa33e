"""The judge's model server: its own backend, model and address, or the generator's.

``[judge]`` fields left empty fall back to the generator's settings, so a judge on the
same Ollama needs only ``model``; a judge on a vLLM server needs ``backend = "openai"``
and ``base_url``. The backend is sized for ``[judge] concurrency`` requests at once.
"""

from __future__ import annotations

from synthstudio.backends.base import Backend
from synthstudio.backends.select import open_backend
from synthstudio.config.settings import Settings
from synthstudio.judge.rater import Judge
from synthstudio.judge.rubric import load_rubric


def judge_view(settings: Settings) -> Settings:
    """``settings`` with the generator's server replaced by the judge's."""
    j = settings.judge
    same_server = j.backend in ("", settings.backend)
    update = {
        "backend": j.backend or settings.backend,
        "model": j.model or (settings.model if same_server else ""),
        "ollama_host": j.host or settings.ollama_host,
        "openai_base_url": j.base_url or settings.openai_base_url,
        "openai_api_key": j.api_key or settings.openai_api_key,
        # the backend's connections (llama.cpp slots) sized for the judge's requests
        "concurrency": j.concurrency,
    }
    return settings.model_copy(update=update)


async def open_judge_backend(settings: Settings) -> tuple[Backend, str]:
    """The judge's backend (probing Ollama for ``auto``) and a sentence saying which."""
    view = judge_view(settings)
    backend, why = await open_backend(view)
    return backend, "Judge: " + why[0].lower() + why[1:]


async def open_judge(settings: Settings) -> tuple[Judge, str]:
    """The judge a command rates with: rubric loaded, backend open (an Ollama that is down
    is one sentence at once, not a failed first item), and a sentence saying which server
    and rubric. The caller closes ``judge.backend``."""
    from synthstudio.backends.ollama import OllamaBackend

    rubric = load_rubric(settings.judge.rubric)
    backend, why = await open_judge_backend(settings)
    try:
        if isinstance(backend, OllamaBackend):
            await backend.version(timeout=settings.connect_timeout)
    except BaseException:
        await backend.aclose()
        raise
    return Judge(backend, settings.judge, rubric), f"{why} Rubric {rubric.version}."

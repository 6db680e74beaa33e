"""Backend selection (auto, defaults) and ``synthstudio doctor``, with and without servers."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from synthstudio.backends.base import Backend
from synthstudio.backends.embedded import EmbeddedBackend
from synthstudio.backends.ollama import OllamaBackend
from synthstudio.backends.openai_compat import OpenAIBackend
from synthstudio.backends.select import make_backend, open_backend, resolve_auto
from synthstudio.cli import main
from synthstudio.config.settings import Settings
from synthstudio.errors import BackendError
from tests.standins import OllamaStandin, OpenAIStandin

pytestmark = pytest.mark.timeout(60)


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture
def nothing_running(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHSTUDIO_OLLAMA_HOST", dead_url())
    monkeypatch.setenv("SYNTHSTUDIO_OPENAI_BASE_URL", dead_url() + "/v1")


@pytest.fixture
def ol() -> Iterator[OllamaStandin]:
    with OllamaStandin() as s:
        yield s


def test_make_backend_by_name() -> None:
    s = Settings(model="qwen3:0.6b", ollama_host="10.1.2.3", read_timeout=42, keep_alive="1m")
    ob = make_backend(s, "ollama")
    assert isinstance(ob, OllamaBackend) and ob.host == "http://10.1.2.3:11434"
    assert ob.model == "qwen3:0.6b" and ob.read_timeout == 42 and ob.keep_alive == "1m"
    oa = make_backend(s, "openai", model="x")
    assert isinstance(oa, OpenAIBackend) and oa.model == "x"
    assert isinstance(make_backend(s, "embedded"), EmbeddedBackend)
    assert all(isinstance(x, Backend) for x in (ob, oa, make_backend(s, "embedded")))
    with pytest.raises(BackendError):
        make_backend(s, "nonsense")
    with pytest.raises(ValueError):
        make_backend(s, "auto")


async def test_auto_without_ollama_uses_embedded() -> None:
    backend, why = await resolve_auto(Settings(ollama_host=dead_url()))
    assert isinstance(backend, EmbeddedBackend)
    assert "not running" in why and "embedded SmolLM2-135M" in why


async def test_auto_with_empty_ollama_uses_embedded(ol: OllamaStandin) -> None:
    backend, why = await resolve_auto(Settings(ollama_host=ol.url))
    assert isinstance(backend, EmbeddedBackend)
    assert "no models" in why and "ollama pull" in why


async def test_auto_with_ollama_models_picks_first(ol: OllamaStandin) -> None:
    ol.add_model("qwen3:0.6b")
    ol.add_model("llama3.2:latest")
    backend, why = await resolve_auto(Settings(ollama_host=ol.url))
    assert isinstance(backend, OllamaBackend) and backend.model == "qwen3:0.6b"
    assert "Ollama 0.12.6" in why and "qwen3:0.6b" in why
    await backend.aclose()
    backend, why = await resolve_auto(Settings(ollama_host=ol.url, model="llama3.2"))
    assert isinstance(backend, OllamaBackend) and "with llama3.2" in why  # :latest
    await backend.aclose()
    backend, why = await resolve_auto(Settings(ollama_host=ol.url, model="gemma3"))
    assert "`ollama pull gemma3`" in why
    await backend.aclose()


async def test_open_backend_explicit() -> None:
    backend, why = await open_backend(Settings(backend="embedded"))
    assert isinstance(backend, EmbeddedBackend) and "embedded" in why
    backend, why = await open_backend(Settings(backend="openai", model="m"))
    assert isinstance(backend, OpenAIBackend) and "with m" in why
    await backend.aclose()


def test_doctor_json_with_nothing_running(nothing_running: None,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--json", "--quick"]) == 0
    data = json.loads(capsys.readouterr().out)
    checks = {c["backend"]: c for c in data["checks"]}
    assert not checks["ollama"]["ok"] and checks["ollama"]["needed"]
    assert any("ollama serve" in f for f in checks["ollama"]["fixes"])
    assert any("OLLAMA_HOST" in f for f in checks["ollama"]["fixes"])
    assert not checks["openai"]["ok"] and not checks["openai"]["needed"]
    assert any("SYNTHSTUDIO_OPENAI_BASE_URL" in f for f in checks["openai"]["fixes"])
    assert checks["embedded"]["ok"] and "SmolLM2" in checks["embedded"]["models"][0]
    assert "embedded" in data["selected"]


def test_doctor_text_loads_embedded(nothing_running: None,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "not running" in out and "fix:" in out and "ollama serve" in out
    assert "tokens/s" in out and "loads in" in out


def test_doctor_with_servers(ol: OllamaStandin, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    ol.add_model("qwen3:0.6b", thinking=True)
    with OpenAIStandin(models=("served-model",)) as oa:
        monkeypatch.setenv("SYNTHSTUDIO_OLLAMA_HOST", ol.url)
        monkeypatch.setenv("SYNTHSTUDIO_OPENAI_BASE_URL", oa.url)
        monkeypatch.setenv("SYNTHSTUDIO_MODEL", "gemma3:1b")
        assert main(["doctor", "--json", "--quick"]) == 0
    checks = {c["backend"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["ollama"]["models"] == ["qwen3:0.6b"]
    assert checks["ollama"]["details"]["capabilities"] == ["completion", "thinking"]
    assert not checks["ollama"]["ok"]
    assert any("`ollama pull gemma3:1b`" in f for f in checks["ollama"]["fixes"])
    assert checks["openai"]["ok"] and checks["openai"]["models"] == ["served-model"]


def test_doctor_survives_a_bad_config(nothing_running: None, tmp_path, monkeypatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("backend = [\n", encoding="utf-8")
    monkeypatch.setenv("SYNTHSTUDIO_CONFIG", str(cfg))
    assert main(["doctor", "--quick"]) == 0
    assert "not valid TOML" in capsys.readouterr().out


def test_doctor_says_what_concurrency_it_uses(ol: OllamaStandin, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    ol.add_model("qwen3:0.6b")
    monkeypatch.setenv("SYNTHSTUDIO_OLLAMA_HOST", ol.url)
    assert main(["doctor", "--json", "--quick"]) == 0
    checks = {c["backend"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert [checks[b]["details"]["concurrency"] for b in ("embedded", "ollama", "openai")] \
        == [1, 4, 8]
    note = checks["ollama"]["details"]["concurrency_note"]
    assert "OLLAMA_NUM_PARALLEL" in note and "only queue" in note
    monkeypatch.setenv("SYNTHSTUDIO_CONCURRENCY", "12")
    assert main(["doctor", "--quick"]) == 0
    out = capsys.readouterr().out
    assert "concurrency: 12 requests in flight (from the concurrency setting)" in out

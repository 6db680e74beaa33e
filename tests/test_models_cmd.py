"""``synthstudio models list|pull`` against the Ollama stand-in."""

from __future__ import annotations

import asyncio

from synthstudio.backends.ollama import OllamaBackend
from synthstudio.cli import main
from synthstudio.cli.models_cmd import ensure_model_pulled
from tests.standins import OllamaStandin


def test_models_list(capsys):
    with OllamaStandin() as ol:
        ol.add_model("qwen3:0.6b", thinking=True)
        ol.add_model("llama3.2:1b")
        assert main(["models", "list", "--backend", "ollama", "--host", ol.url]) == 0
    out = capsys.readouterr().out
    assert "qwen3:0.6b" in out and "llama3.2:1b" in out


def test_models_pull_shows_progress(capsys):
    with OllamaStandin() as ol:
        ol.queue_pull(["pulling manifest", "pulling abc", "verifying sha256 digest",
                       "success"])
        assert main(["models", "pull", "qwen3:0.6b", "--host", ol.url]) == 0
        assert any(path == "/api/pull" for _, path, _ in ol.requests)
    assert "Pulled qwen3:0.6b." in capsys.readouterr().out


def test_pull_of_unknown_model_is_one_sentence(capsys):
    with OllamaStandin() as ol:
        assert main(["models", "pull", "no-such-model", "--host", ol.url]) == 1
    err = capsys.readouterr().err
    assert "no model named 'no-such-model'" in err and "Traceback" not in err


def test_pull_when_down(capsys):
    assert main(["models", "pull", "x", "--host", "http://127.0.0.1:9"]) == 1
    assert "not running" in capsys.readouterr().err


def test_ensure_model_pulled_only_when_missing():
    async def go(ol):
        backend = OllamaBackend(ol.url, "qwen3:0.6b")
        try:
            first = await ensure_model_pulled(backend, "qwen3:0.6b")
            ol.add_model("qwen3:0.6b")
            second = await ensure_model_pulled(backend, "qwen3:0.6b")
        finally:
            await backend.aclose()
        return first, second

    with OllamaStandin() as ol:
        ol.queue_pull(["pulling manifest", "success"])
        assert asyncio.run(go(ol)) == (True, False)


def test_generate_pulls_a_missing_model_first(tmp_path, capsys):
    with OllamaStandin() as ol:
        ol.queue_pull(["pulling manifest", "success"])
        code = main(["generate", "--backend", "ollama", "--host", ol.url, "--model",
                     "qwen3:0.6b", "--count", "1", "--max-requests", "1",
                     "--db", str(tmp_path / "p.db")])
        paths = [path for _, path, _ in ol.requests]
    captured = capsys.readouterr()
    assert "Ollama has no model 'qwen3:0.6b' yet; downloading it." in captured.out
    assert "Pulled qwen3:0.6b." in captured.out
    assert paths.index("/api/pull") < paths.index("/api/chat")
    # the stand-in's pull installs nothing, so the first request then says so plainly
    assert code == 1 and "is not installed in Ollama" in captured.err

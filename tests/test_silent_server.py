"""A server that accepts connections and never answers, and a closed port.

Before: the OpenAI backend waited 600 s per attempt (5 attempts x 3 steps, about 2.5 h)
because the first-token timeout also covered ``GET /models`` and the response headers,
and a closed port took 15 attempts. Now a quick check with its own short timeout ends the
command in one sentence, each phase of a request has its own limit, and a refused
connection is tried at most twice before the run stops.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from synthstudio.backends.collect import UNREACHABLE_ATTEMPTS
from synthstudio.backends.ollama import OllamaBackend
from synthstudio.backends.openai_compat import OpenAIBackend
from synthstudio.cli import main
from synthstudio.config.settings import Settings
from synthstudio.datasets.seeds import ensure_default_seeds
from synthstudio.engine import Engine
from synthstudio.errors import BackendError
from synthstudio.events import RequestStarted
from synthstudio.recipes.self_instruct import SelfInstruct
from synthstudio.store import Pool

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def silent() -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of a socket that completes connections (the kernel's
    backlog does) and never reads or answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        yield f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture
def closed() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _generate(capsys: pytest.CaptureFixture[str], tmp_path: Any, *args: str
              ) -> tuple[int, str, float]:
    t0 = time.perf_counter()
    code = main(["generate", "--count", "2", "--db", str(tmp_path / "p.db"), *args])
    took = time.perf_counter() - t0
    return code, capsys.readouterr().err, took


def test_openai_generate_against_a_silent_server_is_one_sentence_in_seconds(
        silent: str, tmp_path: Any, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHSTUDIO_CHECK_TIMEOUT", "0.5")
    code, err, took = _generate(capsys, tmp_path, "--backend", "openai", "--base-url", silent,
                                "--model", "m")
    assert code == 1 and took < 10, (took, err)
    assert err.startswith(f"error: The server at {silent}/v1 accepted the connection but "
                          "did not answer within 0.5 s.")
    assert "check_timeout" in err and "Traceback" not in err


def test_openai_generate_without_a_model_against_a_silent_server(
        silent: str, tmp_path: Any, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """No model configured: the backend asks /models for one, with the check's limit."""
    monkeypatch.setenv("SYNTHSTUDIO_CHECK_TIMEOUT", "0.5")
    code, err, took = _generate(capsys, tmp_path, "--backend", "openai", "--base-url", silent)
    assert code == 1 and took < 10 and "did not answer within 0.5 s" in err, (took, err)


def test_ollama_generate_against_a_silent_server_is_one_sentence_in_seconds(
        silent: str, tmp_path: Any, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHSTUDIO_CHECK_TIMEOUT", "0.5")
    code, err, took = _generate(capsys, tmp_path, "--backend", "ollama", "--host", silent,
                                "--model", "m", "--no-pull")
    assert code == 1 and took < 10, (took, err)
    assert err.startswith(f"error: The server at {silent} accepted the connection but did "
                          "not answer within 0.5 s.")
    assert "Traceback" not in err


@pytest.mark.parametrize("backend", ["openai", "ollama"])
def test_generate_against_a_closed_port_fails_at_once(
        backend: str, closed: str, tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    where = ["--base-url", closed] if backend == "openai" else ["--host", closed]
    code, err, took = _generate(capsys, tmp_path, "--backend", backend, "--model", "m",
                                "--no-pull", *where)
    assert code == 1 and took < 5, (took, err)
    assert err.count("error:") == 1 and "Traceback" not in err


async def test_headers_that_never_come_end_after_headers_timeout(silent: str) -> None:
    backend = OpenAIBackend(silent, model="m", headers_timeout=0.3, read_timeout=30)
    from synthstudio.backends.base import ChatRequest, Message

    t0 = time.perf_counter()
    with pytest.raises(BackendError) as err:
        async for _ in backend.stream_chat(ChatRequest([Message("user", "hi")])):
            pass
    assert time.perf_counter() - t0 < 5
    assert err.value.kind == "timeout"
    assert "did not start answering within 0.3 s" in str(err.value)
    assert "headers_timeout" in err.value.hint
    await backend.aclose()


@pytest.mark.parametrize("make", [
    lambda url: OpenAIBackend(url, model="m"),
    lambda url: OllamaBackend(url, "m"),
])
async def test_a_refused_connection_is_tried_twice_and_stops_the_run(
        make: Any, closed: str, pool: Pool) -> None:
    """A server that dies mid-run: two tries, then the run stops (not 5 x 3 tries)."""
    ensure_default_seeds(pool)
    started: list[RequestStarted] = []
    engine = Engine(pool, make(closed), SelfInstruct(), Settings(concurrency=1), target=2,
                    emit=lambda e: started.append(e) if isinstance(e, RequestStarted) else None,
                    backoff_base_s=0.01)
    t0 = time.perf_counter()
    summary = await engine.run()
    assert time.perf_counter() - t0 < 5
    assert summary.status == "failed" and summary.requests == 1
    assert len(started) == UNREACHABLE_ATTEMPTS == 2
    assert pool.query("SELECT status FROM runs") == [{"status": "stopped"}]


async def test_a_refused_connection_with_steps_in_flight_starts_no_more(
        closed: str, pool: Pool) -> None:
    """With several steps in flight each tries twice, at the same time; none starts after."""
    ensure_default_seeds(pool)
    started: list[RequestStarted] = []
    engine = Engine(pool, OpenAIBackend(closed, model="m"), SelfInstruct(),
                    Settings(concurrency=4), target=20,
                    emit=lambda e: started.append(e) if isinstance(e, RequestStarted) else None,
                    backoff_base_s=0.01)
    t0 = time.perf_counter()
    summary = await engine.run()
    assert time.perf_counter() - t0 < 5
    assert summary.status == "failed" and summary.requests <= 4
    assert len(started) <= UNREACHABLE_ATTEMPTS * summary.requests


async def test_studio_run_against_a_silent_server_fails_in_seconds(
        silent: str, tmp_path: Any, pool: Pool) -> None:
    from tests.tui_kit import fill, make_app, wait_for

    fill(pool, candidates=False)
    backend = OpenAIBackend(silent, model="m", check_timeout=0.5)
    app = make_app(tmp_path, pool, backend=backend, count=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        t0 = time.perf_counter()
        await pilot.press("g")
        await wait_for(pilot, lambda: any("did not answer within 0.5 s" in str(n.message)
                                          for n in app._notifications), timeout=20)
        assert time.perf_counter() - t0 < 10
    await backend.aclose()

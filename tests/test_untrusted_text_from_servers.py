"""Lone surrogates streamed by a server, and runs that end in an unexpected error.

``"\\ud800"`` is valid JSON and a valid Python str but cannot be encoded as UTF-8: stored
in SQLite, written to a file or printed, it raised UnicodeEncodeError mid-run and left the
run marked ``running``. Backends now replace it with U+FFFD, and any exception that ends a
run marks it stopped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from synthstudio.backends.base import ChatRequest, ContentDelta, Message, ThinkingDelta
from synthstudio.backends.ollama import OllamaBackend
from synthstudio.backends.openai_compat import OpenAIBackend
from synthstudio.cli import main
from synthstudio.config.settings import Settings
from synthstudio.datasets.seeds import ensure_default_seeds
from synthstudio.engine import Engine
from synthstudio.recipes.self_instruct import SelfInstruct
from synthstudio.store import Pool
from tests.standins import NDJSON, OllamaStandin, OpenAIStandin, Reply

pytestmark = pytest.mark.timeout(120)

LONE = "Write a haiku \ud800 about the sea \udfff now."


@pytest.fixture
def oa() -> Iterator[OpenAIStandin]:
    with OpenAIStandin() as s:
        yield s


def _texts(chunks: list[Any]) -> str:
    return "".join(c.text for c in chunks if isinstance(c, ContentDelta | ThinkingDelta))


async def test_openai_stream_replaces_lone_surrogates(oa: OpenAIStandin) -> None:
    oa.queue_chat(LONE, reasoning="think \udc00", chunk=3)
    b = OpenAIBackend(oa.url, model="m")
    chunks = [c async for c in b.stream_chat(ChatRequest([Message("user", "hi")]))]
    await b.aclose()
    text = _texts(chunks)
    assert text == "think \ufffd" + LONE.replace("\ud800", "\ufffd").replace("\udfff", "\ufffd")
    text.encode("utf-8")  # raised UnicodeEncodeError before


async def test_ollama_stream_replaces_lone_surrogates() -> None:
    with OllamaStandin() as ol:
        ol.add_model("m")
        # as Go writes it: \ud800 escaped (Go itself would send U+FFFD; a proxy may not)
        lines = [json.dumps(json.loads(line)).encode() + b"\n"
                 for line in ol.chat_lines("Hi", thinking="T", chunk=2)]
        lines[0] = lines[0].replace(b'"T"', b'"\\udbff"')
        lines[1] = lines[1].replace(b'"Hi"', json.dumps(LONE).encode())
        ol.queue_raw(Reply(content_type=NDJSON, parts=list(lines)))
        b = OllamaBackend(ol.url, "m")
        chunks = [c async for c in b.stream_chat(ChatRequest([Message("user", "hi")]))]
        await b.aclose()
    text = _texts(chunks)
    assert "\ufffd" in text and text.count("\ufffd") == 3
    text.encode("utf-8")


def test_generate_with_surrogates_in_the_stream_ends_cleanly(
        oa: OpenAIStandin, tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    oa.default_content = "1. " + LONE + "\n2. Name a \ud800 color that is warm."
    db = tmp_path / "p.db"
    code = main(["generate", "--backend", "openai", "--base-url", oa.url, "--model", "m",
                 "--count", "1", "--max-requests", "2", "--db", str(db)])
    out = capsys.readouterr()
    assert code in (0, 1), out.err  # 1: the stand-in's answers fail the filters
    assert "Traceback" not in out.err + out.out and "Run 1:" in out.out
    with Pool(db) as pool:
        assert [r["status"] for r in pool.query("SELECT status FROM runs")] in (
            ["finished"], ["exhausted"])
        raw = [json.dumps(c.provenance, ensure_ascii=False) for c in pool.candidates()]
    assert raw and any("\ufffd" in r for r in raw)


class Boom(SelfInstruct):
    async def step(self, ctx: Any) -> Any:
        raise RuntimeError("a bug in a recipe step")


async def test_an_unexpected_error_still_marks_the_run_stopped(pool: Pool,
                                                               oa: OpenAIStandin) -> None:
    ensure_default_seeds(pool)
    engine = Engine(pool, OpenAIBackend(oa.url, model="m"), Boom(), Settings(), target=1)
    with pytest.raises(RuntimeError):
        await engine.run()
    assert pool.query("SELECT status FROM runs") == [{"status": "stopped"}]

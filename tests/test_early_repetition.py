"""A looping reply is stopped while it streams, as soon as the repetition filter is certain
to reject it, and stored as rejected with the reason and the text so far (issue 12, 10);
the embedded model asks llama.cpp for a repeat penalty by default."""

from __future__ import annotations

import asyncio
import random
import threading

from synthstudio.backends import embedded
from synthstudio.backends.base import ChatRequest, Message
from synthstudio.backends.collect import collect
from synthstudio.backends.embedded import REPEAT_PENALTY, EmbeddedBackend
from synthstudio.config.settings import Settings
from synthstudio.engine import Engine
from synthstudio.events import StreamChunk
from synthstudio.filters.noise import MAX_LOOP, NOISE_FILTERS, repetition_doomed
from synthstudio.recipes.textbook import STYLES, Textbook, textbook_settings
from synthstudio.records import REJECTED, Topic
from tests.fakes import Reply, ScriptedBackend

MAX_TOKENS = 2048
INTRO = ("Photosynthesis is how plants turn light into sugar. Chlorophyll absorbs light in "
         "the chloroplasts, and the Calvin cycle fixes carbon dioxide into glucose. ")
LOOP = "The leaf makes food from the light of the sun. "


def fresh_words(n: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    return " ".join(f"w{rng.randrange(10**9)}" for _ in range(n))


def test_doomed_only_when_nothing_that_follows_can_save_it() -> None:
    assert repetition_doomed(INTRO + fresh_words(600), MAX_TOKENS) == ""
    # looping fewer than MAX_LOOP times: failing now, but fresh words could still dilute it
    early = INTRO + LOOP * (MAX_LOOP - 2)
    assert repetition_doomed(early, MAX_TOKENS) == ""
    assert not NOISE_FILTERS["repetition"](early).passed
    assert NOISE_FILTERS["repetition"](
        early + " " + fresh_words(MAX_TOKENS - len(early.split()))).passed
    doomed = INTRO + LOOP * 80
    why = repetition_doomed(doomed, MAX_TOKENS)
    assert "repeated 5-grams" in why and "whatever follows" in why
    # the worst case for the verdict: the rest of the budget in words never seen before
    words = len(doomed.split())
    assert not NOISE_FILTERS["repetition"](doomed + " " + fresh_words(MAX_TOKENS - words)).passed
    # a loop of MAX_LOOP fails outright, so it is doomed as soon as it is made
    assert repetition_doomed(INTRO + LOOP * MAX_LOOP, MAX_TOKENS)


def test_many_short_loops_are_doomed_by_their_share_of_the_budget() -> None:
    """Loops each shorter than MAX_LOOP: doomed once they hold more of the whole token
    budget than the threshold allows."""
    budget = 300
    loops = "".join(f"Rule {k} keeps the word alpha{k} here. " * (MAX_LOOP - 2)
                    for k in range(5))
    text = INTRO + loops
    why = repetition_doomed(text, budget)
    assert "of at most 300 tokens" in why and "whatever follows" in why
    rest = fresh_words(budget - len(text.split()))
    assert not NOISE_FILTERS["repetition"](text + " " + rest).passed
    assert repetition_doomed(text, budget * 4) == ""  # a bigger budget could dilute it
    # a looser threshold waits longer
    assert repetition_doomed(text, budget, threshold=0.9) == ""


def test_chinese_loop_is_caught_too() -> None:
    loop = "光合作用是植物利用阳光制造养分的过程。" * 150
    assert "repeated 10-grams" in repetition_doomed(loop, MAX_TOKENS)
    assert repetition_doomed("植物" + "".join(chr(0x4E00 + i) for i in range(3000)),
                             MAX_TOKENS) == ""


def test_a_looping_textbook_reply_is_stopped_and_stored_rejected(pool) -> None:
    pool.add_topics([Topic(topic="Photosynthesis", field="science")])
    full = INTRO + LOOP * 400  # what the model would send up to its token limit
    backend = ScriptedBackend(default=Reply(content=full, chunk_size=6))
    streamed: list[int] = []

    def emit(event: object) -> None:
        if isinstance(event, StreamChunk):
            streamed.append(len(getattr(event.chunk, "text", "")))

    s = Settings(textbook={"min_words": dict.fromkeys(STYLES, 20),
                          "max_tokens": MAX_TOKENS})
    summary = asyncio.run(Engine(pool, backend, Textbook(), s, target=1, max_steps=1, seed=1,
                                 emit=emit).run())
    assert summary.requests == 1
    (c,) = pool.candidates(recipe="textbook")
    assert c.status == REJECTED and c.reason == "filter:repetition"
    rep = next(r for r in c.scores if r.name == "repetition")
    assert not rep.passed and rep.detail.startswith("stopped mid-stream: ")
    # stopped well before the end; the text so far is kept
    assert sum(streamed) < len(full) / 2
    assert c.raw_output == full[:len(c.raw_output)] and len(c.raw_output) >= sum(streamed) - 6
    assert c.text == c.raw_output.strip()
    record = c.provenance["requests"][0]
    assert record["stats"]["done_reason"].startswith("stopped:") and not record["cancelled"]


def test_a_varied_reply_is_not_stopped(pool) -> None:
    pool.add_topics([Topic(topic="Photosynthesis", field="science")])
    text = INTRO + ". ".join(fresh_words(10, i) for i in range(80)) + "."
    backend = ScriptedBackend(default=Reply(content=text, chunk_size=6))
    s = Settings(textbook={"min_words": dict.fromkeys(STYLES, 20)})
    asyncio.run(Engine(pool, backend, Textbook(), s, target=1, max_steps=1, seed=1).run())
    (c,) = pool.candidates(recipe="textbook")
    assert c.raw_output == text and c.provenance["requests"][0]["stats"]["done_reason"] == "stop"


def test_embedded_asks_for_a_repeat_penalty(tmp_path, monkeypatch) -> None:
    """The request body llama.cpp gets carries the penalty (a stand-in for the server)."""
    bodies: list[dict] = []

    class FakeServer:
        def handle_chat_completions(self, body, on_chunk):  # noqa: ANN001
            bodies.append(body)
            on_chunk({"choices": [{"delta": {"content": "hi"}, "finish_reason": "stop"}]})

    path = tmp_path / "m.gguf"
    backend = EmbeddedBackend(path, slots=2)
    monkeypatch.setitem(embedded._ENGINES, backend._key,
                        embedded.Engine(FakeServer(), path, 0.0, threading.Semaphore(2)))
    comp = asyncio.run(collect(backend, ChatRequest([Message("user", "x")])))
    assert comp.content == "hi"
    assert REPEAT_PENALTY > 1.0 and bodies[0]["repeat_penalty"] == REPEAT_PENALTY
    assert bodies[0]["repeat_last_n"] > 0
    off = EmbeddedBackend(path, slots=2, repeat_penalty=1.0)
    asyncio.run(collect(off, ChatRequest([Message("user", "x")])))
    assert "repeat_penalty" not in bodies[1]


def test_a_topic_that_asks_for_repetition_is_not_watched() -> None:
    """The filter passes repetition the topic asks for, so such a reply is never stopped."""
    cfg = textbook_settings(Settings())
    assert Textbook.watch(cfg, "Photosynthesis\nscience") is not None
    assert Textbook.watch(cfg, "Tongue twisters for children\nlanguage") is None
    off = textbook_settings(Settings(textbook={"noise_disable": ["repetition"]}))
    assert Textbook.watch(off, "Photosynthesis\nscience") is None

"""Shared pieces for the studio's tests (no tests here): a fixed pool, scripted replies,
an app factory, and a plain record for a bare RecordList. The pool's contents are fixed so
the snapshots are deterministic."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthstudio.config.settings import Settings
from synthstudio.records import (
    ACCEPTED,
    PROPOSED,
    REJECTED,
    Candidate,
    FilterResult,
    Instance,
    SeedTask,
)
from synthstudio.store import Pool
from synthstudio.tui.app import SynthStudio
from tests.fakes import Reply, ScriptedBackend, by_step

SEEDS = [
    SeedTask("Give three tips for staying healthy.", [Instance("", "Eat well, sleep, move.")]),
    SeedTask("Classify the sentiment of the review as positive or negative.",
             [Instance("The film was wonderful.", "positive")], is_classification=True),
    SeedTask("把下面的句子翻译成英文。", [Instance("我喜欢喝茶。", "I like drinking tea.")]),
    SeedTask("Write a short poem about the sea at night.", [Instance("", "Dark waves hum.")]),
    SeedTask("Summarize the paragraph in one sentence.",
             [Instance("Bees pollinate flowers and make honey.", "Bees help plants.")]),
    SeedTask("List four countries that border Germany.", [Instance("", "France, Poland")]),
    SeedTask("Explain what a prime number is to a child.", [Instance("", "A number ...")]),
    SeedTask("用一句话解释光合作用。", [Instance("", "植物利用阳光制造养分。")]),
]

#: diverse instructions, so the ROUGE-L filter lets them through one after another
FRESH = [
    "Name a famous bridge in Europe and tell where it stands.",
    "Convert the temperature from Celsius into Fahrenheit degrees.",
    "Suggest a catchy title for a blog post about gardening tools.",
    "Decide whether the given number is even or odd.",
    "Rewrite this sentence using the passive voice instead.",
    "Recommend two board games suitable for a family evening.",
    "Identify the main verb within the following sentence.",
    "Compose a polite email declining a meeting invitation.",
    "Estimate how many minutes a typical marathon runner needs.",
    "Sort these animals by their average adult weight.",
    "Offer a friendly greeting a hotel receptionist might use.",
    "Describe how rainbows appear after a summer storm.",
]


@dataclass
class Item:
    """A record for a RecordList on its own: an id to key it and a text to label it."""

    id: int
    text: str


def rouge(score: float, nearest: list[tuple[str, float]], threshold: float = 0.7
          ) -> FilterResult:
    return FilterResult("rouge_l", score <= threshold, score, threshold,
                        "" if score <= threshold else f"too similar to: {nearest[0][0]}",
                        {"nearest": [[t, s] for t, s in nearest]})


def _scores(words: int, rouge_score: float, nearest: list[tuple[str, float]]
            ) -> list[FilterResult]:
    return [FilterResult("words", True, words, "4..150"),
            FilterResult("blacklist", True, "none", "no match"),
            rouge(rouge_score, nearest)]


def fixed_candidates() -> list[Candidate]:
    prov = {"model": "fake-model", "backend": "scripted"}
    prompt = [{"role": "user", "content": "Invent new tasks...\n9."}]
    return [
        Candidate("self-instruct", "Give two tips for sleeping well at night.",
                  [Instance("", "Keep a schedule; avoid screens.")], False, status=ACCEPTED,
                  scores=_scores(8, 0.4, [("Give three tips for staying healthy.", 0.4)]),
                  provenance=prov, prompt=prompt),
        Candidate("self-instruct", "把这段话翻译成法语。", [Instance("你好", "Bonjour")], False,
                  status=ACCEPTED, scores=_scores(1, 0.5, [("把下面的句子翻译成英文。", 0.5)]),
                  provenance=prov, prompt=prompt),
        Candidate("self-instruct", "Tell whether the tweet sounds angry or calm.",
                  [Instance("I love Mondays!", "calm")], True, status=PROPOSED,
                  scores=_scores(8, 0.31, [("Classify the sentiment of the review as "
                                            "positive or negative.", 0.31)]),
                  provenance=prov, prompt=prompt),
        Candidate("self-instruct", "Write a short poem about the sea at dawn.", [], False,
                  status=REJECTED, reason="filter:rouge_l",
                  scores=_scores(9, 0.889, [("Write a short poem about the sea at night.",
                                             0.889), ("Give three tips for staying healthy.",
                                                      0.1)]),
                  provenance=prov, prompt=prompt),
        Candidate("self-instruct", "Explain \x1b[31m[bold]red[/bold] text to a novice.",
                  [Instance("", "It is text in red.")], False, status=PROPOSED,
                  scores=_scores(7, 0.2, [("Explain what a prime number is to a child.",
                                           0.2)]),
                  provenance=prov, prompt=prompt),
    ]


def fill(pool: Pool, candidates: bool = True) -> Pool:
    pool.add_seeds([SeedTask(s.instruction, list(s.instances), s.is_classification)
                    for s in SEEDS])
    if candidates:
        for c in fixed_candidates():
            c.created_at = "2024-01-01T00:00:00.000+00:00"
            pool.add_candidate(c)
    return pool


def replies(instructions: list[str] | None = None, delay: float = 0.0,
            instances: str = "Input: <noinput>\nOutput: fine") -> Any:
    """Self-Instruct replies: each instruction request gets the next fresh instruction."""
    fresh = itertools.cycle(instructions or FRESH)

    def instr(_request: Any) -> Reply:
        return Reply(f" {next(fresh)}\n10.", delay=delay)

    return by_step(instructions=instr, classify="No",
                   instances=Reply(instances, delay=delay) if delay else instances)


def make_app(tmp_path: Path, pool: Pool, *, backend: Any = None, count: int = 3,
             settings: Settings | None = None, delay: float = 0.0) -> SynthStudio:
    settings = settings or Settings()
    settings.count = count
    settings.seed = 7
    if backend is None:
        backend = ScriptedBackend(default=replies(delay=delay))
    return SynthStudio(pool=pool, settings=settings, backend=backend,
                       config_path=tmp_path / "config.toml")


async def settled(pilot: Any) -> None:
    """Wait until the studio's pool thread has done all it was asked (its writes are in
    the pool) and the studio has handled what came back."""
    await asyncio.to_thread(pilot.app.settle)
    await pilot.pause()
    await asyncio.to_thread(pilot.app.settle)  # reads asked for by what came back
    await pilot.pause()


async def wait_for(pilot: Any, check: Any, timeout: float = 10.0) -> None:
    """Let the app run until ``check()`` is true (or fail after ``timeout`` seconds)."""
    steps = int(timeout / 0.05)
    for _ in range(steps):
        if check():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not reached in time")


def frame_bottom(app: Any, widget: Any) -> str:
    """The bottom row of ``widget``'s frame as the screen shows it now."""
    region = widget.region
    line = app.screen._compositor.render_strips()[region.bottom - 1]
    return str(line.crop(region.x, region.right).text)

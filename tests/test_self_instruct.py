"""The Self-Instruct loop: 6+2 sampling, filters, classification, instances, provenance."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

from synthstudio.config.settings import Settings
from synthstudio.engine import Engine
from synthstudio.errors import BackendError
from synthstudio.events import CandidateReady, Status
from synthstudio.recipes.context import Context
from synthstudio.recipes.self_instruct import SelfInstruct
from synthstudio.records import ACCEPTED, Candidate, Instance, SeedTask
from tests.fakes import Reply, ScriptedBackend, by_step

SEEDS = [f"Seed task number {i} asks about topic {chr(97 + i)} in detail." for i in range(10)]
DISTINCT = [
    "Compose a short verse about harbour lights at night.",
    "Explain why bread dough needs time to rise.",
    "List four habits that help people sleep better.",
    "Recommend a board game for a family of five.",
    "Describe how a bill becomes law in a parliament.",
    "Give tips for keeping basil alive indoors.",
    "Suggest a weekend itinerary for a rainy city.",
    "Outline the steps to change a flat bicycle tyre.",
]


def seeded(pool, n=10):
    pool.add_seeds([SeedTask(t, [Instance("", "out")]) for t in SEEDS[:n]])


def context(pool, backend=None, seed=1):
    return Context(pool=pool, backend=backend or ScriptedBackend(), settings=Settings(),
                   rng=random.Random(seed), emit=lambda e: None)


def test_prompt_uses_six_seeds_and_two_machine_tasks(pool):
    seeded(pool)
    recipe = SelfInstruct()
    ctx = context(pool)
    recipe.prepare(ctx)
    tasks, sampled = recipe.sample_tasks(ctx)
    assert len(tasks) == 8 and len(sampled["human"]) == 8 and sampled["machine"] == []
    # two accepted machine tasks become eligible
    for text in ("Machine task one about tea brewing.", "Machine task two about knots."):
        c = Candidate("self-instruct", instruction=text, status=ACCEPTED)
        pool.add_candidate(c)
        recipe.on_stored(c)
    tasks, sampled = recipe.sample_tasks(ctx)
    assert len(sampled["human"]) == 6 and len(sampled["machine"]) == 2
    assert "Machine task one about tea brewing." in tasks
    prompt = recipe.instruction_prompt(tasks)
    assert prompt.rstrip().endswith("9.")
    for i in range(1, 9):
        assert f"\n{i}. " in prompt


def test_machine_tasks_sampled_evenly(pool):
    seeded(pool)
    recipe = SelfInstruct()
    ctx = context(pool)
    for i in range(5):
        c = Candidate("self-instruct", instruction=f"Machine task {i} on subject {i * 7}.",
                      status=ACCEPTED)
        pool.add_candidate(c)
    recipe.prepare(ctx)
    seen = Counter()
    for _ in range(500):
        _, sampled = recipe.sample_tasks(ctx)
        assert len(set(sampled["machine"])) == 2
        seen.update(sampled["machine"])
    assert len(seen) == 5 and min(seen.values()) > 120


def test_step_filters_classifies_and_generates(pool):
    seeded(pool)
    reply = by_step(
        instructions=(" Describe the picture of a sunset.\n"  # blacklist
                      "10. Write a program that adds two numbers.\n"  # program
                      f"11. {SEEDS[3]}\n"  # ROUGE-L 1.0 against a seed
                      "12. Tell whether the review is positive or negative.\n"
                      "13. Suggest a good name for a tabby kitten."),
        classify=lambda r: "Yes" if "review" in r.messages[0].content else "No",
        instances=lambda r: (
            "Class label: Positive\nInput: Lovely soup.\nClass label: Negative\nInput: Cold."
            if "Class label" in r.messages[0].content
            else "Input: <noinput>\nOutput: Whiskers"),
    )
    backend = ScriptedBackend(default=reply)
    recipe = SelfInstruct()
    ctx = context(pool, backend)
    recipe.prepare(ctx)
    cands = asyncio.run(recipe.step(ctx))
    by_text = {c.instruction: c for c in cands}
    assert by_text["Describe the picture of a sunset."].reason == "filter:blacklist"
    assert by_text["Write a program that adds two numbers."].reason == "filter:write_a_program"
    dup = by_text[SEEDS[3]]
    assert dup.reason == "filter:rouge_l"
    rouge = next(s for s in dup.scores if s.name == "rouge_l")
    assert rouge.value == 1.0 and rouge.extra["nearest"][0] == [SEEDS[3], 1.0]
    assert len(rouge.extra["nearest"]) == 10
    cls = by_text["Tell whether the review is positive or negative."]
    assert cls.status == "proposed" and cls.is_classification is True
    assert cls.instances == [Instance("Lovely soup.", "Positive"), Instance("Cold.", "Negative")]
    gen = by_text["Suggest a good name for a tabby kitten."]
    assert gen.is_classification is False and gen.instances == [Instance("", "Whiskers")]
    steps = [r["step"] for r in gen.provenance["requests"]]
    assert steps == ["instructions", "classify", "instances"]
    assert gen.provenance["requests"][0]["prompt"][0]["content"].rstrip().endswith("9.")
    assert gen.provenance["requests"][0]["raw"].startswith(" Describe the picture")
    # filtered instructions cost no extra requests: 1 + 2 survivors x 2
    assert len(backend.requests) == 5


def test_instructions_in_one_reply_are_compared_with_each_other(pool):
    seeded(pool)
    reply = by_step(instructions="9. Name three rivers that flow through Europe.\n"
                                 "10. Name three rivers that flow through Europe today.",
                    instances="Input: <noinput>\nOutput: Rhine, Danube, Loire")
    recipe = SelfInstruct()
    ctx = context(pool, ScriptedBackend(default=reply))
    recipe.prepare(ctx)
    cands = asyncio.run(recipe.step(ctx))
    assert [c.status for c in cands] == ["proposed", "rejected"]
    assert cands[1].reason == "filter:rouge_l"


def test_engine_auto_accept_stores_provenance(pool):
    seeded(pool)
    counter = iter(range(1000))

    def instructions(_req):
        return f"9. {DISTINCT[next(counter)]}\n"

    reply = by_step(instructions=instructions, instances="Input: <noinput>\nOutput: verse")
    events = []
    engine = Engine(pool, ScriptedBackend(default=reply), SelfInstruct(), Settings(),
                    target=3, auto_accept=True, emit=events.append, seed=5)
    summary = asyncio.run(engine.run())
    assert summary.status == "finished"
    assert summary.accepted == 3
    accepted = pool.candidates(status="accepted")
    assert len(accepted) == 3
    c = accepted[0]
    prov = c.provenance
    assert prov["backend"] == "scripted" and prov["model"] == "fake-model"
    assert prov["options"]["temperature"] == 0.7 and "seed" in prov["options"]
    req = prov["requests"][0]
    assert req["stats"]["eval_tokens"] > 0 and req["elapsed_s"] >= 0
    assert c.instances and c.scores and c.prompt and c.raw_output and c.created_at
    assert c.decided_at
    run = pool.get_run(summary.run_id)
    assert run is not None and run.status == "finished" and run.counts.accepted == 3
    assert sum(isinstance(e, CandidateReady) for e in events) >= 3


def test_engine_without_auto_accept_leaves_proposed(pool):
    seeded(pool)
    reply = by_step(instructions="9. Explain what makes bread rise in the oven.",
                    instances="Input: <noinput>\nOutput: yeast")
    engine = Engine(pool, ScriptedBackend(default=reply), SelfInstruct(), Settings(),
                    target=1, seed=1)
    asyncio.run(engine.run())
    assert pool.counts()["proposed"] == 1 and pool.counts()["accepted"] == 0


def test_engine_gives_up_when_everything_fails(pool):
    seeded(pool)
    reply = by_step(instructions=f"9. {SEEDS[0]}")
    engine = Engine(pool, ScriptedBackend(default=reply), SelfInstruct(), Settings(),
                    target=2, max_steps=4, seed=1)
    summary = asyncio.run(engine.run())
    assert summary.status == "exhausted" and summary.requests == 4
    assert "kept failing the filters" in summary.message
    assert pool.rejection_reasons() == {"filter:rouge_l": 4}


def test_engine_retries_then_reports_backend_failure(pool):
    seeded(pool)
    busy = BackendError("The model server is busy.", "Wait.", kind="busy")
    ok = by_step(instructions="9. Explain why leaves change colour in autumn.",
                 instances="Input: <noinput>\nOutput: pigments")
    backend = ScriptedBackend([busy, busy], default=ok)
    events = []
    summary = asyncio.run(Engine(pool, backend, SelfInstruct(), Settings(), target=1,
                                 emit=events.append, seed=1, backoff_base_s=0.001).run())
    assert summary.status == "finished"
    assert sum(isinstance(e, Status) and "Retrying" in e.text for e in events) == 2
    fatal = BackendError("Model 'x' is not installed.", "ollama pull x", kind="model")
    summary = asyncio.run(Engine(pool, ScriptedBackend([fatal]), SelfInstruct(), Settings(),
                                 target=1, seed=1).run())
    assert summary.status == "failed" and "not installed" in summary.message


def test_cancel_keeps_partial_and_marks_cancelled(pool):
    seeded(pool)
    long = Reply(content="9. " + "slow words " * 200, delay=0.001, chunk_size=3)
    backend = ScriptedBackend([long], default="")
    recipe = SelfInstruct()
    ctx = context(pool, backend)
    recipe.prepare(ctx)
    seen = []

    def emit(event):
        seen.append(event)
        if len(seen) == 20:
            ctx.cancel.set()

    ctx.emit = emit
    comp, record = asyncio.run(ctx.ask("instructions", "prompt", ctx.options()))
    assert comp.cancelled and record.cancelled and record.as_dict()["cancelled"]
    assert 0 < len(comp.content) < len(long.content)
    assert comp.final.done_reason == "cancelled"


def test_resume_continues_the_run(pool):
    seeded(pool)
    counter = iter(range(1000))
    reply = by_step(
        instructions=lambda r: Reply(f"9. {DISTINCT[next(counter)]}", delay=0.002),
        instances="Input: <noinput>\nOutput: riddle")
    engine = Engine(pool, ScriptedBackend(default=reply), SelfInstruct(), Settings(),
                    target=4, auto_accept=True, seed=3)

    async def partial():
        task = asyncio.ensure_future(engine.run())
        while pool.counts()["accepted"] < 2:
            await asyncio.sleep(0)
        engine.stop()
        return await task

    first = asyncio.run(partial())
    assert first.status == "stopped" and 2 <= first.accepted < 4
    run = pool.last_unfinished_run()
    assert run and run.id == first.run_id
    resumed = Engine(pool, ScriptedBackend(default=reply), SelfInstruct(), Settings(),
                     target=99, auto_accept=True, resume_run=run)
    second = asyncio.run(resumed.run())
    assert second.run_id == first.run_id and second.accepted == 4
    assert pool.get_run(first.run_id).status == "finished"  # type: ignore[union-attr]
    assert pool.counts()["accepted"] == 4

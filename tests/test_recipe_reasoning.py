"""The reasoning recipe end to end: samples, checks, rejection sampling, thinking routes."""

from __future__ import annotations

import asyncio
import random

import pytest

from synthstudio.config.settings import Settings
from synthstudio.engine import Engine
from synthstudio.errors import InputError
from synthstudio.recipes import make_recipe
from synthstudio.recipes.context import Context
from synthstudio.recipes.reasoning import Reasoning, reasoning_settings, render_prompt
from synthstudio.records import PROPOSED, REJECTED, Problem
from tests.fakes import Reply, ScriptedBackend

THINK = ("Half of the pizza is one of two equal parts. One divided by two is 0.5. "
         "Check: 0.5 plus 0.5 makes the whole pizza, so the share is one half.")
PROBLEMS = [
    Problem(key="p1", problem="Two friends share a pizza equally. What fraction does each get?",
            answer="1/2", kind="fraction"),
    Problem(key="p2", problem="Ava is taller than Wei. Who is shorter?", answer="Wei",
            kind="logic"),
    Problem(key="p3", problem="What is 12 times 4?", answer="48", kind="arithmetic"),
]


def settings(think: bool | None = None, **reasoning: object) -> Settings:
    return Settings(think=think, reasoning=reasoning)


def with_problems(pool, problems=PROBLEMS):
    pool.add_problems(problems)


def run(pool, backend, target, s=None, auto_accept=False, seed=1, max_steps=None):
    engine = Engine(pool, backend, Reasoning(), s or settings(), target=target,
                    auto_accept=auto_accept, seed=seed, max_steps=max_steps,
                    concurrency=1)  # replies are scripted in order
    return asyncio.run(engine.run())


def test_prompt_asks_for_think_then_answer() -> None:
    text = render_prompt("What is 2 + 2?")
    assert "<think></think>" in text and "<answer></answer>" in text
    assert text.rstrip().endswith("What is 2 + 2?")
    assert make_recipe("reasoning").name == "reasoning"


def test_samples_checked_and_wrong_ones_rejected(pool):
    with_problems(pool, PROBLEMS[:1])
    replies = [
        f"<think>\n{THINK}\n</think>\n<answer>0.5</answer>",           # inline, correct
        Reply(content="<answer>\\frac{1}{2}</answer>", thinking=THINK),  # native, correct
        f"<think>{THINK}</think>\n<answer>1/3</answer>",                 # wrong
        f"<think>{THINK} and so on",                                     # unterminated
    ]
    backend = ScriptedBackend(replies)
    summary = run(pool, backend, target=2, s=settings(think=True), auto_accept=True)
    assert summary.status == "finished" and summary.requests == 1
    cands = pool.candidates(recipe="reasoning")
    assert [c.status for c in cands] == ["accepted", "accepted", REJECTED, REJECTED]
    assert [c.reason for c in cands[2:]] == ["filter:accuracy", "filter:format"]
    assert [c.meta["sample"] for c in cands] == [0, 1, 2, 3]
    assert [c.meta["correct"] for c in cands] == [True, True, False, False]
    inline, native = cands[0], cands[1]
    assert inline.thinking == native.thinking == THINK
    assert (inline.answer, native.answer) == ("0.5", "\\frac{1}{2}")
    assert inline.text == f"<think>\n{THINK}\n</think>\n<answer>\n0.5\n</answer>"
    assert inline.instruction == PROBLEMS[0].problem
    assert inline.meta["reference"] == "1/2" and inline.meta["kind"] == "fraction"
    assert inline.meta["problem_id"] == 1 and inline.meta["problem_key"] == "p1"
    assert [s.name for s in inline.scores] == ["format", "accuracy", "language", "repetition",
                                                "length"]
    assert all(s.passed for s in inline.scores)
    prov = native.provenance
    assert prov["recipe"] == "reasoning" and prov["think"] is True
    assert prov["requests"][0]["thinking"] == THINK and native.raw_output.startswith("<answer>")
    # think=True asked for, every sample with its own seed
    assert all(r.think is True for r in backend.requests)
    seeds = [r.options.seed for r in backend.requests]
    assert len(set(seeds)) == 4 and [c.provenance["options"]["seed"] for c in cands] == seeds


def test_keep_only_correct_off_keeps_wrong_answers(pool):
    with_problems(pool, PROBLEMS[2:])
    backend = ScriptedBackend(default=f"<think>{THINK}</think><answer>47</answer>")
    run(pool, backend, target=2, s=settings(samples=2, keep_only_correct=False))
    cands = pool.candidates(recipe="reasoning")
    assert [c.status for c in cands] == [PROPOSED, PROPOSED]
    assert all(c.meta["correct"] is False for c in cands)
    acc = cands[0].scores[1]
    assert acc.passed and "wrong answer kept" in acc.detail and acc.extra["correct"] is False


def test_problems_sampled_evenly(pool):
    with_problems(pool)
    backend = ScriptedBackend(default=f"<think>{THINK}</think><answer>?</answer>")
    run(pool, backend, target=99, s=settings(samples=1), max_steps=6)
    ids = [c.meta["problem_id"] for c in pool.candidates(recipe="reasoning")]
    assert sorted(ids) == [1, 1, 2, 2, 3, 3]
    assert len(set(ids[:3])) == 3 and len(set(ids[3:])) == 3  # each round covers all


def test_sample_numbers_continue_across_steps(pool):
    with_problems(pool, PROBLEMS[1:2])
    backend = ScriptedBackend(default=f"<think>{THINK}</think><answer>Wei</answer>")
    run(pool, backend, target=4, s=settings(samples=2))
    assert [c.meta["sample"] for c in pool.candidates(recipe="reasoning")] == [0, 1, 2, 3]


def test_other_checks_reject(pool):
    with_problems(pool, PROBLEMS[2:])
    mixed = ("Twelve times four. 十二乘以四等于四十八。 So it is forty eight. "
             "我们再检查一遍，四乘十二也是四十八。")
    loop = "I multiply 12 by 4 to get 48. " + "Let me double check that result once more. " * 8
    replies = [f"<think>{mixed}</think><answer>48</answer>",
               f"<think>{loop}</think><answer>48</answer>",
               "<think>48.</think><answer>48</answer>",
               "<answer>48</answer>"]
    run(pool, ScriptedBackend(replies), target=1, max_steps=1)
    reasons = [c.reason for c in pool.candidates(recipe="reasoning")]
    assert reasons == ["filter:language", "filter:repetition", "filter:length",
                       "filter:format"]


def test_settings_and_empty_pool(pool):
    cfg = reasoning_settings(Settings())
    assert (cfg.samples, cfg.keep_only_correct, cfg.think) == (4, True, None)
    ctx = Context(pool=pool, backend=ScriptedBackend(), settings=Settings(),
                  rng=random.Random(1), emit=lambda e: None)
    with pytest.raises(InputError, match="no problems"):
        Reasoning().prepare(ctx)


def test_ollama_standin_streams_thinking(pool):
    from synthstudio.backends.ollama import OllamaBackend
    from tests.standins import OllamaStandin

    with_problems(pool, PROBLEMS[:1])
    with OllamaStandin() as ol:
        ol.add_model("qwen3:0.6b", thinking=True)
        ol.queue_chat(content="<answer>0.5</answer>", thinking=THINK, chunk=5)
        ol.queue_chat(content="\n\nThe answer is \\boxed{2}.", thinking=THINK, chunk=7)
        backend = OllamaBackend(host=ol.url, model="qwen3:0.6b")
        summary = run(pool, backend, target=1, s=settings(think=True, samples=2))
        bodies = ol.chat_bodies()
    assert summary.status == "finished"
    assert [b["think"] for b in bodies] == [True, True]
    assert len({b["options"]["seed"] for b in bodies}) == 2
    right, wrong = pool.candidates(recipe="reasoning")
    assert right.thinking == THINK and right.answer == "0.5" and right.status == PROPOSED
    assert right.provenance["backend"] == "ollama"
    assert right.provenance["requests"][0]["stats"]["eval_tokens"] > 0
    assert right.scores[0].extra["source"] == "native"
    assert wrong.answer == "The answer is \\boxed{2}." and wrong.reason == "filter:accuracy"


def test_embedded_model_end_to_end(pool):
    embedded = pytest.importorskip("synthstudio.backends.embedded")
    backend = embedded.EmbeddedBackend()  # default n_ctx: shares the loaded model
    if backend.path is None:
        pytest.skip("the bundled SmolLM2 model is not installed")
    with_problems(pool, PROBLEMS[2:])
    s = Settings(temperature=0.2, reasoning={"samples": 1, "max_tokens": 64})
    summary = asyncio.run(Engine(pool, backend, Reasoning(), s, target=1, max_steps=1,
                                 seed=3).run())
    assert summary.requests == 1
    (c,) = pool.candidates(recipe="reasoning")
    assert c.provenance["backend"] == "embedded" and c.provenance["requests"][0]["stats"]
    assert [s.name for s in c.scores] == ["format", "accuracy", "language", "repetition",
                                          "length"]
    assert c.meta["problem_id"] == 1 and c.raw_output


def cli(*argv: str) -> int:
    import argparse

    from synthstudio.cli import problems_cmd
    from synthstudio.cli.common import run_command

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS)
    parser = argparse.ArgumentParser(parents=[common])
    problems_cmd.register(parser.add_subparsers(dest="command"), common)
    args = parser.parse_args(list(argv))
    return run_command(args.func, args)


def test_problems_cli_import_list_export(tmp_path, capsys):
    import json

    from synthstudio.store import Pool

    db = str(tmp_path / "p.db")
    src = tmp_path / "problems.jsonl"
    src.write_text('{"id": "q1", "problem": "What is 6 x 7?", "answer": 42, "kind": "arithmetic"}'
                   '\n\n{"problem": "Who is older?", "answer": "Ann"}\n', encoding="utf-8")
    assert cli("problems", "import", str(src), "--db", db) == 0
    assert "Imported 2 problems" in capsys.readouterr().out
    assert cli("problems", "import", str(src), "--db", db) == 0
    assert "Imported 0 problems" in capsys.readouterr().out  # already there
    with Pool(db) as p:
        rows = p.problems()
    assert rows[-2].answer == "42" and rows[-2].key == "q1" and rows[-1].kind == ""
    assert rows[-2].source == rows[-1].source == "problems.jsonl"
    assert cli("problems", "list", "--db", db) == 0
    assert "What is 6 x 7?" in capsys.readouterr().out
    out = tmp_path / "out.jsonl"
    assert cli("problems", "export", "-o", str(out), "--db", db) == 0
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {"id": "q1", "problem": "What is 6 x 7?", "answer": "42",
            "kind": "arithmetic"} in exported


def test_problems_cli_bad_line_imports_nothing(tmp_path, capsys):
    from synthstudio.store import Pool

    db = str(tmp_path / "p.db")
    src = tmp_path / "bad.jsonl"
    src.write_text('{"problem": "What is 1 + 1?", "answer": "2"}\n'
                   '{"problem": "No answer here"}\n', encoding="utf-8")
    assert cli("problems", "import", str(src), "--db", db) == 1
    assert "bad.jsonl, line 2, field 'answer'" in capsys.readouterr().err
    with Pool(db) as p:
        assert not [r for r in p.problems() if r.problem == "What is 1 + 1?"]

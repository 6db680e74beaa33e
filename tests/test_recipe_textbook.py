"""The textbook recipe end to end: coverage grid, templates, filters, provenance, resume."""

from __future__ import annotations

import asyncio
import random

import pytest

from synthstudio import prompts
from synthstudio.backends.base import ChatRequest
from synthstudio.config.settings import Settings
from synthstudio.engine import Engine
from synthstudio.errors import InputError
from synthstudio.recipes import make_recipe
from synthstudio.recipes.context import Context
from synthstudio.recipes.textbook import (
    AUDIENCES,
    NO_EXTRACT,
    STYLES,
    Textbook,
    coverage,
    template_name,
    textbook_settings,
    topic_coverage,
)
from synthstudio.records import ACCEPTED, PROPOSED, REJECTED, Topic
from tests.fakes import Reply, ScriptedBackend

SHORT = {"min_words": dict.fromkeys(STYLES, 20)}
TOPICS = [
    Topic(topic="How photosynthesis turns light into chemical energy", field="science",
          extract="Chlorophyll in the chloroplasts absorbs light; the Calvin cycle fixes CO2."),
    Topic(topic="Budgeting for a first apartment", field="practical"),
]


def varied_text(request: ChatRequest) -> str:
    """A different clean text for every request seed."""
    return text_for(request.options.seed or 0)


def text_for(seed: int) -> str:
    rng = random.Random(seed)
    sentences = []
    for _ in range(12):
        words = [f"term{rng.randrange(100_000)}" for _ in range(rng.randint(6, 12))]
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


def settings(**textbook: object) -> Settings:
    return Settings(textbook={**SHORT, **textbook})


def with_topics(pool, topics=TOPICS):
    pool.add_topics(topics)


def run(pool, backend, target, s=None, auto_accept=False, seed=1, recipe=None):
    engine = Engine(pool, backend, recipe or Textbook(), s or settings(), target=target,
                    auto_accept=auto_accept, seed=seed,
                    concurrency=1)  # replies are scripted in order
    return asyncio.run(engine.run())


def test_every_combination_has_its_own_template() -> None:
    rendered = set()
    for a in AUDIENCES:
        for s in STYLES:
            text = prompts.render(template_name(a, s), topic="TOPIC", extract="EXTRACT")
            assert "TOPIC" in text and "EXTRACT" in text and "{" not in text
            rendered.add(text)
    assert len(rendered) == 16
    assert make_recipe("textbook").name == "textbook"


def test_engine_covers_the_grid_evenly(pool):
    with_topics(pool)
    backend = ScriptedBackend(default=varied_text)
    summary = run(pool, backend, target=16, auto_accept=True)
    assert summary.status == "finished" and summary.accepted == 16
    assert set(coverage(pool).values()) == {1}
    per_topic = topic_coverage(pool)
    assert sorted(sum(v.values()) for v in per_topic.values()) == [8, 8]
    cands = pool.candidates(recipe="textbook")
    assert len(cands) == 16 and all(c.status == ACCEPTED for c in cands)
    c = cands[0]
    assert set(c.meta) >= {"topic", "audience", "style", "topic_id"}
    assert c.meta["topic"] in {t.topic for t in TOPICS}
    assert c.instruction.startswith(c.meta["topic"]) and " — " in c.instruction
    assert c.text and c.raw_output.strip() == c.text
    names = [s.name for s in c.scores]
    assert names[:5] == ["length", "placeholders", "ai_boilerplate", "image_refs", "near_dup"]
    assert all(s.passed for s in c.scores)
    prov = c.provenance
    assert prov["recipe"] == "textbook" and prov["backend"] == "scripted"
    assert prov["model"] == "fake-model" and "seed" in prov["options"]
    assert prov["template"] == template_name(c.meta["audience"], c.meta["style"])
    assert prov["requests"][0]["prompt"] == c.prompt and c.prompt[0]["role"] == "user"
    assert c.meta["topic"] in c.prompt[0]["content"]


def test_prompt_carries_the_extract_or_says_there_is_none(pool):
    with_topics(pool)
    run(pool, ScriptedBackend(default=varied_text), target=4)
    for c in pool.candidates(recipe="textbook"):
        content = c.prompt[0]["content"]
        if c.meta["topic_id"] == 1:
            assert "Calvin cycle" in content
        else:
            assert NO_EXTRACT in content


def test_failed_checks_reject_with_reason_and_stay_visible(pool):
    with_topics(pool)
    clean = text_for(7)
    replies = [
        clean,
        clean,  # near-duplicate of the first
        clean.replace("Term", "As an AI, I think term", 1) + " Dear [Your Name].",
        text_for(8) + " The image below shows it.",
        "Too short.",
        Reply(content=text_for(9), done_reason="length"),
    ]
    summary = run(pool, ScriptedBackend(replies, default=varied_text), target=2)
    assert summary.produced == 2
    reasons = [c.reason for c in pool.candidates(status=REJECTED)]
    assert reasons == ["filter:near_dup", "filter:placeholders", "filter:image_refs",
                       "filter:length", "filter:complete"]
    dup = pool.candidates(status=REJECTED)[0]
    nd = next(s for s in dup.scores if s.name == "near_dup")
    assert not nd.passed and float(nd.value or 0) >= 0.7 and nd.threshold == 0.7


def test_noise_filters_run_and_are_configurable(pool):
    with_topics(pool)
    noisy = text_for(1) + " <div>click</div> <br> &nbsp;"
    run(pool, ScriptedBackend([noisy], default=varied_text), target=1)
    first, second = pool.candidates(recipe="textbook")
    assert first.reason == "filter:html" and second.status == PROPOSED
    assert {"html", "keyboard_mash", "mojibake"} <= {s.name for s in second.scores}
    run(pool, ScriptedBackend([noisy]), target=1, s=settings(noise_disable=["html"]))
    assert pool.candidates(recipe="textbook")[-1].status == PROPOSED


def test_same_topic_all_audiences_mode(pool):
    with_topics(pool)
    summary = run(pool, ScriptedBackend(default=varied_text), target=4,
                  s=settings(mode="all_audiences"))
    assert summary.requests == 1
    cands = pool.candidates(recipe="textbook")
    assert [c.meta["audience"] for c in cands] == list(AUDIENCES)
    assert len({(c.meta["topic_id"], c.meta["style"]) for c in cands}) == 1


async def test_same_topic_all_audiences_helper(pool):
    with_topics(pool)
    recipe = Textbook()
    ctx = Context(pool=pool, backend=ScriptedBackend(default=varied_text), settings=settings(),
                  rng=random.Random(1), emit=lambda e: None)
    recipe.prepare(ctx)
    out = await recipe.same_topic_all_audiences(ctx, recipe.topics[1], "blog")
    assert [c.meta["audience"] for c in out] == list(AUDIENCES)
    assert {c.meta["style"] for c in out} == {"blog"} and len(recipe.index) == 0


def test_coverage_comes_from_the_pool_on_resume(pool):
    with_topics(pool)
    run(pool, ScriptedBackend(default=varied_text), target=8, seed=1)
    run(pool, ScriptedBackend(default=varied_text), target=8, seed=2)
    assert set(coverage(pool).values()) == {1}
    assert Textbook().state() == {}


def test_status_changes_update_coverage_and_dup_index(pool):
    with_topics(pool)
    recipe = Textbook()
    run(pool, ScriptedBackend(default=varied_text), target=2, recipe=recipe)
    c = pool.candidates(recipe="textbook")[0]
    key = (c.meta["topic_id"], c.meta["audience"], c.meta["style"])
    assert recipe.counts[key] == 1 and f"cand:{c.id}" in recipe.index
    pool.set_status(int(c.id or 0), REJECTED, "manual")
    c.status = REJECTED
    recipe.on_status_changed(c, PROPOSED)
    assert recipe.counts[key] == 0 and f"cand:{c.id}" not in recipe.index
    assert sum(coverage(pool).values()) == 1
    c.status = ACCEPTED
    recipe.on_status_changed(c, REJECTED)
    assert recipe.counts[key] == 1 and f"cand:{c.id}" in recipe.index


def test_restricted_grid_and_bad_settings(pool):
    with_topics(pool)
    run(pool, ScriptedBackend(default=varied_text), target=4,
        s=settings(audiences=["college"], styles=["howto", "blog"]))
    combos = {k for k, n in coverage(pool).items() if n}
    assert combos == {("college", "howto"), ("college", "blog")}
    cfg = textbook_settings(Settings(textbook={"max_words": {"blog": 99}}))
    assert cfg.lengths()["blog"] == (150, 99) and cfg.lengths()["story"] == (200, 2500)


def test_no_topics_is_a_plain_error(pool):
    ctx = Context(pool=pool, backend=ScriptedBackend(), settings=settings(),
                  rng=random.Random(1), emit=lambda e: None)
    with pytest.raises(InputError, match="no topics"):
        Textbook().prepare(ctx)


def test_embedded_model_end_to_end(pool):
    embedded = pytest.importorskip("synthstudio.backends.embedded")
    backend = embedded.EmbeddedBackend()  # default n_ctx: shares the loaded model
    if backend.path is None:
        pytest.skip("the bundled SmolLM2 model is not installed")
    with_topics(pool, TOPICS[1:])
    s = Settings(temperature=0.2, textbook={"max_tokens": 48,
                                            "audiences": ["young_children"],
                                            "styles": ["story"]})
    summary = asyncio.run(Engine(pool, backend, Textbook(), s, target=1, max_steps=1,
                                 seed=3).run())
    assert summary.requests == 1
    (c,) = pool.candidates(recipe="textbook")
    assert c.provenance["backend"] == "embedded" and c.provenance["requests"]
    assert c.provenance["requests"][0]["stats"]
    assert {s.name for s in c.scores} >= {"length", "near_dup"}
    assert c.meta["audience"] == "young_children" and c.meta["style"] == "story"


def cli(*argv: str) -> int:
    import argparse

    from synthstudio.cli import topics_cmd
    from synthstudio.cli.common import run_command

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS)
    parser = argparse.ArgumentParser(parents=[common])
    topics_cmd.register(parser.add_subparsers(dest="command"), common)
    args = parser.parse_args(list(argv))
    return run_command(args.func, args)


def test_topics_cli_import_list_export(tmp_path, capsys):
    import json

    from synthstudio.store import Pool

    db = str(tmp_path / "p.db")
    src = tmp_path / "topics.jsonl"
    src.write_text('{"topic": "Tides and the Moon", "field": "science", "extract": "Gravity."}\n'
                   '{"topic": "潮汐与月球", "extra": 1}\n{"topic": "tides and the moon"}\n',
                   encoding="utf-8")
    assert cli("topics", "import", str(src), "--db", db) == 0
    out = capsys.readouterr().out
    assert "Imported 2 topics" in out and "Skipped 1 already in the pool" in out
    assert cli("topics", "list", "--db", db) == 0
    assert "Tides and the Moon" in capsys.readouterr().out
    target = tmp_path / "out.jsonl"
    assert cli("topics", "export", "-o", str(target), "--db", db) == 0
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert {"topic": "Tides and the Moon", "field": "science", "extract": "Gravity."} in rows
    assert {"topic": "潮汐与月球", "field": "", "extract": ""} in rows
    with Pool(db) as p:
        assert len(p.topics()) == len(rows)


@pytest.mark.parametrize(("line", "expected"), [
    ("{not json", "line 2: not valid JSON"),
    ('{"field": "science"}', "line 2, field 'topic': missing or not a string"),
    ('{"topic": "  "}', "line 2, field 'topic': is empty"),
    ('["a list"]', "line 2: expected a JSON object"),
])
def test_topics_cli_bad_line_imports_nothing(tmp_path, capsys, line, expected):
    from synthstudio.store import Pool

    db = str(tmp_path / "p.db")
    src = tmp_path / "bad.jsonl"
    src.write_text('{"topic": "A fine topic"}\n' + line + "\n", encoding="utf-8")
    assert cli("topics", "import", str(src), "--db", db) == 1
    assert f"bad.jsonl, {expected}" in capsys.readouterr().err
    with Pool(db) as p:
        assert not [r for r in p.topics() if r.topic == "A fine topic"]

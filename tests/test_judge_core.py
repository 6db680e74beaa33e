"""The judge's parts: the reply parser, the rubric, what is shown, and the scores table."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthstudio.config.settings import JudgeSettings, load_settings
from synthstudio.errors import ConfigError, InputError
from synthstudio.judge.rubric import SCHEMA, load_rubric
from synthstudio.judge.subject import judged_parts
from synthstudio.judge.verdict import parse_reply
from synthstudio.records import Candidate, Instance, JudgeScore, RunOptions
from synthstudio.store.schema import SCHEMA_VERSION


@pytest.mark.parametrize("reply, score, reason", [
    ('{"score": 4.5, "reason": "Correct and complete. More text."}', 4.5,
     "Correct and complete."),
    ('```json\n{"rating": "3", "explanation": "Partly right."}\n```', 3.0, "Partly right."),
    ('Sure! {"score": 2, "reason": "Wrong unit."} Hope that helps.', 2.0, "Wrong unit."),
    ("4\nThe answer is right.", 4.0, "The answer is right."),
    ("Score: 4/5 - good but terse.", 4.0, "good but terse."),
    ("Rating - 3.5 out of 5. Mostly right.", 3.5, "Mostly right."),
    ("**Score:** 5\n**Reason:** Perfect.", 5.0, "Perfect."),
    ("I would give it 8/10. Fine.", 4.0, None),
    ("评分：4。回答正确。", 4.0, "回答正确"),
    ("<think>maybe 1 or 2</think>5. Exactly what was asked.", 5.0, "Exactly what was asked."),
    ("Score: 4,5", 4.5, None),
])
def test_scores_are_read_from_json_and_plain_text(reply, score, reason):
    v = parse_reply(reply)
    assert v.score == score and v.problem == ""
    if reason is not None:
        assert v.reason == reason


@pytest.mark.parametrize("reply, problem", [
    ("", "empty"), ("I would rather not say.", "no score"), ('{"score": 7}', "outside 0-5"),
    ("Score: 9", "outside 0-5"), ('{"score": "high"}', "not a number"),
    ('{"score": true, "reason": "x"}', "not a number"),
])
def test_replies_without_a_valid_score_are_unscored(reply, problem):
    v = parse_reply(reply)
    assert v.score is None and problem in v.problem


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_the_parser_never_raises_and_scores_stay_in_range(text):
    v = parse_reply(text)
    assert v.score is None or 0 <= v.score <= 5
    assert (v.score is None) == bool(v.problem)


def test_a_long_reply_parses_fast():
    import time

    text = "{" * 50_000 + "x" * 50_000
    t = time.perf_counter()
    assert parse_reply(text).score is None
    assert time.perf_counter() - t < 1.0


def test_the_default_rubric_is_versioned_and_renders_the_item():
    r = load_rubric()
    assert len(r.version) == 12 and r.source.endswith("judge_rubric.txt")
    text = r.render("Name a colour.", "(none)", "Blue {not a field}")
    assert "Name a colour." in text and "Blue {not a field}" in text
    assert "0 to 5" in text and "{response}" not in text
    assert SCHEMA["required"] == ["score", "reason"]


def test_a_users_rubric_wins_and_changes_the_version(tmp_path, monkeypatch):
    default = load_rubric().version
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "judge_rubric.txt").write_text("Rate {response} for {instruction}.",
                                              encoding="utf-8")
    monkeypatch.setenv("SYNTHSTUDIO_PROMPTS", str(prompts))
    mine = load_rubric()
    assert mine.version != default and mine.render("i", "", "r") == "Rate r for i."


def test_bad_rubric_files_are_named(tmp_path):
    with pytest.raises(InputError, match="missing.txt: no such rubric file"):
        load_rubric(str(tmp_path / "missing.txt"))
    bad = tmp_path / "bad.txt"
    bad.write_text("Rate the instruction {instruction}.", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.txt: the rubric has no \{response\}"):
        load_rubric(str(bad))


def test_judge_settings_come_from_the_config_file(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('[judge]\nenabled = true\nbackend = "openai"\nbase_url = "http://gpu:8000/v1"'
                 '\nmodel = "qwen3-32b"\nthreshold = 4\ngate = true\nconcurrency = 16\n',
                 encoding="utf-8")
    s = load_settings(f)
    assert s.judge.enabled and s.judge.gate and s.judge.threshold == 4.0
    assert (s.judge.backend, s.judge.model, s.judge.concurrency) == ("openai", "qwen3-32b", 16)
    assert JudgeSettings().threshold == 4.5 and not JudgeSettings().enabled
    f.write_text("[judge]\nthreshold = 6\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="judge.threshold"):
        load_settings(f)


def test_every_judge_setting_has_a_docstring():
    import ast
    import inspect

    import synthstudio.config.settings as config

    tree = ast.parse(inspect.getsource(config))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "JudgeSettings")
    body = cls.body
    fields = [(i, n.target.id) for i, n in enumerate(body) if isinstance(n, ast.AnnAssign)]
    assert {name for _, name in fields} == set(JudgeSettings.model_fields)
    for i, name in fields:
        nxt = body[i + 1] if i + 1 < len(body) else None
        assert isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant), name


def test_what_the_judge_sees_of_each_recipe():
    one = Candidate("self-instruct", "Add the numbers.", [Instance("2 3", "5")])
    assert judged_parts(one) == ("Add the numbers.", "2 3", "5")
    two = Candidate("self-instruct", "Classify.", [Instance("a", "x"), Instance("", "y")])
    _, _, response = judged_parts(two)
    assert "Example 1\nInput: a\nOutput: x" in response and "Input: (none)" in response
    book = Candidate("textbook", text="Once upon a time.",
                     meta={"topic": "tides", "audience": "young children", "style": "story"})
    assert judged_parts(book) == ("Write a story about tides for young children.", "(none)",
                                  "Once upon a time.")
    r1 = Candidate("reasoning", "What is 2+2?", thinking="long", answer="4")
    assert judged_parts(r1) == ("What is 2+2?", "(none)", "4")


def _item(pool, text="Say hi.", status="proposed", run_id=None):
    return pool.add_candidate(Candidate("self-instruct", text, [Instance("", "hi")],
                                        status=status, run_id=run_id))


def test_scores_are_stored_with_their_provenance(pool):
    assert SCHEMA_VERSION >= 4
    cid = _item(pool)
    s = JudgeScore(cid, 4.5, "Good.", '{"score": 4.5}', "judge:7b", "ollama", "abc123",
                   {"temperature": 0.0, "structured": True})
    pool.save_score(s)
    got = pool.get_score(cid)
    assert got is not None and got.score == 4.5 and got.raw == '{"score": 4.5}'
    assert (got.model, got.backend, got.rubric_version) == ("judge:7b", "ollama", "abc123")
    assert got.options == {"temperature": 0.0, "structured": True} and got.created_at
    pool.save_score(JudgeScore(cid, None, "", "garbage", "judge:7b", "ollama", "abc123"))
    again = pool.get_score(cid)
    assert again is not None and again.score is None and again.raw == "garbage"
    assert pool.query("SELECT count(*) AS n FROM judge_scores")[0]["n"] == 1


def test_items_to_judge_skip_what_is_scored(pool):
    ids = [_item(pool, f"Task {i}.") for i in range(6)]
    rejected = _item(pool, "Bad.", status="rejected")
    pool.save_score(JudgeScore(ids[0], 5.0))
    pool.save_score(JudgeScore(ids[1], None, raw="??"))
    assert pool.ids_to_judge() == [*ids[2:], rejected]
    assert pool.ids_to_judge(statuses=("proposed",)) == ids[2:]
    assert pool.ids_to_judge(rescore="unscored", statuses=("proposed",)) == ids[1:]
    assert pool.ids_to_judge(rescore="all", statuses=("proposed",)) == ids
    assert pool.ids_to_judge(after=ids[3], limit=2) == [ids[4], ids[5]]
    assert pool.count_to_judge(statuses=("proposed", "accepted")) == 4
    hist, unscored = pool.score_histogram()
    assert hist[5.0] == 1 and sum(hist.values()) == 1 and unscored == 1
    assert [c.id for c in pool.candidates_by_id([ids[3], ids[2]])] == [ids[2], ids[3]]


def test_items_of_one_run(pool):
    run = pool.start_run("self-instruct", "ollama", "m", RunOptions(), {}, 2)
    mine = _item(pool, "Mine.", run_id=run)
    _item(pool, "Other.")
    assert pool.ids_to_judge(run_id=run) == [mine]


def test_an_old_pool_gains_the_scores_table(tmp_path):
    from synthstudio.store import Pool

    db = tmp_path / "old.db"
    with Pool(db) as p:
        cid = _item(p)
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE judge_scores")
    conn.execute("PRAGMA user_version = 4")  # the schema before the judge's
    conn.commit()
    conn.close()
    with Pool(db) as p:
        assert p.ids_to_judge() == [cid]
        p.save_score(JudgeScore(cid, 3.0))
        assert p.get_score(cid).score == 3.0  # type: ignore[union-attr]


def test_a_schema_3_pool_moves_its_provenance_then_gains_the_scores_table(tmp_path):
    """A pool written before schema 4 goes through both migrations: its provenance moves
    to candidate_provenance (schema 4), then judge_scores is made (schema 5), and
    --source FILE finds the imported items through the moved provenance."""
    import shutil
    from pathlib import Path

    from synthstudio.store import Pool
    from synthstudio.store.schema import SCHEMA_VERSION

    db = tmp_path / "old.db"
    shutil.copy(Path(__file__).parent / "data" / "pool-schema3-imported.db", db)
    with Pool(db) as p:
        assert p.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 7
        every = p.ids_to_judge(limit=100_000)
        assert every and p.count_to_judge() == len(every)
        rows = p.conn.execute(
            "SELECT candidate_id, json_extract(provenance, '$.source.file') FROM "
            "candidate_provenance WHERE json_valid(provenance) AND "
            "json_extract(provenance, '$.source.file') IS NOT NULL").fetchall()
        assert rows, "the fixture holds imported items"
        source = rows[0][1]
        from_file = sorted(cid for cid, f in rows if f == source)
        assert p.ids_to_judge(source_file=source, limit=100_000) == from_file
        p.save_score(JudgeScore(from_file[0], 4.0))
        assert p.count_to_judge(source_file=source) == len(from_file) - 1

"""Export for fine-tuning: each format read back by a real consumer, field by field."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import synthstudio.datasets.export as ex
import synthstudio.store.export_query as exsql
import synthstudio.store.export_reader as exread
from synthstudio.cli import main
from synthstudio.datasets.export import candidate_rows, export, export_rows, parse_when
from synthstudio.errors import InputError, StoreError
from synthstudio.records import Candidate, FilterResult, Instance, ItemStatus
from synthstudio.store import Pool

THINK = "<think>\n{}\n</think>\n\n{}"


def _si(instruction: str, *pairs: tuple[str, str], **kw: object) -> Candidate:
    kw.setdefault("is_classification", False)
    return Candidate(recipe="self-instruct", instruction=instruction,
                     instances=[Instance(i, o) for i, o in pairs], **kw)  # type: ignore[arg-type]


@pytest.fixture
def pool(tmp_path: Path):
    p = Pool(tmp_path / "p.db")
    prov = {"model": "qwen2.5:7b", "backend": "ollama", "options": {"temperature": 0.7},
            "requests": [{"step": "generate", "prompt": [], "raw": "x", "stats": {}}]}
    items = [
        _si("Translate the sentence into Chinese.", ("Good morning.", "早上好。"),
            ("", "你好，世界"), status="accepted", created_at="2025-03-01T10:00:00.000+00:00",
            scores=[FilterResult("rouge_l", True, 0.31, 0.7)], provenance=prov,
            prompt=[{"role": "user", "content": "Come up with tasks"}]),
        _si("Is this review positive?", ("Great film!", "Yes"), status="accepted",
            is_classification=True, created_at="2025-03-02T09:00:00.000+00:00"),
        _si("An instruction without instances.", status="accepted",
            created_at="2025-03-02T10:00:00.000+00:00"),
        Candidate(recipe="textbook", instruction="photosynthesis", text="Plants make food.",
                  meta={"topic": "photosynthesis", "audience": "young children",
                        "style": "story"}, status="accepted",
                  created_at="2025-03-03T08:00:00.000+00:00"),
        Candidate(recipe="reasoning", instruction="What is 6 times 7?",
                  thinking="  6*7 = 42.  ", answer="42",
                  meta={"reference": "42", "correct": True}, status="accepted",
                  created_at="2025-03-03T09:00:00.000+00:00"),
        Candidate(recipe="reasoning", instruction="What is 2+2?", answer="4",
                  meta={"reference": "4", "correct": True}, status="accepted",
                  created_at="2025-03-04T09:00:00.000+00:00"),
        _si("A rejected task here.", ("", "no"), status="rejected", reason="rouge_l"),
        _si("A proposed task here.", ("", "maybe")),
    ]
    for c in items:
        p.add_candidate(c)
    yield p
    p.close()


def _load(path: Path, tmp_path: Path) -> list[dict]:
    import datasets

    ds = datasets.load_dataset("json", data_files=str(path), split="train",
                               cache_dir=str(tmp_path / "hf-cache"))
    return [dict(r) for r in ds]


def test_alpaca_loads_with_datasets(pool, tmp_path):
    out = tmp_path / "alpaca.jsonl"
    s = export(pool, "alpaca", out)
    rows = _load(out, tmp_path)
    assert s.rows == len(rows) == 6
    assert rows[0] == {"instruction": "Translate the sentence into Chinese.",
                       "input": "Good morning.", "output": "早上好。"}
    assert rows[1] == {"instruction": "Translate the sentence into Chinese.", "input": "",
                       "output": "你好，世界"}
    assert rows[3] == {"instruction": "Write a story about photosynthesis for young children.",
                       "input": "", "output": "Plants make food."}
    assert rows[4]["output"] == THINK.format("6*7 = 42.", "42")
    assert rows[5]["output"] == "4"  # no thinking: no empty think block


def test_messages_think_and_field_styles(pool, tmp_path):
    out = tmp_path / "m.jsonl"
    export(pool, "messages", out)
    rows = _load(out, tmp_path)
    assert rows[0]["messages"] == [
        {"role": "user", "content": "Translate the sentence into Chinese.\n\nGood morning."},
        {"role": "assistant", "content": "早上好。"}]
    assert rows[1]["messages"][0]["content"] == "Translate the sentence into Chinese."
    assert rows[4]["messages"][1]["content"] == THINK.format("6*7 = 42.", "42")
    out2 = tmp_path / "m2.jsonl"
    export(pool, "messages", out2, reasoning_style="field", system="Be brief.")
    rows = _load(out2, tmp_path)
    # (depending on the datasets version, keys a message lacks come back absent or None)
    assert {k: v for k, v in rows[4]["messages"][0].items() if v is not None} == {
        "role": "system", "content": "Be brief."}
    assert rows[4]["messages"][2] == {"role": "assistant", "content": "42",
                                      "reasoning_content": "6*7 = 42."}
    assert rows[5]["messages"][2].get("reasoning_content") is None
    raw = [json.loads(line) for line in out2.read_text(encoding="utf-8").splitlines()]
    assert "reasoning_content" not in raw[5]["messages"][2]


def test_sharegpt_loads_with_datasets(pool, tmp_path):
    out = tmp_path / "s.jsonl"
    export(pool, "sharegpt", out, system="You are helpful.")
    rows = _load(out, tmp_path)
    assert rows[2]["conversations"] == [
        {"from": "system", "value": "You are helpful."},
        {"from": "human", "value": "Is this review positive?\n\nGreat film!"},
        {"from": "gpt", "value": "Yes"}]
    assert [t["from"] for t in rows[3]["conversations"]] == ["system", "human", "gpt"]


def test_textbook_format(pool, tmp_path):
    out = tmp_path / "t.jsonl"
    s = export(pool, "textbook", out)
    assert _load(out, tmp_path) == [{"text": "Plants make food.", "audience": "young children",
                                     "style": "story", "topic": "photosynthesis"}]
    assert s.by_recipe == {"textbook": 1} and s.skipped == {}


def test_self_instruct_round_trips_through_the_seed_importer(pool, tmp_path):
    from synthstudio.datasets.seeds import parse_seed_file

    out = tmp_path / "seeds.jsonl"
    s = export(pool, "self-instruct", out)
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    seeds = parse_seed_file(out)
    assert s.rows == len(seeds) == 3
    assert [t.as_seed_dict() for t in seeds] == lines
    assert seeds[0].instruction == "Translate the sentence into Chinese."
    assert [(i.input, i.output) for i in seeds[0].instances] == [("Good morning.", "早上好。"),
                                                                 ("", "你好，世界")]
    assert seeds[1].is_classification and not seeds[0].is_classification
    assert seeds[0].key == seeds[0].name == "synth_task_1"
    assert seeds[2].instances == []


def test_cjk_is_not_escaped(pool, tmp_path):
    out = tmp_path / "a.jsonl"
    export(pool, "alpaca", out)
    text = out.read_text(encoding="utf-8")
    assert "早上好" in text and "\\u" not in text


def test_summary_counts_and_skips(pool, tmp_path):
    s = export(pool, "messages", tmp_path / "m.jsonl")
    assert s.rows == 6 and s.items == 5
    assert s.by_recipe == {"self-instruct": 3, "textbook": 1, "reasoning": 2}
    assert s.skipped == {"self-instruct": 1}  # the item without instances
    s = export(pool, "alpaca", tmp_path / "all.jsonl", status="all")
    assert s.rows == 8
    s = export(pool, "alpaca", tmp_path / "r.jsonl", status="rejected")
    assert s.rows == 1 and s.by_recipe == {"self-instruct": 1}
    s = export(pool, "alpaca", tmp_path / "q.jsonl", recipe="reasoning")
    assert s.by_recipe == {"reasoning": 2}


def test_date_range(pool, tmp_path):
    s = export(pool, "alpaca", tmp_path / "d.jsonl", since=parse_when("2025-03-02"),
               until=parse_when("2025-03-03", end=True))
    assert s.by_recipe == {"self-instruct": 1, "textbook": 1, "reasoning": 1}
    assert parse_when("2025-03-03", end=True) == "2025-03-04T00:00:00.000+00:00"
    with pytest.raises(InputError, match="not a date"):
        parse_when("yesterday")


def test_provenance(pool, tmp_path):
    out = tmp_path / "p.jsonl"
    export(pool, "alpaca", out, with_provenance=True)
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    prov = rows[0]["provenance"]
    assert prov["candidate_id"] == 1 and prov["model"] == "qwen2.5:7b"
    assert prov["backend"] == "ollama" and prov["options"] == {"temperature": 0.7}
    assert prov["scores"] == [{"name": "rouge_l", "passed": True, "score": 0.31,
                               "value": "", "threshold": 0.7, "limit": "", "detail": ""}]
    assert prov["prompt"] == [{"role": "user", "content": "Come up with tasks"}]
    assert prov["created_at"] == "2025-03-01T10:00:00.000+00:00"
    assert prov["decided_at"] == prov["created_at"]
    assert rows[3]["provenance"]["model"] == "" and rows[3]["provenance"]["options"] == {}


def test_export_rows_match_the_file(pool, tmp_path):
    out = tmp_path / "m.jsonl"
    export(pool, "sharegpt", out)
    file_rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert list(export_rows(pool, "sharegpt")) == file_rows


def test_many_batches_keep_order(pool, tmp_path, monkeypatch):
    for n in range(40):
        pool.add_candidate(_si(f"Task number {n}.", ("", str(n)), status="accepted"))
    whole = list(export_rows(pool, "alpaca"))
    monkeypatch.setattr(exread, "BATCH", 3)
    assert list(export_rows(pool, "alpaca")) == whole
    assert [r["output"] for r in whole[-40:]] == [str(n) for n in range(40)]


class Boom(RuntimeError):
    pass


def _exploding(real):
    def read_batches(*args, **kwargs):
        for i, batch in enumerate(real(*args, **kwargs)):
            yield batch
            if i == 0:
                raise Boom("disk on fire")
    return read_batches


def test_failure_mid_write_leaves_nothing(pool, tmp_path, monkeypatch):
    monkeypatch.setattr(exread, "BATCH", 2)
    monkeypatch.setattr(exread, "read_batches", _exploding(exread.read_batches))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(Boom):
        export(pool, "alpaca", out_dir / "a.jsonl")
    assert list(out_dir.iterdir()) == []


def test_failure_keeps_existing_target(pool, tmp_path, monkeypatch):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "a.jsonl"
    target.write_text("old content\n", encoding="utf-8")
    monkeypatch.setattr(exread, "BATCH", 2)
    monkeypatch.setattr(exread, "read_batches", _exploding(exread.read_batches))
    with pytest.raises(Boom):
        export(pool, "alpaca", target)
    assert target.read_text(encoding="utf-8") == "old content\n"
    assert list(out_dir.iterdir()) == [target]


def test_bad_options_raise_before_writing(pool, tmp_path):
    out = tmp_path / "x.jsonl"
    with pytest.raises(InputError, match="unknown format"):
        export(pool, "csv", out)
    with pytest.raises(InputError, match="only textbook items"):
        export(pool, "textbook", out, recipe="reasoning")
    with pytest.raises(InputError, match="unknown status"):
        export(pool, "alpaca", out, status="maybe")
    with pytest.raises(InputError, match="reasoning style"):
        export(pool, "messages", out, reasoning_style="inline")
    with pytest.raises(InputError, match="folder does not exist"):
        export(pool, "alpaca", tmp_path / "missing" / "x.jsonl")
    assert not out.exists()


def test_cli_export(pool, tmp_path, capsys):
    out = tmp_path / "cli.jsonl"
    db = str(pool.path)
    assert main(["export", "--db", db, "--format", "messages", "-o", str(out),
                 "--since", "2025-03-03", "--reasoning", "field"]) == 0
    text = capsys.readouterr().out
    assert "3 lines" in text and "reasoning" in text
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3
    assert main(["export", "--db", db, "-f", "alpaca", "-o", str(out), "--until", "soon"]) == 1
    assert "not a date" in capsys.readouterr().err


# -- the SQL renderer gives exactly what candidate_rows gives ------------------------------

_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=30)
_ws = st.sampled_from(["", " ", "\n", "\t ", "\u3000"])
# SQLite's text functions cut a meta value at NUL (export_query's docstring): meta values
# have none; provenance strings (model, filter details) may
_plain = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
                 max_size=30)
_meta_val = st.one_of(st.none(), _plain, st.sampled_from(["  ", "essay", "Outline."]))


@st.composite
def candidates(draw) -> Candidate:
    recipe = draw(st.sampled_from(["self-instruct", "textbook", "reasoning"]))
    c = Candidate(recipe=recipe, instruction=draw(_ws) + draw(_text) + draw(_ws),
                  status="accepted", is_classification=draw(st.booleans()))
    if recipe == "self-instruct":
        c.instances = [Instance(draw(_ws) + draw(_text), draw(_text))
                       for _ in range(draw(st.integers(0, 3)))]
        if draw(st.booleans()):
            c.meta = {"name": draw(_meta_val)}
    elif recipe == "textbook":
        c.text = draw(_text)
        c.meta = {k: draw(_meta_val) for k in ("topic", "audience", "style")
                  if draw(st.booleans())}
    else:
        c.thinking = draw(_ws) + draw(_text) + draw(_ws)
        c.answer = draw(_text)
    c.provenance = {"model": draw(_text), "options": {"seed": draw(st.integers(0, 9))}}
    c.scores = [FilterResult("rouge_l", draw(st.booleans()), 0.5, 0.7, draw(_text)),
                FilterResult(draw(_text), True, draw(_text), draw(_text), "\x00")]
    return c


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(c=candidates(), fmt=st.sampled_from(ex.FORMATS),
       style=st.sampled_from(ex.REASONING_STYLES), system=st.sampled_from(["", "Sys."]),
       prov=st.booleans())
def test_sql_rendering_matches_python(tmp_path, c, fmt, style, system, prov):
    p = Pool(tmp_path / "h.db")
    try:
        cid = p.add_candidate(c)
        stored = p.get_candidate(cid)
        assert stored is not None
        expected = candidate_rows(stored, fmt, reasoning_style=style, with_provenance=prov,
                                  system=system)
        sql, params = exsql.build_query(fmt, style=style, system=system,
                                        with_provenance=prov, recipe=ex.ONLY_RECIPE.get(fmt))
        # with the item's kept instances array, with every kept array put aside (the
        # mark says rows were added by hand), and with none kept for the item
        for change in ("", "UPDATE instances_json_mark SET instance_id = -1",
                       "DELETE FROM instances_json"):
            if change:
                p.conn.execute(change)
            got = [json.loads(r[2]) for r in p.conn.execute(sql, {**params, "lo": cid - 1,
                                                                  "hi": cid})]
            assert got == expected
    finally:
        p.close()


def test_self_instruct_name_from_any_meta(tmp_path):
    """The SQL parses a meta only when it holds the text "name": "name" as a value is no
    name, a meta that is not JSON gives the id, a name is trimmed; each as the Python
    rendering gives it."""
    metas = ['{"name": " Spaced "}', '{"other": "name"}', "not json", '{}',
             '{"name": "Plain"}']
    with Pool(tmp_path / "p.db") as p:
        ids = [p.add_candidate(_si(f"Task {n}.", ("", str(n)), status="accepted"))
               for n in range(len(metas))]
        with p.lock:
            p.conn.executemany("UPDATE candidates SET meta = ? WHERE id = ?",
                               zip(metas, ids, strict=True))
        expected = [row for cid in ids for row in candidate_rows(
            p.get_candidate(cid), "self-instruct")]
        got = list(export_rows(p, "self-instruct"))
    assert got == expected
    assert [r["name"] for r in got] == ["Spaced", f"synth_task_{ids[1]}",
                                        f"synth_task_{ids[2]}", f"synth_task_{ids[3]}",
                                        "Plain"]


def test_summary_counts_lines_and_items_of_every_recipe(tmp_path):
    """Lines and items by recipe, counted from small per-row kinds: instanced items give a
    line per instance, and a recipe without a number (here "custom") is counted by name."""
    with Pool(tmp_path / "p.db") as p:
        three = [Instance(f"in {i}", f"out {i}") for i in range(3)]
        for c in (Candidate(recipe="self-instruct", instruction="Do it.", instances=three),
                  Candidate(recipe="textbook", text="A text.", meta={"topic": "t"}),
                  Candidate(recipe="reasoning", instruction="2+2?", answer="4"),
                  Candidate(recipe="custom", instruction="Go.", instances=three[:2]),
                  Candidate(recipe="self-instruct", instruction="Again.", instances=three[:1])):
            c.status = ItemStatus.ACCEPTED
            p.add_candidate(c)
        s = ex.export(p, "alpaca", tmp_path / "out.jsonl")
    assert s.rows == 8 and s.by_recipe == {"self-instruct": 4, "textbook": 1, "reasoning": 1,
                                           "custom": 2}
    assert s.items_by_recipe == {"self-instruct": 2, "textbook": 1, "reasoning": 1,
                                 "custom": 1}
    assert len((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()) == 8


@pytest.mark.parametrize("fmt", ["alpaca", "messages", "self-instruct"])
def test_the_written_file_keeps_id_and_instance_order_across_batches(tmp_path, monkeypatch, fmt):
    """The file is rendered a batch of ids at a time and joined inside SQLite: its lines
    must come in id order, an item's instances in their own order (``idx``, not the order
    the rows were stored), exactly as the line-by-line query gives them."""
    with Pool(tmp_path / "p.db") as p:
        for n in range(23):
            recipe = ("self-instruct", "textbook", "reasoning", "custom")[n % 4]
            c = Candidate(recipe=recipe, instruction=f"Task {n}.", text=f"Text {n}.",
                          answer=f"{n}", status="accepted",
                          instances=[Instance(f"in {n}.{i}", f"out {n}.{i}") for i in range(3)])
            p.add_candidate(c)
        with p.lock:  # store one item's instances in reverse order of their idx
            p.conn.execute("UPDATE instances SET idx = 2 - idx WHERE candidate_id = 5")
        monkeypatch.setattr(exread, "BATCH", 4)
        expected = list(export_rows(p, fmt))
        s = export(p, fmt, tmp_path / "out.jsonl")
    got = [json.loads(line) for line in
           (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert got == expected and s.rows == len(expected)
    if fmt == "alpaca":
        fifth = [r["output"] for r in got if r["instruction"] == "Task 4."]
        assert fifth == ["out 4.2", "out 4.1", "out 4.0"]


def _slow_reader_thread(monkeypatch, seconds: float) -> None:
    """Each id range the export's reader thread reads takes ``seconds`` longer, so that a
    reader process, which takes a range whenever it is free, surely gets some of a small
    pool (the thread alone could read them all before the process asks for one)."""
    import sqlite3
    import time

    class Slow(sqlite3.Connection):
        def execute(self, sql, parameters=(), /):
            if isinstance(parameters, dict) and "lo" in parameters:
                time.sleep(seconds)
            return super().execute(sql, parameters)

    connect = sqlite3.connect
    monkeypatch.setattr(exread.sqlite3, "connect",
                        lambda *a, **kw: connect(*a, factory=Slow, **kw))


def _counted_reader_process(monkeypatch) -> list[int]:
    """The export's reader process from now on: up before the first range is handed out;
    the list it returns gets the start of every range the process is asked for."""
    asked: list[int] = []

    class Counted(exread.ReaderProcess):
        def __init__(self, *args):
            super().__init__(*args)
            assert self.ready.result(timeout=30) is True

        def submit(self, lo, hi):
            asked.append(lo)
            return super().submit(lo, hi)

    monkeypatch.setattr(exread, "ReaderProcess", Counted)
    return asked


def test_a_reader_process_gives_the_same_file(tmp_path, monkeypatch):
    """From PROCESS_FROM ids on, a reader process renders batches once it has started;
    the file is the same, line for line, as the reader thread alone writes, and so are
    the counts."""
    with Pool(tmp_path / "p.db") as p:
        for n in range(30):
            recipe = ("self-instruct", "textbook", "reasoning", "custom")[n % 4]
            p.add_candidate(Candidate(recipe=recipe, instruction=f"Task {n}.", text=f"T {n}.",
                                      answer=str(n), status="accepted",
                                      instances=[Instance(f"in {n}", f"out {n}.{i}")
                                                 for i in range(2)]))
        monkeypatch.setattr(exread, "BATCH", 4)
        monkeypatch.setattr(exread, "PROCESS_FROM", 0)
        alone = export(p, "messages", tmp_path / "alone.jsonl")
        monkeypatch.setattr(exread, "PROCESS_FROM", 1)
        rendered = _counted_reader_process(monkeypatch)
        _slow_reader_thread(monkeypatch, 0.05)
        both = export(p, "messages", tmp_path / "both.jsonl")  # status: a StrEnum member
    assert len(rendered) >= 2  # of 8 ranges: the process took its share
    assert (tmp_path / "both.jsonl").read_bytes() == (tmp_path / "alone.jsonl").read_bytes()
    assert (both.rows, both.by_recipe, both.items_by_recipe) == (
        alone.rows, alone.by_recipe, alone.items_by_recipe)


def test_each_reader_takes_the_next_range_when_it_is_free(tmp_path, monkeypatch):
    """Ranges go to whichever reader is free, not turn by turn: while the reader thread
    is slow, the reader process reads most of them (taking turns, it would read half),
    and the file is the same, line for line, as the thread alone writes."""
    with Pool(tmp_path / "p.db") as p:
        for n in range(60):
            p.add_candidate(_si(f"Task {n}.", ("", str(n)), status="accepted"))
        monkeypatch.setattr(exread, "BATCH", 2)  # 30 ranges
        monkeypatch.setattr(exread, "PROCESS_FROM", 0)
        alone = export(p, "alpaca", tmp_path / "alone.jsonl")
        monkeypatch.setattr(exread, "PROCESS_FROM", 1)
        handed = _counted_reader_process(monkeypatch)
        _slow_reader_thread(monkeypatch, 0.1)
        both = export(p, "alpaca", tmp_path / "both.jsonl")
    assert len(handed) >= 20  # of 30 (the thread holds one range for 0.1 s at a time)
    assert (tmp_path / "both.jsonl").read_bytes() == (tmp_path / "alone.jsonl").read_bytes()
    assert (both.rows, both.items_by_recipe) == (alone.rows, alone.items_by_recipe)


def test_a_reader_process_that_dies_costs_nothing_but_time(tmp_path, monkeypatch):
    """Should the reader process die, its batches are read again by the threads: the file
    is whole and in order."""
    died: list[int] = []

    class Dies(exread.ReaderProcess):  # starts, then is killed as it gets its first range
        def __init__(self, *args):
            super().__init__(*args)
            assert self.ready.result(timeout=30) is True

        def submit(self, lo, hi):
            if not died:
                died.append(lo)
                self._proc.kill()
                self._proc.wait()
            return super().submit(lo, hi)

    with Pool(tmp_path / "p.db") as p:
        for n in range(20):
            p.add_candidate(_si(f"Task {n}.", ("", str(n)), status="accepted"))
        monkeypatch.setattr(exread, "BATCH", 3)
        monkeypatch.setattr(exread, "PROCESS_FROM", 1)
        monkeypatch.setattr(exread, "ReaderProcess", Dies)
        _slow_reader_thread(monkeypatch, 0.05)
        s = export(p, "alpaca", tmp_path / "out.jsonl")
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert died  # a range was handed to the process and read again here
    assert s.rows == 20 and [json.loads(x)["output"] for x in lines] == [str(n) for n in range(20)]


def test_a_reader_process_error_is_reported_as_the_pools(tmp_path, monkeypatch):
    """An SQLite error inside the reader process reaches the user as one sentence about
    the pool, as the thread's does, and leaves no file behind."""
    with Pool(tmp_path / "p.db") as p:
        for n in range(10):
            p.add_candidate(_si(f"Task {n}.", ("", str(n)), status="accepted"))

        class Broken(exread.ReaderProcess):
            def __init__(self, path, sql, params):
                super().__init__(path, "SELECT nosuchcolumn FROM candidates", params)
                assert self.ready.result(timeout=30) is True

        monkeypatch.setattr(exread, "BATCH", 2)
        monkeypatch.setattr(exread, "PROCESS_FROM", 1)
        monkeypatch.setattr(exread, "ReaderProcess", Broken)
        _slow_reader_thread(monkeypatch, 0.2)
        with pytest.raises(StoreError, match=r"Cannot read the pool .*nosuchcolumn"):
            export(p, "alpaca", tmp_path / "out.jsonl")
    assert not (tmp_path / "out.jsonl").exists()


def test_a_reader_process_left_mid_export_ends_quietly(tmp_path, monkeypatch):
    """A consumer that stops reading mid-way (an error while writing, Ctrl-C) ends the
    reader process at once; what it had been asked is dropped without an error in any
    thread."""
    import threading

    with Pool(tmp_path / "p.db") as p:
        for n in range(40):
            p.add_candidate(_si(f"Task {n}.", ("", str(n)), status="accepted"))
    seen: list[BaseException] = []
    procs: list[exread.ReaderProcess] = []

    class Started(exread.ReaderProcess):
        def __init__(self, *args):
            super().__init__(*args)
            assert self.ready.result(timeout=30) is True
            procs.append(self)

    monkeypatch.setattr(threading, "excepthook", lambda args: seen.append(args.exc_value))
    monkeypatch.setattr(exread, "PROCESS_FROM", 1)
    monkeypatch.setattr(exread, "ReaderProcess", Started)
    sql, params = exsql.build_query("alpaca", status="accepted")
    batches = exread.read_batches(tmp_path / "p.db", sql, params, batch=2)
    first = next(batches)
    assert [r[0] for r in first] == [1, 2]
    next(batches)
    next(batches)  # the process has ranges in hand now
    batches.close()
    [proc] = procs
    assert proc._proc.poll() is not None and not proc._drain.is_alive()
    assert seen == []


def test_a_script_without_a_main_guard_exports_quietly(tmp_path):
    """The reader process is a plain script: unlike a spawned multiprocessing child, it
    does not import the caller's main module, so a script that calls ``export`` at its
    top level works and prints nothing on stderr."""
    with Pool(tmp_path / "p.db") as p:
        for n in range(12):
            p.add_candidate(_si(f"Task {n}.", ("", str(n)), status="accepted"))
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent(f"""\
        import sqlite3
        import time

        import synthstudio.store.export_reader as r
        from synthstudio.datasets.export import export
        from synthstudio.store import Pool

        used = []

        class Slow(sqlite3.Connection):  # the reader thread: so the process gets ranges
            def execute(self, sql, parameters=(), /):
                if isinstance(parameters, dict) and "lo" in parameters:
                    time.sleep(0.05)
                return super().execute(sql, parameters)

        connect = sqlite3.connect
        r.sqlite3.connect = lambda *a, **kw: connect(*a, factory=Slow, **kw)

        class Seen(r.ReaderProcess):
            def __init__(self, *args):
                super().__init__(*args)
                self.ready.result(30)  # up before the first range is handed out

            def submit(self, lo, hi):
                used.append(lo)
                return super().submit(lo, hi)

        r.PROCESS_FROM, r.BATCH, r.ReaderProcess = 1, 2, Seen
        with Pool({str(tmp_path / "p.db")!r}) as p:
            s = export(p, "alpaca", {str(tmp_path / "out.jsonl")!r})
        print(s.rows, len(used) > 0)
        """), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "12 True", "")
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["output"] for x in lines] == [str(n) for n in range(12)]

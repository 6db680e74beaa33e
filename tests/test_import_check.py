"""``synthstudio import`` and ``check``: existing datasets into the pool, verdicts per record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synthstudio.cli import main
from synthstudio.datasets.check import check_file
from synthstudio.datasets.formats import to_example
from synthstudio.datasets.importer import import_file
from synthstudio.errors import InputError
from synthstudio.records import ACCEPTED, PROPOSED

GOOD = {"instruction": "Give three tips for staying healthy.", "input": "",
        "output": "1. Eat well.\n2. Sleep enough.\n3. Move every day."}
REFUSAL = {"instruction": "Draw a picture of a cat.", "input": "",
           "output": "As an AI language model, I cannot draw pictures."}
PLACEHOLDER = {"instruction": "Translate the sentence into French.", "input": "<noinput>",
               "output": "Bonjour."}
CHINESE = {"instruction": "“春眠不觉晓”的下一句是什么？", "input": "", "output": "处处闻啼鸟。"}


def write(path: Path, rows: list[object], array: bool = False) -> Path:
    text = (json.dumps(rows, ensure_ascii=False, indent=1) if array
            else "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    path.write_text(text, encoding="utf-8")
    return path


def sharegpt(user: str, reply: str, system: str = "") -> dict[str, object]:
    turns = [{"from": "system", "value": system}] if system else []
    return {"conversations": turns + [{"from": "human", "value": user},
                                      {"from": "gpt", "value": reply}]}


# -- formats -------------------------------------------------------------------------

def test_every_format_maps_to_instruction_and_instances():
    a = to_example(GOOD)
    assert (a.format, a.instruction, a.instances[0].output) == (
        "alpaca", GOOD["instruction"], GOOD["output"])
    s = to_example(sharegpt("Hi?", "Hello.", "Be brief."))
    assert (s.format, s.instruction, s.instances[0].output, s.system) == (
        "sharegpt", "Hi?", "Hello.", "Be brief.")
    m = to_example({"messages": [{"role": "user", "content": "2+2?"},
                                 {"role": "assistant", "content": "4",
                                  "reasoning_content": "two and two"}]})
    assert m.format == "messages"
    assert m.instances[0].output == "<think>\ntwo and two\n</think>\n\n4"
    si = to_example({"instruction": "Sort the list.", "is_classification": False,
                     "instances": [{"input": "3 1", "output": "1 3"},
                                   {"input": "b a", "output": "a b"}]})
    assert si.format == "self-instruct" and len(si.instances) == 2


@pytest.mark.parametrize("record, fmt, field", [
    ({"instruction": "x"}, "auto", "output"),
    ({"instruction": "x", "output": "y", "history": [["a", "b"]]}, "auto", "history"),
    (sharegpt("a", "b") | {"conversations": [{"from": "human", "value": "a"},
                                             {"from": "gpt", "value": "b"},
                                             {"from": "human", "value": "c"},
                                             {"from": "gpt", "value": "d"}]},
     "auto", "conversations"),
    ({"messages": [{"role": "user", "content": "a"}]}, "auto", "messages"),
    # a role that is a list (found by the fuzz test) is named, not a TypeError
    ({"messages": [{"role": [], "content": "a"}]}, "messages", "messages[0].role"),
    ({"instruction": "x", "output": ["list"]}, "alpaca", "output"),
    ({"text": "no known keys"}, "auto", ""),
])
def test_what_cannot_be_mapped_names_the_field(record, fmt, field):
    with pytest.raises(InputError) as info:
        to_example(record, fmt)
    assert info.value.field == field


# -- import ------------------------------------------------------------------------------

@pytest.mark.parametrize("array", [False, True])
def test_import_stores_every_record_with_scores_and_provenance(pool, tmp_path, array):
    src = write(tmp_path / ("a.json" if array else "a.jsonl"),
                [GOOD, REFUSAL, PLACEHOLDER, CHINESE], array=array)
    s = import_file(pool, src)
    assert (s.imported, s.accepted, s.skipped) == (4, 0, [])
    items = pool.candidates()
    assert [c.instruction for c in items] == [r["instruction"] for r in
                                              (GOOD, REFUSAL, PLACEHOLDER, CHINESE)]
    assert all(c.status == PROPOSED and c.recipe == "self-instruct" for c in items)
    good, refusal, placeholder, chinese = items
    assert good.passed and chinese.passed  # a CJK quotation mark is a fine start
    assert "refusal" in refusal.failed_filters
    assert "input_placeholder" in placeholder.failed_filters
    assert placeholder.instances[0].input == ""  # the placeholder is not kept as input
    src_info = placeholder.provenance["source"]
    assert src_info["file"] == str(src.resolve()) and src_info["index"] == 2
    assert src_info["line"] == (3 if not array else 12)
    assert placeholder.provenance["original"] == PLACEHOLDER
    assert {r.name for r in good.scores} >= {"bad_start", "refusal", "html"}


def test_status_accepted_accepts_only_what_passes(pool, tmp_path):
    s = import_file(pool, write(tmp_path / "a.jsonl", [GOOD, REFUSAL]), status=ACCEPTED)
    assert (s.imported, s.accepted, s.flagged) == (2, 1, 1)
    assert [c.status for c in pool.candidates()] == [ACCEPTED, PROPOSED]


def test_a_bad_record_refuses_the_whole_import(pool, tmp_path, monkeypatch):
    import synthstudio.datasets.importer as importer

    monkeypatch.setattr(importer, "CHUNK", 2)  # the good chunks before it are taken back
    rows = [GOOD, REFUSAL, PLACEHOLDER, CHINESE, {"instruction": "no output"}, GOOD]
    src = write(tmp_path / "a.jsonl", rows)
    with pytest.raises(InputError) as info:
        import_file(pool, src)
    assert str(info.value) == f"{src}, line 5, field 'output': missing"
    assert pool.counts() == {"proposed": 0, "accepted": 0, "rejected": 0}
    assert pool.query("SELECT count(*) AS n FROM instances")[0]["n"] == 0


def test_skip_bad_imports_the_rest_and_lists_the_skipped(pool, tmp_path):
    src = write(tmp_path / "a.jsonl", [GOOD, {"instruction": "x"}, sharegpt("Hi?", "Hi!")])
    with src.open("a", encoding="utf-8") as f:
        f.write("{broken\n")
    s = import_file(pool, src, skip_bad=True)
    assert s.imported == 2 and s.by_format == {"alpaca": 1, "sharegpt": 1}
    assert [(e.line, e.field) for e in s.skipped] == [(2, "output"), (4, "")]


def test_import_cli_reports_and_refuses_in_one_sentence(tmp_path, capsys):
    db = str(tmp_path / "p.db")
    src = write(tmp_path / "a.json", [GOOD, REFUSAL], array=True)
    assert main(["import", str(src), "--db", db]) == 0
    out = capsys.readouterr().out
    assert "Imported 2 items (2 alpaca)" in out and "1 flagged by a filter" in out
    bad = write(tmp_path / "b.jsonl", [GOOD, {"messages": "nope"}])
    assert main(["import", str(bad), "--db", db]) == 1
    err = capsys.readouterr().err
    assert f"{bad}, line 2, field 'messages': must be a non-empty list" in err
    assert "Traceback" not in err


# -- check ---------------------------------------------------------------------------------

def test_check_writes_one_verdict_per_record_in_order(tmp_path):
    src = write(tmp_path / "d.jsonl", [GOOD, REFUSAL, "not an object", PLACEHOLDER])
    out = tmp_path / "v.jsonl"
    s = check_file(src, out)
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [v["index"] for v in lines] == [0, 1, 2, 3]
    assert [v["passed"] for v in lines] == [True, False, False, False]
    assert "refusal" in lines[1]["failed"]
    assert lines[2]["failed"] == ["unreadable"] and "line 3" in lines[2]["error"]
    assert set(lines[0]["scores"]) == set(lines[1]["scores"])
    for name in lines[0]["scores"]:  # one type per score across records
        assert type(lines[0]["scores"][name]) is type(lines[1]["scores"][name]), name
    assert (s.read, s.passed) == (4, 1)
    assert s.by_filter["refusal"] == 1 and s.by_filter["unreadable"] == 1


def test_check_in_processes_gives_the_same_verdicts(tmp_path):
    rows = [GOOD, REFUSAL, PLACEHOLDER, CHINESE] * 300
    src = write(tmp_path / "d.json", rows, array=True)
    one, two = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    check_file(src, one, workers=1)
    check_file(src, two, workers=2)
    assert one.read_text(encoding="utf-8") == two.read_text(encoding="utf-8")


def test_check_cli_exit_codes(tmp_path, capsys):
    src = write(tmp_path / "d.jsonl", [GOOD, REFUSAL])
    assert main(["check", str(src)]) == 0  # flagged records are not an error
    out = capsys.readouterr().out
    assert "2 records: 1 passed, 1 flagged" in out and "refusal" in out
    broken = tmp_path / "broken.json"
    broken.write_text('[{"instruction": "a"},\n{"instruction" "b"}]', encoding="utf-8")
    assert main(["check", str(broken), "-o", str(tmp_path / "v.jsonl")]) == 1
    err = capsys.readouterr().err
    assert f"{broken}, line 2: not valid JSON" in err and "Traceback" not in err
    assert not (tmp_path / "v.jsonl").exists()
    assert main(["check", str(tmp_path / "missing.jsonl")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_filter_processes_by_default_only_for_a_big_file_on_several_cores(tmp_path, monkeypatch):
    """Starting filter processes costs over a second: a small file is checked in this
    process; a big one gets two processes when there are two cores or more."""
    from synthstudio.datasets import verdicts

    small, big = tmp_path / "small.jsonl", tmp_path / "big.jsonl"
    small.write_text("{}\n", encoding="utf-8")
    with open(big, "wb") as fh:
        fh.truncate(verdicts.WORKERS_FROM_BYTES)
    monkeypatch.setattr(verdicts.os, "cpu_count", lambda: 8)
    assert (verdicts.workers_for(small), verdicts.workers_for(big)) == (1, 2)
    assert verdicts.workers_for(tmp_path / "missing.jsonl") == 1
    monkeypatch.setattr(verdicts.os, "cpu_count", lambda: 1)
    assert verdicts.workers_for(big) == 1

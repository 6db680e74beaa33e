"""``clean``: keep clean JSONL lines, report the dropped ones, refuse bad input whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synthstudio.cli import main
from synthstudio.datasets.clean import check_record, clean_file
from synthstudio.errors import InputError

LINES = [
    {"instruction": "Summarize the text.", "input": "Plants use light.", "output": "Light."},
    {"instruction": "Say hi.", "input": "", "output": "<div><p>Hi&nbsp;there</p></div>"},
    {"messages": [{"role": "user", "content": "Hello"},
                  {"role": "assistant", "content": "asdfghjkl qwertyuiop"}]},
    {"text": "光合作用是植物利用光能，把二氧化碳和水转化为有机物的过程。", "topic": "光合作用"},
    {"text": "Fine text.", "note": "We use cookies.\nAll rights reserved."},
]


def _write(path: Path, rows: list[object], extra: str = "") -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) + extra,
                    encoding="utf-8")
    return path


def _read(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_keeps_clean_lines_and_reports_the_rest(tmp_path):
    src = _write(tmp_path / "in.jsonl", LINES)
    out, rep = tmp_path / "out.jsonl", tmp_path / "rep.jsonl"
    s = clean_file(src, out, report=rep)
    assert (s.read, s.kept, s.dropped) == (5, 2, 3)
    assert _read(out) == [LINES[0], LINES[3]]
    assert "光合作用" in out.read_text(encoding="utf-8")  # copied byte for byte
    report = _read(rep)
    assert [r["line"] for r in report] == [2, 3, 5]
    assert report[0]["dropped_by"] == ["html"]
    assert report[0]["failures"][0]["field"] == "output"
    assert report[1]["failures"][0] == {
        "field": "messages[1].content", "filter": "keyboard_mash", "value": 1.0,
        "threshold": 0.05, "detail": "asdfghjkl, qwertyuiop"}
    assert report[2]["dropped_by"] == ["boilerplate"]
    assert s.by_filter == {"html": 1, "keyboard_mash": 1, "boilerplate": 1}


def test_fields_limit_what_is_checked(tmp_path):
    src = _write(tmp_path / "in.jsonl", LINES)
    s = clean_file(src, tmp_path / "o.jsonl", fields=["instruction", "text"])
    assert s.kept == 5
    s = clean_file(src, tmp_path / "o.jsonl", fields=["content"])
    assert s.kept == 4
    s = clean_file(src, tmp_path / "o.jsonl", fields=["messages[1].content"])
    assert s.kept == 4


def test_disable_and_thresholds(tmp_path):
    src = _write(tmp_path / "in.jsonl", LINES)
    s = clean_file(src, tmp_path / "o.jsonl", disable=["html", "boilerplate"])
    assert s.kept == 4 and s.by_filter == {"keyboard_mash": 1}
    s = clean_file(src, tmp_path / "o.jsonl", thresholds={"html": 10})
    assert "html" not in s.by_filter
    with pytest.raises(InputError, match="unknown noise filter 'nope'"):
        clean_file(src, tmp_path / "o.jsonl", disable=["nope"])


@pytest.mark.parametrize("bad, reason", [
    ('{"text": "ok"', "not valid JSON"),
    ('["a list"]', "expected a JSON object"),
])
def test_bad_line_names_file_and_line_and_writes_nothing(tmp_path, bad, reason):
    src = _write(tmp_path / "in.jsonl", LINES[:2], extra="\n" + bad + "\n")
    out, rep = tmp_path / "out.jsonl", tmp_path / "rep.jsonl"
    with pytest.raises(InputError) as info:
        clean_file(src, out, report=rep)
    assert info.value.line == 4 and info.value.path == str(src)
    assert reason in str(info.value) and "in.jsonl, line 4" in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_bad_input_keeps_an_existing_output(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"text": "fine"}\n{"text": "\xff\xfe"}\n')
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2: is not valid UTF-8"):
        clean_file(src, out)
    assert out.read_text(encoding="utf-8") == "previous\n"


def test_missing_input(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        clean_file(tmp_path / "nope.jsonl", tmp_path / "o.jsonl")


def test_check_record_walks_nested_strings():
    fails = check_record({"a": {"b": ["fine", "Ã© broken"]}, "n": 3})
    assert [(p, r.name) for p, r in fails] == [("a.b[1]", "mojibake")]


def test_cli_clean(tmp_path, capsys):
    src = _write(tmp_path / "in.jsonl", LINES)
    out, rep = tmp_path / "out.jsonl", tmp_path / "rep.jsonl"
    assert main(["clean", str(src), "-o", str(out), "--report", str(rep),
                 "--disable", "boilerplate", "--threshold", "keyboard_mash=1"]) == 0
    text = capsys.readouterr().out
    assert "kept 4 of 5 lines" in text and "html" in text
    assert len(_read(rep)) == 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"a": 1}\n{oops\n', encoding="utf-8")
    assert main(["clean", str(bad), "-o", str(tmp_path / "x.jsonl")]) == 1
    err = capsys.readouterr().err
    assert "bad.jsonl, line 2" in err and "Traceback" not in err
    assert not (tmp_path / "x.jsonl").exists()
    assert main(["clean", str(src), "-o", str(out), "--threshold", "html"]) == 1


def test_noise_filters_know_what_the_task_asked_for():
    from synthstudio.datasets.clean import check_record, task_text

    page = "<html><body><h1>Hi</h1><p>Welcome.</p></body></html>"
    asked = {"instruction": "Create a simple HTML page.", "input": "", "output": page}
    assert check_record(asked) == []
    not_asked = {"instruction": "Tell me a joke.", "input": "", "output": page}
    assert [r.name for _p, r in check_record(not_asked)] == ["html"]
    chat = {"messages": [{"role": "user", "content": "Write an HTML list of fruits"},
                         {"role": "assistant", "content": "<ul><li>a</li><li>b</li></ul>"}]}
    assert task_text(chat) == "Write an HTML list of fruits"
    assert check_record(chat) == []
    sharegpt = {"conversations": [{"from": "human", "value": "Tell me a joke"},
                                  {"from": "gpt", "value": page}]}
    assert [r.name for _p, r in check_record(sharegpt)] == ["html"]
    phones = {"instruction": "Compare the two phones.",
              "output": "Phone A is powered by a Snapdragon chip; phone B by a Tensor chip."}
    assert check_record(phones) == []

"""The one reader of dataset files: both forms, BOM, odd text, limits, one-sentence errors."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from synthstudio.datasets.reader import DatasetReader
from synthstudio.errors import InputError


def records(path, **kw):
    reader = DatasetReader(path, **kw)
    return reader, list(reader)


def test_jsonl_and_array_give_the_same_records_with_lines(tmp_path):
    rows = [{"instruction": f"Say {i}.", "output": str(i)} for i in range(3)]
    lines = tmp_path / "a.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    array = tmp_path / "a.json"
    array.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    r1, a = records(lines)
    r2, b = records(array)
    assert (r1.form, r2.form) == ("jsonl", "json")
    assert [x.value for x in a] == [x.value for x in b] == rows
    assert [x.line for x in a] == [1, 2, 3]
    assert [x.line for x in b] == [2, 6, 10]  # where each object starts
    assert [x.index for x in b] == [0, 1, 2]


@pytest.mark.parametrize("name", ["s.jsonl", "s.json"])
def test_a_byte_order_mark_is_accepted(tmp_path, name):
    row = {"instruction": "Name a colour.", "output": "Blue"}
    body = json.dumps(row) if name.endswith("l") else json.dumps([row])
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + body.encode())
    _, recs = records(path)
    assert [r.value for r in recs] == [row]


def test_lines_split_on_newline_only(tmp_path):
    """U+2028, U+2029 and U+0085 are text inside a string, not line breaks."""
    row = {"instruction": "a\u2028b\u2029c\x85d", "output": "x"}
    path = tmp_path / "u.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    _, recs = records(path)
    assert [r.value for r in recs] == [row] and recs[0].error is None


@pytest.mark.parametrize("name", ["s.jsonl", "s.json"])
def test_a_lone_surrogate_is_replaced_and_said_once(tmp_path, name):
    good = '{"instruction": "fine", "output": "\\ud83d\\ude00"}'
    bad = '{"instruction": "bad \\ud800 one", "output": "\\udfff"}'
    body = f"{good}\n{bad}\n{bad}\n" if name.endswith("l") else f"[{good},\n{bad},\n{bad}]"
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    reader, recs = records(path)
    assert recs[0].value["output"] == "\U0001f600" and not recs[0].changed
    assert recs[1].value == {"instruction": "bad \ufffd one", "output": "\ufffd"}
    assert recs[1].changed
    json.dumps(recs[1].value, ensure_ascii=False).encode("utf-8")  # writable as UTF-8
    assert reader.notes() == [f"{path}: replaced 4 lone surrogates (invalid text such as "
                              "\\ud800) with U+FFFD, first on line 2."]


def test_invalid_utf8_in_the_middle_names_the_line(tmp_path):
    path = tmp_path / "b.jsonl"
    path.write_bytes(b'{"instruction": "a", "output": "b"}\n'
                     b'{"instruction": "\xff\xfe", "output": "b"}\n')
    _, recs = records(path)
    assert recs[0].error is None
    assert str(recs[1].error).startswith(f"{path}, line 2: is not valid UTF-8")


def test_invalid_utf8_in_an_array_names_the_line(tmp_path):
    path = tmp_path / "b.json"
    path.write_bytes(b'[\n{"instruction": "a"},\n{"instruction": "\xff"}\n]')
    with pytest.raises(InputError, match=r"b\.json, line 3: is not valid UTF-8"):
        list(DatasetReader(path))


@pytest.mark.parametrize("name", ["deep.jsonl", "deep.json"])
def test_deep_nesting_is_one_sentence(tmp_path, name):
    path = tmp_path / name
    path.write_text("[" * 100_000, encoding="utf-8")
    with pytest.raises(InputError) as info:
        for rec in DatasetReader(path):
            if rec.error:
                raise rec.error
    assert str(info.value) == f"{path}, line 1: nested too deeply to read"


def test_huge_numbers_are_one_sentence(tmp_path):
    path = tmp_path / "n.jsonl"
    path.write_text('{"instruction": "x", "output": ' + "9" * 5000 + "}\n", encoding="utf-8")
    _, recs = records(path)
    assert "line 1: holds a number with more than 4,300 digits" in str(recs[0].error)


def test_a_field_over_the_limit_is_refused_with_its_name(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps({"instruction": "ok", "output": "x" * 2000}) + "\n"
                    + json.dumps({"instruction": "fine", "output": "y"}) + "\n",
                    encoding="utf-8")
    _, recs = records(path, max_field=1000)
    assert str(recs[0].error) == (f"{path}, line 1, field 'output': is 2,000 characters, "
                                  "over the limit of 1,000 characters per field")
    assert recs[1].value == {"instruction": "fine", "output": "y"}


def test_nested_field_names_in_errors(tmp_path):
    path = tmp_path / "c.json"
    row = {"conversations": [{"from": "human", "value": "hi"},
                             {"from": "gpt", "value": "z" * 50}]}
    path.write_text(json.dumps([row]), encoding="utf-8")
    _, recs = records(path, max_field=10)
    assert recs[0].error is not None
    assert recs[0].error.field == "conversations[1].value"


def _huge(path, megabytes, array):
    with path.open("wb") as f:
        f.write(b'[{"instruction": "' if array else b'{"instruction": "')
        for _ in range(megabytes):
            f.write(b"x" * 1_000_000)
        f.write(b'"},\n{"instruction": "after"}]\n' if array
                else b'"}\n{"instruction": "after"}\n')


def test_one_huge_line_is_refused_in_bounded_memory(tmp_path):
    path = tmp_path / "huge.jsonl"
    _huge(path, 60, array=False)
    tracemalloc.start()
    reader, recs = records(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "line 1: is over the limit of 16 MB per record" in str(recs[0].error)
    assert recs[1].value == {"instruction": "after"} and recs[1].line == 2
    assert peak < 40_000_000, f"peak {peak / 1e6:.0f} MB on a 60 MB line"


def test_one_huge_array_item_stops_in_bounded_memory(tmp_path):
    path = tmp_path / "huge.json"
    _huge(path, 60, array=True)
    tracemalloc.start()
    with pytest.raises(InputError, match="line 1: item 0 of the list is over the limit"):
        list(DatasetReader(path))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 80_000_000, f"peak {peak / 1e6:.0f} MB on a 60 MB item"


def test_a_big_array_streams(tmp_path):
    """Records come out one by one, with the buffer trimmed as it goes."""
    path = tmp_path / "many.json"
    rows = [{"instruction": f"Task {i}", "output": "o" * 200} for i in range(20_000)]
    path.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    recs = list(DatasetReader(path))
    assert len(recs) == 20_000
    assert recs[-1].value == rows[-1]
    assert recs[-1].line == 1 + 4 * 19_999 + 1


@pytest.mark.parametrize("body, message", [
    ('[{"a": 1},\n{"a" 2}]', "line 2: not valid JSON (Expecting ':' delimiter"),
    ('[{"a": 1},\n{"a": 2}] x', "line 2: has more data after the closing ']'"),
    ('[{"a": 1}, 123', "line 1: ends inside the list"),
    ('[{"a": 1} {"a": 2}]', "line 1: expected ',' or ']' after an item"),
])
def test_array_errors_are_one_sentence_with_the_line(tmp_path, body, message):
    path = tmp_path / "bad.json"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InputError) as info:
        list(DatasetReader(path))
    assert message in str(info.value) and str(path) in str(info.value)


def test_jsonl_with_a_list_on_its_first_line_stays_jsonl(tmp_path):
    path = tmp_path / "l.jsonl"
    path.write_text('[]\n{"instruction": "x"}\n', encoding="utf-8")
    reader, recs = records(path)
    assert reader.form == "jsonl"
    assert [r.value for r in recs] == [[], {"instruction": "x"}]


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        list(DatasetReader(tmp_path / "nope.jsonl"))
    with pytest.raises(InputError, match="is a folder"):
        list(DatasetReader(tmp_path))

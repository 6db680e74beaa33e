"""Seed import/export: the public Self-Instruct file, bad lines, round trip, defaults."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from synthstudio.boundary.shipped import seeds_dir
from synthstudio.datasets.seeds import (
    ensure_default_seeds,
    export_seeds,
    import_seed_file,
    parse_seed_file,
)
from synthstudio.errors import InputError
from synthstudio.records import RunOptions, SeedTask
from tests.conftest import PUBLIC_SEEDS


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_public_seed_file_counts(pool):
    s = import_seed_file(pool, PUBLIC_SEEDS)
    assert (s.imported, s.classification) == (175, 26)
    seeds = pool.list_seeds()
    assert len(seeds) == 175
    assert sum(x.is_classification for x in seeds) == 26
    assert sum(1 for x in seeds if all(not i.input for i in x.instances)) == 50


def test_corrupt_line_refused_with_line_number_and_nothing_imported(pool, tmp_path):
    lines = PUBLIC_SEEDS.read_text(encoding="utf-8").splitlines()
    lines[41] = lines[41][:-10]  # cut line 42 short
    bad = write(tmp_path / "bad.jsonl", lines)
    with pytest.raises(InputError) as info:
        import_seed_file(pool, bad)
    assert info.value.line == 42
    assert "bad.jsonl, line 42" in str(info.value)
    assert "not valid JSON" in str(info.value)
    assert pool.count_seeds() == 0


def test_skip_bad_imports_the_rest(pool, tmp_path):
    f = write(tmp_path / "s.jsonl", [
        json.dumps({"instruction": "Name a colour of the sky at noon.",
                    "instances": [{"input": "", "output": "Blue"}]}),
        "{not json",
        json.dumps({"instruction": "", "instances": []}),
        json.dumps({"instruction": "Add the numbers.", "instances": [{"input": "2 3"}]}),
    ])
    s = import_seed_file(pool, f, skip_bad=True)
    assert s.imported == 1
    assert [e.line for e in s.bad] == [2, 3, 4]
    assert s.bad[1].field == "instruction"
    assert s.bad[2].field == "instances[0].output"


@pytest.mark.parametrize("obj, field", [
    ([1, 2], ""),
    ({"instances": []}, "instruction"),
    ({"instruction": 5, "instances": []}, "instruction"),
    ({"instruction": "x y z w", "instances": {"input": ""}}, "instances"),
    ({"instruction": "x y z w", "instances": ["a"]}, "instances[0]"),
    ({"instruction": "x y z w", "instances": [{"input": 3, "output": "o"}]},
     "instances[0].input"),
    ({"instruction": "x y z w", "instances": [], "is_classification": "yes"},
     "is_classification"),
    ({"instruction": "x y z w", "instances": [], "name": ["n"]}, "name"),
])
def test_bad_fields_named(pool, tmp_path, obj, field):
    f = write(tmp_path / "s.jsonl", [json.dumps(obj)])
    with pytest.raises(InputError) as info:
        import_seed_file(pool, f)
    assert info.value.field == field
    assert info.value.line == 1


def test_optional_and_extra_fields_tolerated(pool, tmp_path):
    f = write(tmp_path / "s.jsonl", [
        json.dumps({"instruction": "Give a synonym for happy.",
                    "instances": [{"input": "", "output": "glad"}], "extra": {"x": 1}}),
        "",
        json.dumps({"id": 7, "instruction": "Is 7 prime?", "is_classification": True,
                    "instances": [{"output": "Yes"}]}),
    ])
    s = import_seed_file(pool, f)
    assert s.imported == 2
    seeds = pool.list_seeds()
    assert seeds[0].name == "" and seeds[0].is_classification is False
    assert seeds[1].key == "7" and seeds[1].instances[0].input == ""


def test_missing_file_and_not_utf8(pool, tmp_path):
    with pytest.raises(InputError, match="no such file"):
        import_seed_file(pool, tmp_path / "nope.jsonl")
    f = tmp_path / "latin.jsonl"
    f.write_bytes(b'{"instruction": "caf\xe9 au lait", "instances": []}\n')
    with pytest.raises(InputError, match="UTF-8"):
        import_seed_file(pool, f)
    assert pool.count_seeds() == 0


def test_reimport_skips_duplicates(pool):
    import_seed_file(pool, PUBLIC_SEEDS)
    again = import_seed_file(pool, PUBLIC_SEEDS)
    assert again.imported == 0 and again.duplicates == 175
    assert pool.count_seeds() == 175


def test_export_round_trip(pool, tmp_path):
    import_seed_file(pool, PUBLIC_SEEDS)
    buf = io.StringIO()
    assert export_seeds(pool, buf) == 175
    out = tmp_path / "out.jsonl"
    out.write_text(buf.getvalue(), encoding="utf-8")
    original = [json.loads(x) for x in PUBLIC_SEEDS.read_text().splitlines()]
    exported = [json.loads(x) for x in out.read_text().splitlines()]
    assert exported == original
    assert [s.as_seed_dict() for s in parse_seed_file(out)] == original


def test_default_seed_set_shipped_and_loaded_once(pool):
    shipped = parse_seed_file(seeds_dir() / "self_instruct_seeds.jsonl")
    assert len(shipped) >= 40
    assert sum(s.is_classification for s in shipped) >= 10
    assert sum(1 for s in shipped if any(i.input for i in s.instances)) >= 10
    assert ensure_default_seeds(pool) is True
    assert pool.count_seeds() == len(shipped)
    assert len(pool.topics()) >= 50
    assert len(pool.problems()) >= 40
    assert {t.source for t in pool.topics()} == {p.source for p in pool.problems()} == {"default"}
    assert all(p.answer for p in pool.problems())
    # never again, even after the person deletes every seed
    for s in pool.list_seeds():
        pool.delete_seed(s.id)
    pool.start_run("self-instruct", "x", "m", RunOptions(), {}, 1)
    assert ensure_default_seeds(pool) is False
    assert pool.count_seeds() == 0


def test_export_for_a_terminal_escapes_controls_but_parses_the_same(pool):
    pool.add_seeds([SeedTask("Say \x9b2J and \u202eevil 你好", [])])
    buf = io.StringIO()
    export_seeds(pool, buf, terminal=True)
    text = buf.getvalue()
    assert "\x9b" not in text and "\u202e" not in text and "你好" in text
    assert json.loads(text)["instruction"] == "Say \x9b2J and \u202eevil 你好"

"""Every command that reads or writes dataset files: same forms in, no silent loss, inert on
a terminal, through symlinks, and one sentence when the disk is full."""

from __future__ import annotations

import errno
import io
import json
import os
import sys
from pathlib import Path

import pytest

from synthstudio.boundary import files as fileio
from synthstudio.cli import main
from synthstudio.datasets.seeds import import_seed_file
from synthstudio.errors import InputError
from synthstudio.store import Pool

RISKY = "a\u009b31mb\u202ec\u2028d\u0085e"  # CSI (C1), bidi override, line separators


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def lines(*rows: object) -> str:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n"


# -- seeds: no silent loss -----------------------------------------------------------------

def test_alpaca_records_become_seed_tasks_with_their_instance(pool, tmp_path):
    src = write(tmp_path / "alpaca.jsonl", lines(
        {"instruction": "Add the numbers.", "input": "2 3", "output": "5"},
        {"instruction": "Name a primary colour.", "input": "", "output": "Red"}))
    s = import_seed_file(pool, src)
    assert s.imported == 2
    seeds = pool.list_seeds()
    assert [(x.instruction, [(i.input, i.output) for i in x.instances]) for x in seeds] == [
        ("Add the numbers.", [("2 3", "5")]), ("Name a primary colour.", [("", "Red")])]


def test_chat_records_become_seed_tasks(pool, tmp_path):
    src = write(tmp_path / "chat.jsonl", lines(
        {"conversations": [{"from": "human", "value": "Say hi."},
                           {"from": "gpt", "value": "Hi."}]},
        {"messages": [{"role": "user", "content": "Say bye."},
                      {"role": "assistant", "content": "Bye."}]}))
    import_seed_file(pool, src)
    assert [(x.instruction, x.instances[0].output) for x in pool.list_seeds()] == [
        ("Say hi.", "Hi."), ("Say bye.", "Bye.")]


@pytest.mark.parametrize("record, field", [
    ({"instruction": "x y z", "instances": [], "output": "lost"}, "output"),
    ({"instruction": "x y z", "output": "o", "system": "Be terse."}, "system"),
    ({"conversations": [{"from": "human", "value": "a"}, {"from": "gpt", "value": "b"},
                        {"from": "human", "value": "c"}, {"from": "gpt", "value": "d"}]},
     "conversations"),
])
def test_what_a_seed_cannot_hold_is_refused_with_the_field(pool, tmp_path, record, field):
    src = write(tmp_path / "s.jsonl", lines(record))
    with pytest.raises(InputError) as info:
        import_seed_file(pool, src)
    assert info.value.field == field and info.value.line == 1
    assert pool.count_seeds() == 0


def test_repeated_seed_ids_are_made_unique_and_said(pool, tmp_path, capsys):
    src = write(tmp_path / "s.jsonl", lines(
        {"id": "seed_task_0", "instruction": "First task here.", "instances": []},
        {"id": "seed_task_0", "instruction": "Second task here.", "instances": []},
        {"id": "seed_task_0", "instruction": "Third task here.", "instances": []}))
    s = import_seed_file(pool, src)
    assert [x.key for x in pool.list_seeds()] == ["seed_task_0", "seed_task_0_2",
                                                  "seed_task_0_3"]
    assert "2 repeated ids made unique" in s.notes[0] and "line 2" in s.notes[0]
    out = io.StringIO()
    from synthstudio.datasets.seeds import export_seeds

    export_seeds(pool, out)
    ids = [json.loads(x)["id"] for x in out.getvalue().splitlines()]
    assert len(ids) == len(set(ids)) == 3


@pytest.mark.parametrize("command", ["seeds", "topics", "problems"])
def test_bom_arrays_and_surrogates_are_read_by_every_importer(tmp_path, capsys, command):
    row = {"seeds": {"instruction": "Say \ud800 twice.", "instances": []},
           "topics": {"topic": "The \ud800 of rivers"},
           "problems": {"problem": "What is \ud800 2+2?", "answer": "4"}}[command]
    src = tmp_path / "in.json"
    src.write_bytes(b"\xef\xbb\xbf" + json.dumps([row]).encode())
    db = str(tmp_path / "p.db")
    assert main([command, "import", str(src), "--db", db]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert main([command, "export", "--db", db]) == 0
    assert "\ufffd" in capsys.readouterr().out


def test_invalid_utf8_in_a_seed_file_names_the_line(pool, tmp_path):
    src = tmp_path / "s.jsonl"
    src.write_bytes(lines({"instruction": "A fine task.", "instances": []}).encode()
                    + b'{"instruction": "bad \xff"}\n')
    with pytest.raises(InputError, match=r"s\.jsonl, line 2: is not valid UTF-8"):
        import_seed_file(pool, src)


# -- round trips and terminals ------------------------------------------------------------

@pytest.mark.parametrize("command, row", [
    ("topics", {"topic": f"Rivers {RISKY}", "field": "geo", "extract": ""}),
    ("problems", {"id": "p1", "problem": f"Add {RISKY}", "answer": "4", "kind": ""}),
    ("seeds", {"id": "s1", "name": "n", "instruction": f"Say {RISKY}",
               "instances": [{"input": "", "output": RISKY}], "is_classification": False}),
])
def test_exports_round_trip_and_are_inert_on_a_terminal(tmp_path, monkeypatch, capsys,
                                                        command, row):
    db = str(tmp_path / "p.db")
    src = write(tmp_path / "in.jsonl", lines(row))
    assert main([command, "import", str(src), "--db", db]) == 0
    out = tmp_path / "out.jsonl"
    assert main([command, "export", "-o", str(out), "--db", db]) == 0
    again = tmp_path / "again.db"
    assert main([command, "import", str(out), "--db", str(again)]) == 0  # U+2028 survives
    capsys.readouterr()
    term = Terminal()
    monkeypatch.setattr(sys, "stdout", term)
    assert main([command, "export", "--db", db]) == 0
    shown = term.getvalue()
    for ch in "\u009b\u202e\u2028\u0085":
        assert ch not in shown
    assert "\\u009b" in shown and "\\u2028" in shown
    exported = [json.loads(x) for x in shown.splitlines() if x.startswith("{")]
    assert any(RISKY in json.dumps(e, ensure_ascii=False) for e in exported)


def test_pool_export_to_stdout_with_dash(tmp_path, capsys):
    db = str(tmp_path / "p.db")
    src = write(tmp_path / "a.jsonl", lines(
        {"instruction": "Give three tips for staying healthy.", "input": "",
         "output": "Eat well, sleep, move."}))
    assert main(["import", str(src), "--status", "accepted", "--db", db]) == 0
    capsys.readouterr()
    assert main(["export", "--format", "alpaca", "-o", "-", "--db", db]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out.splitlines()[0])["output"] == "Eat well, sleep, move."
    assert "1 lines" in captured.err


# -- symlinks and full disks ---------------------------------------------------------------

def _pool_with_items(db: Path) -> None:
    with Pool(db) as pool:
        from synthstudio.datasets.importer import import_file

        src = db.parent / "items.jsonl"
        write(src, lines({"instruction": "Name a colour of the sky.", "input": "",
                          "output": "Blue."},
                         {"instruction": "Name a colour of grass.", "input": "",
                          "output": "Green."}))
        import_file(pool, src, status="accepted")


@pytest.mark.parametrize("command", ["export", "dedup", "clean", "seeds-export"])
def test_outputs_are_written_through_a_symlink(tmp_path, command):
    db = tmp_path / "p.db"
    _pool_with_items(db)
    real = tmp_path / "real" / "out.jsonl"
    real.parent.mkdir()
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    args = {"export": ["export", "--format", "alpaca"],
            "dedup": ["dedup", str(tmp_path / "items.jsonl")],
            "clean": ["clean", str(tmp_path / "items.jsonl")],
            "seeds-export": ["seeds", "export"]}[command]
    assert main([*args, "-o", str(link), "--db", str(db)]) == 0
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") != "old\n"
    assert [p.name for p in real.parent.iterdir()] == ["out.jsonl"]


@pytest.mark.parametrize("command", ["seeds-export", "dedup", "export", "check"])
def test_a_full_disk_is_one_sentence_and_keeps_the_old_file(tmp_path, monkeypatch, capsys,
                                                           command):
    db = tmp_path / "p.db"
    _pool_with_items(db)
    out = tmp_path / "out.jsonl"
    out.write_text("kept\n", encoding="utf-8")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(fileio.os, "fsync", full)
    args = {"seeds-export": ["seeds", "export"],
            "dedup": ["dedup", str(tmp_path / "items.jsonl")],
            "export": ["export", "--format", "alpaca"],
            "check": ["check", str(tmp_path / "items.jsonl")]}[command]
    assert main([*args, "-o", str(out), "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert f"Cannot write {out}: no space left on device." in err.replace("\n", " ")
    assert "Free some disk space" in err and "Traceback" not in err
    assert out.read_text(encoding="utf-8") == "kept\n"


# -- deep nesting and huge lines in dedup and clean ----------------------------------------

@pytest.mark.parametrize("command", ["dedup", "clean"])
def test_deep_nesting_is_one_sentence(tmp_path, capsys, command):
    src = write(tmp_path / "deep.jsonl", "[" * 100_000 + "\n")
    assert main([command, str(src), "-o", str(tmp_path / "o.jsonl")]) == 1
    err = capsys.readouterr().err
    assert "line 1: nested too deeply to read" in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["dedup", "clean"])
def test_a_record_over_the_limit_is_refused_with_file_and_line(tmp_path, capsys, command):
    src = write(tmp_path / "big.jsonl", lines({"instruction": "fine"},
                                              {"instruction": "x" * 5000}))
    assert main([command, str(src), "-o", str(tmp_path / "o.jsonl"),
                 "--max-field", "1000"]) == 1
    err = capsys.readouterr().err.replace("\n", " ")
    assert "big.jsonl, line 2, field 'instruction': is 5,000 characters, over the limit" in err


def test_dedup_replaces_a_lone_surrogate_and_says_so(tmp_path, capsys):
    src = write(tmp_path / "s.jsonl", '{"instruction": "Say \\ud800 twice please."}\n'
                '{"instruction": "Name three rivers of Europe."}\n')
    out = tmp_path / "o.jsonl"
    assert main(["dedup", str(src), "-o", str(out)]) == 0
    assert "replaced 1 lone surrogate" in capsys.readouterr().err
    kept = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert kept[0]["instruction"] == "Say \ufffd twice please."

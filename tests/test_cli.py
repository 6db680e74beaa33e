"""The command line: seeds, pool stats, errors as one sentence."""

from __future__ import annotations

import json

import pytest

from synthstudio.cli import main
from tests.conftest import PUBLIC_SEEDS


def test_seeds_import_list_export(tmp_path, capsys):
    db = str(tmp_path / "p.db")
    assert main(["seeds", "import", str(PUBLIC_SEEDS), "--db", db]) == 0
    out = capsys.readouterr().out
    assert "Imported 175 seed tasks (26 classification)" in out
    assert main(["seeds", "list", "--db", db, "--search", "breakfast"]) == 0
    assert "1 seed tasks" in capsys.readouterr().out
    target = tmp_path / "seeds.jsonl"
    assert main(["seeds", "export", "-o", str(target), "--db", db]) == 0
    # the default seeds were loaded on first start, then the public ones on top
    assert len(target.read_text().splitlines()) > 175


def test_bad_seed_file_one_sentence_exit_1(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"instruction": "ok ok ok ok", "instances": []}\n{"oops"\n')
    assert main(["seeds", "import", str(bad), "--db", str(tmp_path / "p.db")]) == 1
    err = capsys.readouterr().err
    assert "bad.jsonl, line 2: not valid JSON" in err
    assert "Traceback" not in err


def test_pool_stats_json(tmp_path, capsys):
    db = str(tmp_path / "p.db")
    assert main(["pool", "stats", "--json", "--db", db]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["db", "seeds", "counts", "by_recipe", "rejected_by_reason",
                          "accepted_instances", "runs"]
    assert data["counts"] == {"proposed": 0, "accepted": 0, "rejected": 0}
    assert data["seeds"] >= 40 and data["runs"] == 0 and data["db"] == db


def test_pool_stats_record(pool) -> None:
    from synthstudio.records import ACCEPTED, REJECTED, Candidate, Instance, PoolStats

    pool.add_candidate(Candidate("self-instruct", "Say hi.", instances=[Instance("", "hi")],
                                 status=ACCEPTED))
    pool.add_candidate(Candidate("textbook", text="x", status=REJECTED, reason="filter:short"))
    stats = pool.stats()
    assert isinstance(stats, PoolStats) and stats.db == str(pool.path)
    assert stats.counts == {"proposed": 0, "accepted": 1, "rejected": 1}
    assert stats.by_recipe["textbook"] == {"proposed": 0, "accepted": 0, "rejected": 1}
    assert stats.rejected_by_reason == {"filter:short": 1}
    assert (stats.accepted_instances, stats.runs) == (1, 0)


def test_db_from_environment(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SYNTHSTUDIO_DB", str(tmp_path / "env.db"))
    assert main(["pool", "stats"]) == 0
    assert (tmp_path / "env.db").exists()


def test_unknown_candidate(tmp_path, capsys):
    assert main(["pool", "show", "42", "--db", str(tmp_path / "p.db")]) == 1
    assert "no candidate #42" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["pool", "show", "99999999999999999999999"],
                                  ["pool", "accept", "1", "99999999999999999999999"],
                                  ["pool", "reject", "-3"]])
def test_candidate_ids_sqlite_cannot_hold_are_one_sentence(tmp_path, capsys, argv):
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--db", str(tmp_path / "p.db")])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "is not a candidate id (ids run from 1 to 9223372036854775807)" in err
    assert "Traceback" not in err and "OverflowError" not in err


def test_an_unknown_recipe_is_refused_before_anything_opens(tmp_path, capsys):
    db = tmp_path / "p.db"
    with pytest.raises(SystemExit) as exit_:
        main(["generate", "--recipe", "nope", "--count", "1", "--db", str(db)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    # argparse's own sentence, which names the flag and every recipe (its quoting of the
    # choices differs between Python versions)
    assert "--recipe" in err and "nope" in err
    assert all(name in err for name in ("self-instruct", "textbook", "reasoning"))
    assert not db.exists()  # no backend opened, no pool made

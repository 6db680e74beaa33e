"""What the judge's scores change downstream: the report's histogram, export --min-score."""

from __future__ import annotations

import json

from synthstudio.cli import main
from synthstudio.datasets.report import build_report
from synthstudio.records import Candidate, Instance, JudgeScore
from synthstudio.store import Pool


def scored_pool(db) -> dict[int, float | None]:
    want: dict[int, float | None] = {}
    with Pool(db) as pool:
        for i, score in enumerate([5.0, 4.5, 4.0, 2.0, None, 0.5]):
            cid = pool.add_candidate(Candidate("self-instruct", f"Task {i}.",
                                               [Instance("", f"out {i}")], status="accepted"))
            pool.save_score(JudgeScore(cid, score, raw="x"))
            want[cid] = score
        pool.add_candidate(Candidate("self-instruct", "Never judged.", [Instance("", "o")],
                                     status="accepted"))
    return want


def test_export_min_score_keeps_what_passes(tmp_path, capsys):
    db, out = tmp_path / "p.db", tmp_path / "o.jsonl"
    scored_pool(db)
    assert main(["export", "-f", "alpaca", "-o", str(out), "--min-score", "4.5",
                 "--db", str(db)]) == 0
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x["instruction"] for x in lines] == ["Task 0.", "Task 1."]
    assert main(["export", "-f", "alpaca", "-o", str(out), "--db", str(db)]) == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 7
    capsys.readouterr()
    assert main(["export", "-f", "alpaca", "-o", str(out), "--min-score", "7",
                 "--db", str(db)]) == 1
    assert "--min-score" in capsys.readouterr().err


def test_report_shows_the_score_histogram(tmp_path, capsys):
    db = tmp_path / "p.db"
    scored_pool(db)
    with Pool(db) as pool:
        data = build_report(pool)
    hist = dict(zip(data.judge.labels, data.judge.series["items"], strict=True))
    assert hist["5"] == hist["4.5"] == hist["4"] == hist["2"] == hist["0.5"] == 1
    assert hist["unscored"] == 1 and data.judge.total == 6
    assert main(["report", "--db", str(db), "--html", str(tmp_path / "r.html")]) == 0
    assert "Judge scores (0-5)" in capsys.readouterr().out
    assert "Judge scores (0-5)" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_pool_show_has_the_score_and_an_unscored_reply(tmp_path, capsys):
    db = tmp_path / "p.db"
    with Pool(db) as pool:
        cid = pool.add_candidate(Candidate("self-instruct", "Task.", [Instance("", "o")]))
        pool.save_score(JudgeScore(cid, None, "", "no idea \x1b[31m", "judge:7b", "ollama",
                                   "abc"))
    assert main(["pool", "show", str(cid), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "judge unscored" in out and "no idea ␛[31m" in out and "judge:7b" in out
    assert main(["pool", "show", str(cid), "--json", "--db", str(db)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["judge"]["raw"].startswith("no idea") and shown["judge"]["score"] is None

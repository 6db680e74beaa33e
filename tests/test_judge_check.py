"""``synthstudio check FILE --judge``: the judge rates a file's records without importing
them, against stand-in Ollama and vLLM servers on loopback."""

from __future__ import annotations

import json
import socket

import pytest

from synthstudio.cli import main
from synthstudio.store import Pool
from tests.judge_standins import MODEL, JudgeOllama, JudgeOpenAI

RECORDS = [
    {"instruction": "Name three rivers of Europe (rate 5).", "input": "",
     "output": "The Danube, the Rhine and the Loire."},
    {"instruction": "Give a synonym of happy (rate 2).", "input": "",
     "output": "Glad."},
    {"instruction": "Add the two numbers (rate 4.5).", "input": "2 and 3",
     "output": "5"},
]


def dataset(tmp_path, records=RECORDS, bad_line: bool = True):
    path = tmp_path / "data.jsonl"
    lines = [json.dumps(r) for r in records]
    if bad_line:
        lines.insert(1, "{not json")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def verdicts(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def dead_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.parametrize("standin", [JudgeOllama, JudgeOpenAI])
def test_check_judge_rates_every_readable_record_and_imports_nothing(tmp_path, capsys,
                                                                     standin):
    src, out, db = dataset(tmp_path), tmp_path / "verdicts.jsonl", tmp_path / "p.db"
    backend = "ollama" if standin is JudgeOllama else "openai"
    flag = "--host" if standin is JudgeOllama else "--base-url"
    with standin() as server:
        assert main(["check", str(src), "-o", str(out), "--judge", "--backend", backend,
                     flag, server.url, "--model", MODEL, "--db", str(db)]) == 0
        assert server.judged == 3
    lines = verdicts(out)
    assert [v["index"] for v in lines] == [0, 1, 2, 3]
    assert lines[1]["failed"] == ["unreadable"] and lines[1]["judge"] is None
    got = [(v["judge"]["score"], v["judge"]["passed"]) for v in (lines[0], *lines[2:])]
    assert got == [(5.0, True), (2.0, False), (4.5, True)]
    assert "Rated 5 by the stand-in." in lines[0]["judge"]["reason"]
    # not a gate: the judge's rating does not flag a record
    assert lines[2]["passed"] and "judge" not in lines[2]["failed"]
    text = capsys.readouterr().out
    assert "judge: 3 rated, mean 3.83, 2 at or above 4.5, 0 unscored." in text
    with Pool(db) as pool:  # nothing imported, nothing stored
        assert pool.query("SELECT count(*) AS n FROM candidates")[0]["n"] == 0
        assert pool.query("SELECT count(*) AS n FROM judge_scores")[0]["n"] == 0


def test_lines_stay_in_input_order_with_many_requests_in_flight(tmp_path):
    records = [{"instruction": f"Task number {i} (rate {i % 6})", "input": "",
                "output": f"The answer to task {i}."} for i in range(40)]
    src, out = dataset(tmp_path, records, bad_line=False), tmp_path / "v.jsonl"
    with JudgeOllama(delay=0.05) as ol:
        assert main(["check", str(src), "-o", str(out), "--judge", "--backend", "ollama",
                     "--host", ol.url, "--model", MODEL, "--concurrency", "8",
                     "--db", str(tmp_path / "p.db")]) == 0
        assert ol.most_in_flight >= 2
    lines = verdicts(out)
    assert [v["index"] for v in lines] == list(range(40))
    assert [v["judge"]["score"] for v in lines] == [float(i % 6) for i in range(40)]


def test_a_gating_judge_flags_what_it_did_not_pass(tmp_path, capsys):
    src, out = dataset(tmp_path, bad_line=False), tmp_path / "v.jsonl"
    config = tmp_path / "config.toml"
    config.write_text("[judge]\ngate = true\nthreshold = 4.5\n", encoding="utf-8")
    with JudgeOllama() as ol:
        assert main(["check", str(src), "-o", str(out), "--judge", "--backend", "ollama",
                     "--host", ol.url, "--model", MODEL, "--config", str(config),
                     "--db", str(tmp_path / "p.db")]) == 0
    lines = verdicts(out)
    assert [v["passed"] for v in lines] == [True, False, True]
    assert lines[1]["failed"] == ["judge"]
    text = capsys.readouterr().out
    assert "3 records: 2 passed, 1 flagged" in text


def test_a_judge_server_that_is_down_is_one_sentence_and_writes_nothing(tmp_path, capsys):
    src, out = dataset(tmp_path), tmp_path / "v.jsonl"
    url = f"http://127.0.0.1:{dead_port()}/v1"
    assert main(["check", str(src), "-o", str(out), "--judge", "--backend", "openai",
                 "--base-url", url, "--model", MODEL, "--db", str(tmp_path / "p.db")]) == 1
    err = capsys.readouterr().err
    assert "No OpenAI-compatible server answers" in err and "Traceback" not in err
    assert not out.exists()  # a verdict file with holes would read as a clean one
    assert main(["check", str(src), "-o", str(out), "--judge", "--backend", "ollama",
                 "--host", f"127.0.0.1:{dead_port()}", "--model", MODEL,
                 "--db", str(tmp_path / "p.db")]) == 1
    assert "Ollama is not running" in capsys.readouterr().err
    assert not out.exists()


def test_check_without_judge_asks_no_model(tmp_path):
    src, out = dataset(tmp_path), tmp_path / "v.jsonl"
    assert main(["check", str(src), "-o", str(out), "--db", str(tmp_path / "p.db")]) == 0
    assert all("judge" not in v for v in verdicts(out))

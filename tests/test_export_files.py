"""Export files that training tools load: stable provenance types, alpaca's system column,
LLaMA-Factory's dataset_info.json, and the import -> curate -> export round trip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from synthstudio.cli import main
from synthstudio.datasets.export import export
from synthstudio.datasets.importer import import_file
from synthstudio.records import ACCEPTED, Candidate, FilterResult, Instance
from synthstudio.store import Pool


def _generated(pool: Pool) -> None:
    """Items whose filter results hold every kind of value a filter gives."""
    scores = [FilterResult("words", True, 12, "4..150"),
              FilterResult("blacklist", True, "none", "no match"),
              FilterResult("rouge_l", True, 0.31, 0.7, "", {"nearest": [["a task", 0.31]]}),
              FilterResult("bad_start", False, None, None, "empty"),
              FilterResult("flagged", True, True, False)]
    pool.add_candidate(Candidate(
        recipe="self-instruct", instruction="List three fruits.",
        instances=[Instance("", "Apple, pear, plum.")], status=ACCEPTED, scores=scores,
        provenance={"model": "m", "backend": "ollama",
                    "options": {"temperature": 0.7, "seed": 1}}))
    pool.add_candidate(Candidate(
        recipe="reasoning", instruction="2+2?", thinking="two and two", answer="4",
        status=ACCEPTED, scores=[FilterResult("accuracy", True, "4", "4"),
                                 FilterResult("length", True, 120.5, 4000)]))


def _types(value: Any, path: str, out: dict[str, set[str]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _types(v, f"{path}.{k}", out)
    elif isinstance(value, list):
        for v in value:
            _types(v, f"{path}[]", out)
    elif value is not None:
        kind = {bool: "bool", int: "number", float: "number", str: "text"}[type(value)]
        out.setdefault(path, set()).add(kind)


def _imported(pool: Pool, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"instruction": "Name a colour.", "input": "No input",
                               "output": "Blue."}) + "\n", encoding="utf-8")
    import_file(pool, src, status=ACCEPTED)
    for c in pool.candidates(status="proposed"):
        pool.set_status(c.id or 0, ACCEPTED)


@pytest.mark.parametrize("fmt", ["alpaca", "sharegpt", "messages"])
def test_every_provenance_field_has_one_type_across_rows(pool, tmp_path, fmt):
    _generated(pool)
    _imported(pool, tmp_path)
    out = tmp_path / "p.jsonl"
    export(pool, fmt, out, with_provenance=True)
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 3
    kinds: dict[str, set[str]] = {}
    for row in rows:
        _types(row, "", kinds)
    mixed = {p: k for p, k in kinds.items() if len(k) > 1}
    assert mixed == {}


def test_provenance_export_loads_with_datasets(pool, tmp_path):
    datasets = pytest.importorskip("datasets")
    _generated(pool)
    _imported(pool, tmp_path)
    out = tmp_path / "p.jsonl"
    export(pool, "alpaca", out, with_provenance=True)
    ds = datasets.load_dataset("json", data_files=str(out), split="train",
                               cache_dir=str(tmp_path / "cache"))
    assert ds.num_rows == 3
    assert ds[0]["provenance"]["scores"][2]["score"] == pytest.approx(0.31)


def test_system_applies_to_alpaca(pool, tmp_path):
    _generated(pool)
    out = tmp_path / "a.jsonl"
    export(pool, "alpaca", out, system="You are terse.")
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["system"] for r in rows] == ["You are terse.", "You are terse."]
    export(pool, "alpaca", out)
    assert "system" not in json.loads(out.read_text(encoding="utf-8").splitlines()[0])


@pytest.mark.parametrize("fmt, formatting", [("alpaca", None), ("sharegpt", "sharegpt"),
                                             ("messages", "sharegpt")])
def test_dataset_info_entry_is_written_beside_the_file(tmp_path, capsys, fmt, formatting):
    db = tmp_path / "p.db"
    with Pool(db) as pool:
        _generated(pool)
    data = tmp_path / "data"
    data.mkdir()
    (data / "dataset_info.json").write_text(json.dumps({"other": {"file_name": "o.json"}}),
                                            encoding="utf-8")
    out = data / "mine.jsonl"
    assert main(["export", "--format", fmt, "-o", str(out), "--system", "Be terse.",
                 "--dataset-info", "--db", str(db)]) == 0
    info = json.loads((data / "dataset_info.json").read_text(encoding="utf-8"))
    assert info["other"] == {"file_name": "o.json"}  # other entries kept
    entry = info["mine"]
    assert entry["file_name"] == "mine.jsonl"
    assert entry.get("formatting") == formatting
    if fmt == "alpaca":
        assert entry["columns"] == {"prompt": "instruction", "query": "input",
                                    "response": "output", "system": "system"}
    else:
        first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
        turns = first[entry["columns"]["messages"]]
        tags = entry["tags"]
        assert [t[tags["role_tag"]] for t in turns] == [
            tags["system_tag"], tags["user_tag"], tags["assistant_tag"]]
    assert main(["export", "--format", "self-instruct", "-o", str(tmp_path / "s.jsonl"),
                 "--dataset-info", "--db", str(db)]) == 1
    assert "no LLaMA-Factory entry" in capsys.readouterr().err


def test_import_curate_export_round_trip(tmp_path):
    """An Alpaca file and a ShareGPT file go in, are curated, and come out again."""
    db = str(tmp_path / "p.db")
    alpaca = [{"instruction": "Give three tips for staying healthy.", "input": "",
               "output": "Eat well, sleep enough, move every day."},
              {"instruction": "Translate the sentence into French.",
               "input": "Good morning.", "output": "Bonjour."},
              {"instruction": "Draw a logo for my company.", "input": "",
               "output": "As an AI language model, I cannot draw."}]
    src = tmp_path / "alpaca.json"
    src.write_text(json.dumps(alpaca, indent=2), encoding="utf-8")
    chat = {"conversations": [{"from": "human", "value": "用一句话介绍长城。"},
                              {"from": "gpt", "value": "长城是中国古代修建的防御工程。"}]}
    sg = tmp_path / "chat.jsonl"
    sg.write_text(json.dumps(chat, ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["import", str(src), "--db", db]) == 0
    assert main(["import", str(sg), "--db", db]) == 0
    with Pool(db) as pool:
        items = pool.candidates(status="proposed")
        assert len(items) == 4
        flagged = [c for c in items if not c.passed]
        assert [c.instruction for c in flagged] == ["Draw a logo for my company."]
        for c in items:  # the person's decisions
            pool.set_status(c.id or 0, "rejected" if c in flagged else ACCEPTED)
    out = tmp_path / "out.jsonl"
    assert main(["export", "--format", "alpaca", "-o", str(out), "--db", db]) == 0
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert rows == [*alpaca[:2], {"instruction": chat["conversations"][0]["value"],
                                  "input": "", "output": chat["conversations"][1]["value"]}]
    out2 = tmp_path / "out2.jsonl"
    assert main(["export", "--format", "sharegpt", "-o", str(out2), "--db", db]) == 0
    last = json.loads(out2.read_text(encoding="utf-8").splitlines()[-1])
    assert last == chat

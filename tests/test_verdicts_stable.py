"""Speed work on ``check`` and ``import`` keeps every verdict and every stored item.

A varied file (every labelled defect example, the 175 seed tasks with several instances,
chat formats, noise of each kind in each field, tasks that ask for the noise, bad records)
is checked and imported; each verdict line, as written, and each stored item (its row,
provenance and instances, without the timestamps and the source path) must hash to the
digest recorded in ``tests/data/verdicts_golden.json``.

A deliberate change to a filter changes digests: look at the records named in the failure,
and when every difference is meant, write the digests again with
``./run python tests/test_verdicts_stable.py --write`` and commit them with the change.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

from synthstudio.datasets.check import check_file
from synthstudio.datasets.importer import import_file
from synthstudio.store import Pool

DATA = Path(__file__).parent / "data"
GOLDEN = DATA / "verdicts_golden.json"


def _rows_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _noise_texts(rng: random.Random) -> list[tuple[str, str]]:
    """(task, text) pairs with noise of each kind, and tasks that ask for it."""
    words = ("the cat sat on a mat while rain fell over old stone walls and people "
             "talked about time water light energy").split()
    prose = " ".join(rng.choice(words) for _ in range(40)) + "."
    out: list[tuple[str, str]] = []
    for k in (2, 3, 4, 5, 8, 12):
        out.append(("Describe the weather.", "It rains. " + "I am here now. " * k + prose))
        out.append(("重复这句话。" if k % 2 else "写一段话。", "今天天气很好" * k + "。"))
        out.append(("Repeat after me.", "la la la " * k))
    out += [
        ("Describe a cat.", "The cat is asdfghjkl and qwrtzpsdfg very cute."),
        ("Make a strong password.", "xkqzvbnmwr"),
        ("Explain tea.", "CafÃ© and naÃ¯ve text â€™ broken \ufffd encoding."),
        ("Fix the encoding.", "CafÃ© latin-1 garble"),
        ("Describe a party.", "Party time 🎉🎉🎉🎉🎉🎉 yes 😀"),
        ("Write a tweet with emoji.", "Great day 😀😀😀😀😀😀"),
        ("Describe a shoe.", "Buy now!\nFree shipping on all orders.\nClick here."),
        ("Write a cookie banner for a website.", "We use cookies. Accept all cookies."),
        ("Summarize the article.", "<p>Hello</p><br/><b>bold</b><div>x</div> &amp;"),
        ("Write an HTML page.", "<html><body><h1>Hi</h1><p>Text</p></body></html>"),
        ("Explain code.", "Use `<b>` like this:\n```\n<div><p>x</p></div>\n```\nDone."),
        ("Powered by what?", "This blog is proudly powered by WordPress.\nAll rights reserved."),
        ("写一个网页。", "<div>网页</div><p>内容</p><span>更多</span>"),
        ("", "1. Step one\n2. Step two\n## \n18. Instruction: do more\nOutput: x"),
        ("List three fruits.", "| a | b |\n|---|---|\n| 1 | 2 |\n| 1 | 2 |\n| 1 | 2 |\n"
         "| 1 | 2 |\n| 1 | 2 |"),
    ]
    return out


def varied_rows() -> list[Any]:
    """The records of the varied file, in order (deterministic)."""
    rng = random.Random(14)
    rows: list[Any] = []
    for path in sorted((DATA / "defects").glob("*.jsonl")):
        rows += _rows_of(path)
    rows += _rows_of(DATA / "self_instruct_seed_tasks.jsonl")
    for task, text in _noise_texts(rng):
        rows.append({"instruction": task or "Answer.", "input": "", "output": text})
        rows.append({"instruction": task or "Answer.", "input": text, "output": "Done."})
        rows.append({"instruction": text, "input": "", "output": "Fine."})
    chats = rows[::7]
    for n, r in enumerate(chats):
        inst = r.get("instruction", "")
        out = r.get("output") or (r.get("instances") or [{"output": "x"}])[0]["output"]
        if n % 2:
            turns = ([{"from": "system", "value": "Be brief."}] if n % 3 == 0 else [])
            rows.append({"conversations": turns + [{"from": "human", "value": inst},
                                                   {"from": "gpt", "value": out}]})
        else:
            reply: dict[str, Any] = {"role": "assistant", "content": out}
            if n % 4 == 0:
                reply["reasoning_content"] = "Think first. " * 3
            rows.append({"messages": [{"role": "user", "content": inst}, reply]})
    rows += [{"instruction": "List the steps.", "input": "", "output": "Here are the steps:"},
             {"instruction": "Complete the analogy.", "input": "Instability : Turmoil :: "
              "Change :", "output": "Revolution"}]
    rows += ["not an object", {"instruction": "No output key"}, {"output": "no instruction"},
             {"instruction": "A number.", "input": 1, "output": 2}]
    verbs = ["Explain", "Describe", "List", "Write", "Translate"]
    for i in range(200):  # like the benchmark's records
        out = " ".join(rng.choice(("the a of to and is in that it for on with as was by "
                                   "answer result example water energy light").split())
                       for _ in range(rng.randint(8, 120))) + "."
        if i % 50 == 0:
            out = "As an AI language model, I cannot do that."
        if i % 70 == 0:
            out = "<p>" + out + "</p><br/><b>done</b>"
        rows.append({"instruction": f"{rng.choice(verbs)} the thing ({i}).",
                     "input": rng.choice(["", "No input", "https://example.com/a", "Tea."]),
                     "output": out})
    return rows


def write_varied(path: Path) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in varied_rows()),
                    encoding="utf-8")
    return path


def _digest(obj: Any) -> str:
    text = obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False,
                                                       sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def verdict_digests(src: Path, out: Path, workers: int = 1) -> list[str]:
    check_file(src, out, workers=workers)
    text = out.read_text(encoding="utf-8").replace(json.dumps(str(src))[1:-1], src.name)
    return [_digest(line) for line in text.splitlines()]


def stored_items(src: Path, db: Path, workers: int = 1) -> list[str]:
    """Each stored item as canonical JSON, in id order."""
    with Pool(db) as pool:
        s = import_file(pool, src, skip_bad=True, workers=workers)
        assert len(s.skipped) == 3, s.skipped
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    out = []
    for row in conn.execute("SELECT c.*, p.prompt, p.raw_output, p.provenance FROM "
                            "candidates AS c JOIN candidate_provenance AS p ON "
                            "p.candidate_id = c.id ORDER BY c.id"):
        item = dict(row)
        del item["created_at"], item["decided_at"]
        prov = json.loads(item["provenance"])
        prov["source"]["file"] = Path(prov["source"]["file"]).name
        item["provenance"] = prov
        item["instances"] = [dict(r) for r in conn.execute(
            "SELECT idx, input, output FROM instances WHERE candidate_id = ? ORDER BY idx",
            (item["id"],))]
        out.append(json.dumps(item, ensure_ascii=False, sort_keys=True))
    conn.close()
    return out


def _first_difference(got: list[str], want: list[str], what: str, show: list[str]) -> str:
    if len(got) != len(want):
        return f"{len(got)} {what}, the golden file has {len(want)}"
    bad = [i for i, (g, w) in enumerate(zip(got, want, strict=True)) if g != w]
    return (f"{len(bad)} of {len(want)} {what} differ, first at {bad[0]}: "
            f"{show[bad[0]][:600]}") if bad else ""


@pytest.mark.parametrize("workers", [1, 2])
def test_verdict_lines_are_those_recorded(tmp_path, workers):
    src = write_varied(tmp_path / "varied.jsonl")
    out = tmp_path / "v.jsonl"
    got = verdict_digests(src, out, workers)
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))["check"]
    assert not _first_difference(got, want, "verdict lines",
                                 out.read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize("workers", [1, 2])
def test_stored_items_are_those_recorded(tmp_path, workers):
    src = write_varied(tmp_path / "varied.jsonl")
    items = stored_items(src, tmp_path / "pool.db", workers)
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))["items"]
    assert not _first_difference([_digest(i) for i in items], want, "stored items", items)


def test_the_varied_file_is_varied(tmp_path):
    """Every filter fails somewhere in it, and most records pass (so both paths run)."""
    src = write_varied(tmp_path / "varied.jsonl")
    s = check_file(src, tmp_path / "v.jsonl")
    assert s.read > 1000 and s.passed > s.read // 2
    never = [name for name in s.filters if not s.by_filter[name]]
    assert never == [], never


def _write_golden() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        src = write_varied(folder / "varied.jsonl")
        golden = {"check": verdict_digests(src, folder / "v.jsonl"),
                  "items": [_digest(i) for i in stored_items(src, folder / "pool.db")]}
    GOLDEN.write_text(json.dumps(golden, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}: {len(golden['check'])} verdicts, {len(golden['items'])} items")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        raise SystemExit("usage: python tests/test_verdicts_stable.py --write")
    _write_golden()

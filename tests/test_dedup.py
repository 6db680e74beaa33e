"""``synthstudio dedup``: rouge-score's greedy decisions, safe output, clear errors."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from rouge_score import rouge_scorer, tokenizers
from rouge_score.rouge_scorer import _score_lcs

from synthstudio.cli import main
from synthstudio.dedup import DedupProgress, dedup_file
from synthstudio.errors import InputError
from tests.conftest import PUBLIC_SEEDS

ROOT = Path(__file__).resolve().parents[1]
SEEDS = PUBLIC_SEEDS


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_instructions", ROOT / "benchmarks" / "make_instructions.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_instructions


def realistic(n: int) -> list[str]:
    """``n`` generated instructions, interleaved with human-written Self-Instruct seed tasks
    in place of every other one of the first 200."""
    texts = _generator()(n, 7)
    seeds = [json.loads(x)["instruction"] for x in SEEDS.read_text().splitlines()]
    k = min(100, len(seeds), n // 2)
    texts[: 2 * k: 2] = seeds[:k]
    return texts


def brute_greedy(texts: list[str], threshold: float, pool: tuple[str, ...] = ()) -> list[bool]:
    """The Alpaca loop: tokenize once with rouge-score's tokenizer, _score_lcs against all."""
    tok = tokenizers.DefaultTokenizer(use_stemmer=False)
    kept_tokens = [tok.tokenize(p) for p in pool]
    decisions = []
    for text in texts:
        t = tok.tokenize(text)
        keep = all(_score_lcs(t, k).fmeasure <= threshold for k in kept_tokens)
        if keep:
            kept_tokens.append(t)
        decisions.append(keep)
    return decisions


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[Any]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize(("threshold", "n"), [(0.7, 200), (0.5, 120)])
def test_greedy_decisions_equal_brute_force_rouge_score(tmp_path: Path, threshold: float,
                                                        n: int) -> None:
    texts = realistic(n)
    src = write_jsonl(tmp_path / "in.jsonl", [{"instruction": t, "n": i}
                                              for i, t in enumerate(texts)])
    summary = dedup_file(src, tmp_path / "out.jsonl", threshold=threshold)
    expected = brute_greedy(texts, threshold)
    kept = [r["n"] for r in read_jsonl(tmp_path / "out.jsonl")]
    assert kept == [i for i, keep in enumerate(expected) if keep]
    assert (summary.read, summary.kept, summary.dropped) == (
        len(texts), sum(expected), len(texts) - sum(expected))
    assert 0 < summary.dropped < summary.read


def test_json_list_input_and_output(tmp_path: Path) -> None:
    rows = [{"instruction": "Write a poem about the sea.", "id": 1},
            {"instruction": "Write a poem about the sea!", "id": 2},
            {"instruction": "写一首关于春天的诗。", "id": 3},
            {"instruction": "写一首关于春天的诗", "id": 4},
            {"instruction": "Explain photosynthesis to a child.", "id": 5}]
    src = tmp_path / "in.json"
    src.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    seen: list[DedupProgress] = []
    dedup_file(src, tmp_path / "out.json", report_path=tmp_path / "r.jsonl",
               progress=seen.append)
    out = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in out] == [1, 3, 5]
    assert "写一首" in (tmp_path / "out.json").read_text(encoding="utf-8")  # not \\u escaped
    report = read_jsonl(tmp_path / "r.jsonl")
    lines = src.read_text(encoding="utf-8").splitlines()
    for entry in report:   # line numbers are the lines where the objects start
        assert lines[entry["line"] - 1].strip() == "{"
        assert json.dumps(entry["instruction"], ensure_ascii=False) in lines[entry["line"]]
    assert [(e["line"], e["nearest_line"]) for e in report] == [(6, 2), (14, 10)]
    assert [e["score"] for e in report] == [1.0, 1.0]
    assert seen[-1].read == 5 and seen[-1].kept == 3 and seen[-1].done == seen[-1].total


def test_report_names_the_nearest_kept_item(tmp_path: Path) -> None:
    rows = ["Give three tips for staying healthy.", "", "Describe the water cycle.",
            "Give three tips for staying healthy and happy.", "Describe the water cycle"]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps({"instruction": r}) for r in rows[:1]) + "\n\n" +
                   "\n".join(json.dumps({"instruction": r}) for r in rows[2:]) + "\n")
    dedup_file(src, tmp_path / "out.jsonl", report_path=tmp_path / "r.jsonl")
    report = read_jsonl(tmp_path / "r.jsonl")
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    assert [(e["line"], e["nearest_line"], e["nearest_source"]) for e in report] == [
        (4, 1, "input"), (5, 3, "input")]
    assert report[0]["score"] == scorer.score(rows[3], rows[0])["rougeL"].fmeasure
    assert report[0]["nearest_text"] == rows[0] and report[0]["instruction"] == rows[3]


def test_against_pool(tmp_path: Path) -> None:
    pool = write_jsonl(tmp_path / "pool.jsonl", [{"instruction": "Describe the water cycle."},
                                                 {"instruction": "Name three primary colours."}])
    src = write_jsonl(tmp_path / "in.jsonl", [{"instruction": "Describe the water cycle!"},
                                              {"instruction": "Tell me a joke about cats."},
                                              {"instruction": "List the primary colours."}])
    summary = dedup_file(src, tmp_path / "out.jsonl", against=pool,
                         report_path=tmp_path / "r.jsonl")
    assert [r["instruction"] for r in read_jsonl(tmp_path / "out.jsonl")] == [
        "Tell me a joke about cats.", "List the primary colours."]
    assert summary.against == 2 and summary.dropped == 1
    (entry,) = read_jsonl(tmp_path / "r.jsonl")
    assert (entry["line"], entry["nearest_line"], entry["nearest_source"]) == (1, 1, str(pool))
    texts = [r["instruction"] for r in read_jsonl(src)]
    pool_texts = tuple(r["instruction"] for r in read_jsonl(pool))
    assert brute_greedy(texts, 0.7, pool_texts) == [False, True, True]


@pytest.mark.parametrize(("content", "line", "words"), [
    ('{"instruction": "ok"}\n{"instruction": "fine"\n', 2, "bad JSON"),
    ('{"instruction": "ok"}\n\n[1, 2]\n', 3, "expected a JSON object"),
    ('{"instruction": "ok"}\n{"text": "no field"}\n', 2, "field 'instruction': missing"),
    ('{"instruction": 42}\n', 1, "expected a string"),
])
def test_bad_input_names_the_line_and_writes_nothing(tmp_path: Path, content: str, line: int,
                                                     words: str) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(content)
    out = tmp_path / "out.jsonl"
    out.write_text("previous contents\n")
    with pytest.raises(InputError) as err:
        dedup_file(src, out, report_path=tmp_path / "r.jsonl")
    assert err.value.line == line and err.value.path == str(src) and words in str(err.value)
    assert out.read_text() == "previous contents\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def test_bad_json_list_names_the_line(tmp_path: Path) -> None:
    src = tmp_path / "in.json"
    src.write_text('[\n  {"instruction": "a"},\n  {"instruction": 1}\n]\n')
    with pytest.raises(InputError) as err:
        dedup_file(src, tmp_path / "out.json")
    assert err.value.line == 3
    src.write_text('[\n  {"instruction": "a"},\n  {"instruction": "b"},\n]\n')
    with pytest.raises(InputError) as err:
        dedup_file(src, tmp_path / "out.json")
    assert err.value.line == 4 and not (tmp_path / "out.json").exists()
    src.write_text('{"instruction": "a"}')
    with pytest.raises(InputError, match="list"):
        dedup_file(src, tmp_path / "out.json")


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [{"prompt": "Write a haiku about rain."},
                                              {"prompt": "Write a haiku about the rain."},
                                              {"prompt": "Summarize this article."}])
    out, report = tmp_path / "out.jsonl", tmp_path / "r.jsonl"
    assert main(["dedup", str(src), "-o", str(out), "--field", "prompt",
                 "--threshold", "0.8", "--report", str(report)]) == 0
    assert len(read_jsonl(out)) == 2 and len(read_jsonl(report)) == 1
    assert "3 read, 2 kept, 1 dropped" in capsys.readouterr().out
    assert main(["dedup", str(src), "-o", str(out), "--threshold", "0.8"]) == 1
    assert "line 1, field 'instruction': missing" in " ".join(capsys.readouterr().err.split())
    assert main(["dedup", str(tmp_path / "nope.jsonl"), "-o", str(out)]) == 1
    assert "no such file" in capsys.readouterr().err
    assert main(["dedup", str(src), "-o", str(out), "--threshold", "1.5"]) == 1
    pool = write_jsonl(tmp_path / "pool.jsonl", [{"prompt": "Summarize this article!"}])
    assert main(["dedup", str(src), "-o", str(out), "--field", "prompt",
                 "--against", str(pool)]) == 0
    assert [r["prompt"] for r in read_jsonl(out)] == ["Write a haiku about rain."]

"""The data report: counts, histograms, the verb-object view, terminal and HTML output."""

from __future__ import annotations

import html.parser
import sys
import time
from pathlib import Path

import pytest

from synthstudio.cli import main
from synthstudio.cli.report_cmd import render_html
from synthstudio.datasets.report import build_report, verb_object, word_count
from synthstudio.records import Candidate, FilterResult, Instance
from synthstudio.store import Pool

ROOT = Path(__file__).resolve().parents[1]


def _si(instruction: str, rouge: float | None, status: str = "accepted", day: int = 1,
        outputs: tuple[str, ...] = ("ok",), reason: str = "") -> Candidate:
    scores = [FilterResult("rouge_l", rouge is None or rouge <= 0.7, rouge, 0.7)]
    return Candidate(recipe="self-instruct", instruction=instruction, status=status,
                     reason=reason, instances=[Instance("", o) for o in outputs],
                     scores=scores if rouge is not None else [],
                     created_at=f"2025-03-0{day}T12:00:00.000+00:00")


@pytest.fixture
def pool(tmp_path: Path):
    p = Pool(tmp_path / "r.db")
    for c in [
        _si("Write a short story about a cat.", 0.05, outputs=("one two three four five",)),
        _si("Please give me three tips for sleeping well.", 0.35, outputs=("a", "b c")),
        _si("What is the capital of France?", 0.7, day=2),
        _si("Write a poem about the sea.", 1.0, status="rejected", reason="rouge_l"),
        _si("Write a poem about the moon.", 0.95, status="rejected", reason="<b>odd</b>"),
        _si("Write a haiku about rain.", 0.2, status="proposed", day=3),
        _si("写一首关于春天的诗。", None, day=3),
        Candidate(recipe="textbook", instruction="photosynthesis", status="accepted",
                  text=" ".join(["word"] * 12), meta={"topic": "photosynthesis"},
                  created_at="2025-03-02T08:00:00.000+00:00"),
        Candidate(recipe="reasoning", instruction="What is 6 times 7?", thinking="6*7",
                  answer="42", status="rejected", reason="wrong_answer",
                  created_at="2025-03-02T09:00:00.000+00:00"),
    ]:
        p.add_candidate(c)
    yield p
    p.close()


def test_counts(pool):
    r = build_report(pool)
    assert r.total == 9
    assert r.by_status == {"proposed": 1, "accepted": 5, "rejected": 3}
    assert r.by_recipe["self-instruct"] == {"proposed": 1, "accepted": 4, "rejected": 2}
    assert r.by_recipe["reasoning"] == {"proposed": 0, "accepted": 0, "rejected": 1}
    assert sorted(r.reasons) == [("<b>odd</b>", 1), ("rouge_l", 1), ("wrong_answer", 1)]
    assert [d for d, _ in r.by_day] == ["2025-03-01", "2025-03-02", "2025-03-03"]
    assert r.by_day[1][1] == {"proposed": 0, "accepted": 2, "rejected": 1}


def test_rouge_histogram_bins_of_a_tenth(pool):
    h = build_report(pool).rouge
    assert h.labels[0] == "0.0" and h.labels[-1] == "0.9" and len(h.labels) == 10
    assert h.series["accepted"] == [1, 0, 0, 1, 0, 0, 0, 1, 0, 0]
    assert h.series["rejected"] == [0] * 9 + [2]  # 0.95 and 1.0 both land in the last bin
    assert h.series["proposed"][2] == 1 and h.total == 6


def test_length_histograms(pool):
    r = build_report(pool, status="accepted")
    assert r.instruction_words.total == 5
    # 5-9 words: three English instructions and the Chinese one (9 characters)
    assert r.instruction_words.series["items"][:3] == [1, 4, 0]
    outs = r.output_words.series["outputs"]
    assert sum(outs) == 6  # 5 instances + 1 text (the rejected reasoning item is out)
    assert outs[0] == 4 and outs[1] == 1 and outs[2] == 1


def test_verbs_and_objects(pool):
    r = build_report(pool)
    verbs = {v: (n, dict(objs)) for v, n, objs in r.verbs}
    assert verbs["write"] == (4, {"story": 1, "poem": 2, "haiku": 1})
    assert verbs["give"] == (1, {"tip": 1})
    assert r.verb_coverage == pytest.approx(5 / 7)


def test_recipe_filter(pool):
    r = build_report(pool, recipe="textbook")
    assert r.total == 1 and list(r.by_recipe) == ["textbook"] and r.rouge.total == 0
    assert r.verbs == [] and r.reasons == []


@pytest.mark.parametrize("text, expected", [
    ("Write a short story about a cat.", ("write", "story")),
    ("Please give me three tips for staying healthy.", ("give", "tip")),
    ("Can you come up with a list of names?", ("come", "list")),
    ("I want you to act as a travel guide.", ("act", "guide")),
    ("Help me write a poem", ("write", "poem")),
    ("Generate a product description for a phone", ("generate", "description")),
    ("Translate the following sentence into French:", ("translate", "sentence")),
    ("Sort the numbers in ascending order", ("sort", "number")),
    ("Alphabetize these words", ("alphabetize", "word")),
    ("Tell me a joke", ("tell", "joke")),
    ("Summarize.", ("summarize", "")),
    ("What is the capital of France?", None),
    ("写一首关于春天的诗。", None),
    ("", None),
])
def test_verb_object_heuristic(text, expected):
    assert verb_object(text) == expected


def test_word_count_counts_cjk_characters():
    assert word_count("Hello world") == 2
    assert word_count("你好世界 and more") == 6
    assert word_count("你好，世界。") == 4
    assert word_count("") == 0


class _Scan(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.refs += [v or "" for k, v in attrs if k in ("src", "href")]


def test_html_is_self_contained_and_escaped(pool):
    page = render_html(build_report(pool))
    scan = _Scan()
    scan.feed(page)
    assert scan.refs == [] and "script" not in scan.tags and "link" not in scan.tags
    assert "&lt;b&gt;odd&lt;/b&gt;" in page and "<b>odd" not in page
    assert "ROUGE-L" in page and "Leading verbs" in page and "story (1)" in page


def test_cli_report(pool, tmp_path, capsys):
    out = tmp_path / "r.html"
    assert main(["report", "--db", str(pool.path), "--html", str(out)]) == 0
    text = capsys.readouterr().out
    assert "9 items" in text and "ROUGE-L" in text and "write" in text
    assert "rouge_l" in text and "<b>odd</b>" in text
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert main(["report", "--db", str(pool.path), "--recipe", "reasoning"]) == 0
    assert "wrong_answer" in capsys.readouterr().out


def test_report_on_a_generated_pool_is_fast(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from make_pool import make_pool
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    path = make_pool(tmp_path / "big.db", 10_000, seed=1)
    with Pool(path) as p:
        start = time.perf_counter()
        r = build_report(p)
        assert time.perf_counter() - start < 5
    assert r.total == 10_000 and r.rouge.total > 3000 and r.verbs
    assert len(r.by_day) == 7

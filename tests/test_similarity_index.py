"""RougeIndex and rouge_l give rouge-score's numbers exactly, whatever they prune."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rouge_score import rouge_scorer
from rouge_score.rouge_scorer import _score_lcs
from rouge_score.scoring import fmeasure

from synthstudio.similarity import (
    Match,
    RougeIndex,
    f_from_lcs,
    lcs_length,
    rouge_l,
    rouge_l_text,
    tokenize,
)
from synthstudio.similarity.rouge import encode, f_from_lcs_array

SCORER = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)

# few words, so that texts share tokens, repeat them and tie; plus other scripts and noise
WORDS = ["a", "the", "cat", "Cat", "dog", "sat", "on", "mat", "x1", "2", "is", "not",
         "写", "诗", "春天", "Москва", "é", "...", "!", "", "-"]
TEXT = st.lists(st.sampled_from(WORDS), max_size=14).map(" ".join)
TEXTS = st.lists(TEXT, min_size=1, max_size=25)


def brute(query: str, pool: list[str]) -> list[float]:
    """rouge-score's own F-measure (its LCS table) on our tokens."""
    q = tokenize(query)
    return [_score_lcs(q, tokenize(t)).fmeasure for t in pool]


def brute_top(scores: list[float], k: int) -> list[tuple[float, int]]:
    ranked = sorted((s, i) for i, s in enumerate(scores) if s > 0)
    return sorted(ranked, key=lambda x: (-x[0], x[1]))[:k]


def build(pool: list[str]) -> RougeIndex:
    index = RougeIndex()
    for i, t in enumerate(pool):
        index.add(i, t)
    return index


@settings(max_examples=120, deadline=None)
@given(TEXTS, TEXT, st.integers(1, 6))
def test_index_equals_brute_force(pool: list[str], query: str, k: int) -> None:
    index = build(pool)
    scores = brute(query, pool)
    match = index.query(query, k=k)
    assert match.max_score == max(scores)
    assert [(n.score, n.key) for n in match.nearest] == brute_top(scores, k)
    assert all(n.text == pool[n.key] for n in match.nearest)
    assert index.max_score(query) == max(scores)
    for t in {0.0, 0.3, 0.5, 0.7, 0.99, *scores}:   # the exact scores are the edge cases
        hit, score, key = index.any_above(query, t)
        assert hit == any(s > t for s in scores)
        if hit:
            assert score > t and scores[key] == score  # type: ignore[index]
        assert match.exceeds(t) == hit


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=40), st.lists(st.integers(0, 6), max_size=40))
def test_rouge_l_is_bitwise_rouge_score(a: list[int], b: list[int]) -> None:
    ta, tb = [f"w{i}" for i in a], [f"w{i}" for i in b]
    expected = _score_lcs(ta, tb).fmeasure
    assert rouge_l(ta, tb) == expected
    assert rouge_l(tb, ta) == expected   # symmetric, bit for bit
    text_a, text_b = " ".join(ta), " ".join(tb)
    assert rouge_l_text(text_a, text_b) == SCORER.score(text_a, text_b)["rougeL"].fmeasure


def test_f_measure_formula_is_exact_for_all_small_lengths() -> None:
    lbs = np.arange(1, 61)
    for la in range(1, 61):
        for lcs in range(0, la + 1):
            vec = f_from_lcs_array(np.minimum(lcs, lbs), la, lbs)
            for lb in range(1, 61):
                n = min(lcs, lb)
                expected = fmeasure(n / lb, n / la)   # rouge-score's own steps
                assert f_from_lcs(n, la, lb) == expected and vec[lb - 1] == expected


def test_lcs_is_exact_on_long_int_sequences() -> None:
    rng = random.Random(5)

    def dp(a: list[int], b: list[int]) -> int:
        row = [0] * (len(b) + 1)
        for x in a:
            prev = 0
            for j, y in enumerate(b, 1):
                prev, row[j] = row[j], prev + 1 if x == y else max(row[j], row[j - 1])
        return row[-1]

    for _ in range(60):
        a = [rng.randrange(4) for _ in range(rng.randrange(0, 150))]
        b = [rng.randrange(4) for _ in range(rng.randrange(0, 150))]
        assert lcs_length(a, b) == dp(a, b)
        assert lcs_length(encode(a), encode(b)) == dp(a, b)
    ids = [0xD7FF, 0xD800, 0xE000, 70000, 0x10F000]
    assert lcs_length(encode(ids), encode(ids[::-1])) == 1


@pytest.mark.parametrize("refine_min", [0, 128, 10**9])
def test_many_candidates_with_and_without_refining(refine_min: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("synthstudio.similarity.index.REFINE_MIN", refine_min)
    rng = random.Random(11)
    vocab = [f"w{i}" for i in range(30)] + ["the"] * 6 + ["a"] * 6
    pool = [" ".join(rng.choice(vocab) for _ in range(rng.randrange(3, 25))) for _ in range(300)]
    index = build(pool)
    for _ in range(12):
        q = " ".join(rng.choice(vocab) for _ in range(rng.randrange(3, 25)))
        scores = brute(q, pool)
        assert [(n.score, n.key) for n in index.query(q, k=10).nearest] == brute_top(scores, 10)
        for t in (0.4, 0.6, 0.7, max(scores)):
            assert index.any_above(q, t)[0] == any(s > t for s in scores)


def test_long_texts_beyond_one_machine_word() -> None:
    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(12)]
    pool = [" ".join(rng.choice(vocab) for _ in range(rng.randrange(60, 140))) for _ in range(30)]
    pool.append(pool[0] + " w1 w2")
    index = build(pool)
    for q in [pool[0], *(" ".join(rng.choice(vocab) for _ in range(90)) for _ in range(3))]:
        scores = brute(q, pool)
        assert [(n.score, n.key) for n in index.query(q, k=5).nearest] == brute_top(scores, 5)


def test_chinese_duplicates_score_one() -> None:
    index = RougeIndex()
    index.add("zh", "写一首关于春天的诗。")
    index.add("en", "Write a poem about spring.")
    match = index.query("写一首关于春天的诗")
    assert match.max_score == 1.0 and match.nearest[0].key == "zh"
    assert [n.key for n in match.nearest] == ["zh"]
    assert index.any_above("写一首关于秋天的诗。", 0.7)[:2] == (True, rouge_l_text(
        "写一首关于秋天的诗。", "写一首关于春天的诗。"))


@settings(max_examples=30, deadline=None)
@given(TEXTS, st.lists(st.integers(0, 24), max_size=12), TEXT)
def test_add_and_remove_without_rebuild(pool: list[str], drop: list[int], query: str) -> None:
    index = build(pool)
    gone = {i for i in drop if i < len(pool)}
    for i in gone:
        index.remove(i)
    index.add(len(pool), query)               # an exact duplicate, added last
    index.remove(len(pool))
    live = [i for i in range(len(pool)) if i not in gone]
    assert len(index) == len(live) and all((i in index) == (i in live) for i in range(26))
    scores = brute(query, [pool[i] for i in live])
    best = max(scores, default=0.0)
    assert index.max_score(query) == best
    got = [(n.score, n.key) for n in index.query(query, k=5).nearest]
    assert got == [(s, live[j]) for s, j in brute_top(scores, 5)]


def test_mapping_behaviour_and_replacement() -> None:
    index = RougeIndex()
    index.add("k", "the cat sat on the mat")
    index.add("j", "a dog")
    assert len(index) == 2 and "k" in index and index.text("k") == "the cat sat on the mat"
    index.add("k", "a dog barked")            # replacing moves it after "j" for ties
    assert index.text("k") == "a dog barked" and len(index) == 2
    assert index.max_score("the cat sat on the mat") == 0.0
    assert [n.key for n in index.query("a dog", k=2).nearest] == ["j", "k"]
    index.remove("j")
    assert "j" not in index and sorted(index) == ["k"]
    with pytest.raises(KeyError):
        index.remove("j")
    with pytest.raises(ValueError):
        index.any_above("a dog", -0.1)
    for _ in range(50):                       # churn: postings get compacted, answers hold
        index.add("tmp", "a dog barked loudly")
        index.remove("tmp")
    assert index.query("a dog barked").nearest[0].key == "k"


def test_empty_and_tokenless_queries() -> None:
    index = RougeIndex()
    assert index.query("anything") == Match(0.0, [])
    index.add(1, "!!!")
    index.add(2, "")
    index.add(3, "real words here")
    assert index.query("...").max_score == 0.0
    assert index.any_above("", 0.0) == (False, 0.0, None)
    assert index.any_above("words", 0.0)[0] is True
    assert index.query("unknown tokens only").nearest == []

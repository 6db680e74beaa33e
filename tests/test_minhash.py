"""MinHash near-duplicate index: word 5-grams, CJK character 5-grams, add/remove."""

from __future__ import annotations

import pytest

from synthstudio.similarity.minhash import MinHashIndex, jaccard, shingles, tokens

PHOTO = ("Photosynthesis is the process by which green plants use sunlight to make food "
         "from carbon dioxide and water, releasing oxygen as a by-product of the reaction "
         "that takes place in the chloroplasts of their leaves.")
PHOTO_EDIT = ("Photosynthesis is the process by which green plants use sunlight to make food "
              "from carbon dioxide and water, releasing oxygen as a by-product of the reaction "
              "that takes place in the chloroplasts of the leaves.")
REVOLUTION = ("The French Revolution began in 1789 when an economic crisis, heavy taxation "
              "and new political ideas combined to overturn the monarchy of Louis XVI and "
              "reshape the society of France for decades to come.")
ZH = ("光合作用是绿色植物利用太阳光把二氧化碳和水转化为有机物并释放氧气的过程，"
      "这个过程主要发生在叶绿体中，是地球上几乎所有生命的能量来源。")
ZH_EDIT = ("光合作用是绿色植物利用太阳光把二氧化碳和水转化为有机物并释放氧气的过程，"
           "这一过程主要发生在叶绿体里，是地球上几乎所有生命的能量来源。")
ZH_OTHER = "法国大革命始于一七八九年，经济危机、沉重的赋税和启蒙思想共同推翻了路易十六的君主制。"


def test_tokens_words_and_cjk_characters() -> None:
    assert tokens("Hello, World! It's 2024.") == ["hello", "world", "it", "s", "2024"]
    assert tokens("光合作用 is cool") == ["光", "合", "作", "用", "is", "cool"]


def test_shingles_are_word_5grams() -> None:
    sh = shingles("one two three four five six")
    assert sh == {"one two three four five", "two three four five six"}
    assert shingles("too short") == {"too short"}
    assert shingles("  ...  ") == set()


def test_chinese_uses_character_5grams() -> None:
    assert "光 合 作 用 是" in shingles(ZH)


def test_near_duplicate_caught() -> None:
    idx = MinHashIndex()
    idx.add("a", PHOTO)
    idx.add("b", REVOLUTION)
    match = idx.query(PHOTO_EDIT)
    assert match.key == "a" and match.text == PHOTO
    assert match.score >= 0.7
    assert idx.is_duplicate(PHOTO_EDIT)
    assert jaccard(PHOTO, PHOTO_EDIT) >= 0.7


def test_distinct_text_passes() -> None:
    idx = MinHashIndex()
    idx.add("a", PHOTO)
    assert idx.query(REVOLUTION).score < 0.3
    assert not idx.is_duplicate(REVOLUTION)
    assert jaccard(PHOTO, REVOLUTION) == 0.0


def test_chinese_near_duplicate_caught_and_distinct_passes() -> None:
    idx = MinHashIndex()
    idx.add("zh", ZH)
    assert idx.is_duplicate(ZH_EDIT)
    assert not idx.is_duplicate(ZH_OTHER)


def test_remove_and_replace() -> None:
    idx = MinHashIndex()
    idx.add("a", PHOTO)
    assert "a" in idx and len(idx) == 1
    idx.remove("a")
    assert "a" not in idx and idx.query(PHOTO).score == 0.0
    idx.remove("missing")  # no error
    idx.add("a", REVOLUTION)
    idx.add("a", PHOTO)  # replacing keeps one entry
    assert len(idx) == 1 and idx.query(PHOTO).key == "a"


def test_threshold_is_configurable() -> None:
    strict = MinHashIndex(threshold=0.95)
    strict.add("a", PHOTO)
    assert not strict.is_duplicate(PHOTO_EDIT)
    assert strict.is_duplicate(PHOTO)
    with pytest.raises(ValueError):
        MinHashIndex(threshold=0.0)


def test_empty_text_never_matches() -> None:
    idx = MinHashIndex()
    idx.add("empty", "")
    assert idx.query("").score == 0.0
    assert idx.query(PHOTO).score == 0.0

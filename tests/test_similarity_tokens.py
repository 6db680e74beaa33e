"""Tokens: rouge-score's exactly for Latin text; CJK per character; other scripts by word."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rouge_score import rouge_scorer, tokenizers

from synthstudio.similarity import rouge_l_text, rouge_score_tokenize, tokenize
from synthstudio.similarity.tokens import is_cjk

ROUGE = tokenizers.DefaultTokenizer(use_stemmer=False)

# ASCII, Latin-1, Latin extended, IPA, combining marks, punctuation, symbols, full-width Latin,
# ligatures, letterlike symbols: everything rouge-score sees or drops, but no other script.
LATIN_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(string.printable),
        st.characters(min_codepoint=0x80, max_codepoint=0x36F),
        st.characters(min_codepoint=0x1E00, max_codepoint=0x1EFF),
        # (U+2126 OHM SIGN is excluded: it is a Greek letter and lowercases to omega)
        st.characters(min_codepoint=0x2000, max_codepoint=0x214F, exclude_characters="\u2126"),
        st.sampled_from("ﬁﬂＡＢｃ０１İıſK"),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(LATIN_TEXT)
def test_latin_text_gives_rouge_score_tokens(text: str) -> None:
    assert tokenize(text) == ROUGE.tokenize(text)
    assert rouge_score_tokenize(text) == ROUGE.tokenize(text)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60))
def test_ascii_tokens_are_always_rouge_scores(text: str) -> None:
    ours = [t for t in tokenize(text) if t.isascii()]
    assert ours == ROUGE.tokenize(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("", []),
    ("   ", []),
    ("?!... --- ***", []),
    ("Hello, World!", ["hello", "world"]),
    ("abc123 x_y z-9", ["abc123", "x", "y", "z", "9"]),
    ("café naïve", ["caf", "na", "ve"]),          # rouge-score drops accented letters
    ("cafe\u0301", ["cafe"]),                      # a combining mark after ASCII separates
    ("İstanbul", ["i", "stanbul"]),               # lowercasing first, as rouge-score does
    ("\u212a", ["k"]),                             # KELVIN SIGN lowercases to k
    ("ﬁne Ａb", ["ne", "b"]),
    ("line\nbreak\ttab", ["line", "break", "tab"]),
])
def test_edge_cases(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected
    assert ROUGE.tokenize(text) == expected


def test_cjk_characters_are_tokens_in_place() -> None:
    assert tokenize("写一首关于春天的诗。") == list("写一首关于春天的诗")
    assert tokenize("用Python写code，好吗？") == ["用", "python", "写", "code", "好", "吗"]
    assert tokenize("テスト・ケース、ひらがな") == list("テストケースひらがな")
    assert tokenize("ｶﾀｶﾅ") == list("ｶﾀｶﾅ")
    assert tokenize("한국어 문장입니다.") == list("한국어문장입니다")
    assert tokenize("「引用」《书名》") == list("引用书名")
    assert tokenize("㐀𠀀") == ["㐀", "𠀀"]      # extension A and B
    assert is_cjk("字") and is_cjk("か") and is_cjk("한") and not is_cjk("。")


def test_other_scripts_are_word_tokens() -> None:
    assert tokenize("Москва — СТОЛИЦА России") == ["москва", "столица", "россии"]
    assert tokenize("Ελλάδα και Κύπρος") == ["ελλάδα", "και", "κύπρος"]
    assert tokenize("مرحبا بالعالم") == ["مرحبا", "بالعالم"]
    assert tokenize("שלום עולם") == ["שלום", "עולם"]
    assert tokenize("हिन्दी भाषा") == ["हिन्दी", "भाषा"]    # vowel signs stay in the word
    assert tokenize("สวัสดีครับ") == ["สวัสดีครับ"]
    assert tokenize("abcдеф 12") == ["abc", "деф", "12"]
    assert tokenize("α\u0301β") == ["α\u0301β"]               # marks join a non-Latin word
    assert tokenize("10 \u2126") == ["10", "ω"]               # OHM SIGN is Greek


def test_mixed_script_order_is_kept() -> None:
    assert tokenize("Translate 猫 into Русский, please") == [
        "translate", "猫", "into", "русский", "please"]


def test_identical_chinese_scores_one_unlike_rouge_score() -> None:
    a = "请解释一下光合作用的过程。"
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    assert scorer.score(a, a)["rougeL"].fmeasure == 0.0
    assert rouge_l_text(a, a) == 1.0
    assert 0.0 < rouge_l_text(a, "请解释一下呼吸作用的过程。") < 1.0
    assert rouge_l_text("Привет мир", "привет МИР!") == 1.0

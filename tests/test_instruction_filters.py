"""Instruction filters at and around each threshold."""

from __future__ import annotations

import pytest

from synthstudio.config.recipes import DEFAULT_BLACKLIST
from synthstudio.filters.instance import filter_instances
from synthstudio.filters.instruction import (
    blacklist_filter,
    program_filter,
    rouge_filter,
    start_filter,
    words_filter,
)
from synthstudio.filters.script import count_words
from synthstudio.records import Instance


@pytest.mark.parametrize("n, ok", [(0, False), (3, False), (4, True), (150, True),
                                   (151, False)])
def test_word_count_bounds(n, ok):
    r = words_filter(" ".join(["word"] * n))
    assert r.passed is ok and r.value == n


def test_chinese_words_counted_per_character():
    assert count_words("把这句话翻译成英文") == 9
    assert count_words("Translate 你好 now") == 4
    assert words_filter("把这句话翻译成英文").passed


@pytest.mark.parametrize("text, ok", [
    ("Describe the image in detail.", False),
    ("Describe the IMAGES in detail.", False),
    ("Plot the data points on a chart.", False),
    ("Go to the store and buy milk.", False),
    ("Go  to the store and buy milk.", False),
    ("Describe the imagery of the poem.", True),  # whole words only
    ("Write a plotline for a short film.", True),
    ("Explain how maple syrup is made.", True),
    ("Profile the user from the text.", True),  # 'file' inside a word
])
def test_blacklist_whole_words_case_insensitive(text, ok):
    assert blacklist_filter(text, DEFAULT_BLACKLIST).passed is ok


def test_blacklist_configurable():
    assert not blacklist_filter("Summarise the spreadsheet.", ["spreadsheet"]).passed
    assert blacklist_filter("Summarise the spreadsheet.", []).passed


@pytest.mark.parametrize("text, ok", [
    ("Write a program to sort a list.", False),
    ("write a program that prints hi", False),
    ("Write a poem about a program.", True),
    ("Explain how to write a program.", True),
])
def test_write_a_program(text, ok):
    assert program_filter(text).passed is ok


@pytest.mark.parametrize("text, non_ascii, ok", [
    ("Explain tides.", True, True),
    ("3 ways to relax.", True, True),
    ("- Explain tides.", True, False),
    ("“Explain” tides.", True, False),
    ("¿Qué hora es?", True, False),
    ("¿Qué hora es?", False, True),
    ("¿? hora", False, False),
    ("Émile wants a poem.", True, False),
    ("Émile wants a poem.", False, True),
    ("解释潮汐的成因。", True, True),
    ("「解释」潮汐。", False, True),  # CJK quotes and brackets open Chinese text
    ("“春眠不觉晓”的下一句是什么？", True, True),
    ("《静夜思》的作者是谁？", True, True),
    ("（选择题）下列哪个是质数？", True, True),
    ("【阅读理解】根据短文回答问题。", True, True),
    ("\"你好\"怎么翻译成英文？", True, True),
    ("（Optional) explain tides.", True, True),
    ("“ Explain tides.", True, False),
    ("《》", True, False),
    ("😀 Tell a joke.", False, False),
    ("", True, False),
])
def test_start_rules(text, non_ascii, ok):
    assert start_filter(text, non_ascii).passed is ok


@pytest.mark.parametrize("score, ok", [(0.0, True), (0.69999, True), (0.7, True),
                                       (0.7000001, False), (1.0, False)])
def test_rouge_threshold_is_strictly_greater(score, ok):
    r = rouge_filter(score, [("near text", score)], 0.7)
    assert r.passed is ok
    assert r.extra["nearest"] == [["near text", score]]


def test_instance_rules():
    kept, results = filter_instances([
        Instance("a", "a"),              # input equals output
        Instance("b", ""),               # empty output
        Instance("c", "ends with:"),     # output ends with colon
        Instance("Input:", "x"),         # input ends with colon
        Instance("d", "one"), Instance("d", "one"),  # exact duplicate: keep one
        Instance("e", "yes"), Instance("e", "no"),  # same input, different outputs
        Instance("", "free answer"),
    ])
    assert kept == [Instance("d", "one"), Instance("", "free answer")]
    by = {r.name: r.value for r in results}
    assert by["instance_input_equals_output"] == 1
    assert by["instance_empty_output"] == 1
    assert by["instance_ends_with_colon"] == 2
    assert by["instance_duplicate"] == 1
    assert by["instance_conflicting_outputs"] == 2
    assert by["instances"] == 2 and results[-1].passed


def test_no_valid_instance_fails_the_task():
    kept, results = filter_instances([Instance("x", "x")])
    assert kept == [] and results[-1].name == "instances" and not results[-1].passed

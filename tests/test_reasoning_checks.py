"""Reasoning checks: thinking/answer split, format, accuracy, language, repetition, length."""

from __future__ import annotations

import pytest

from synthstudio.filters.reasoning import (
    accuracy_check,
    export_text,
    final_answer,
    format_check,
    language_check,
    last_boxed,
    length_check,
    normalize_text_answer,
    repeated_sentence_ratio,
    repetition_check,
    split_reasoning,
    tail_loop,
)

THINK = ("Six muffins cost 6 times 2.75, which is 16.50 dollars. She pays 20 dollars, so "
         "the change is 20 minus 16.50, which is 3.50 dollars. Check: 16.50 plus 3.50 is 20.")


# -- split: the same result whichever route the thinking took -------------------------


def test_inline_and_native_thinking_give_the_same_split() -> None:
    inline = split_reasoning(f"<think>\n{THINK}\n</think>\n\n<answer>3.5</answer>")
    native = split_reasoning("<answer>3.5</answer>", thinking=THINK)
    assert (inline.thinking, inline.answer) == (native.thinking, native.answer) == (THINK, "3.5")
    assert inline.source == "inline" and native.source == "native"
    assert not inline.unterminated and not native.unterminated


def test_answer_tags_are_optional() -> None:
    t = split_reasoning(f"<think>{THINK}</think>\nThe change is 3.5 dollars.")
    assert t.answer == "The change is 3.5 dollars."
    assert split_reasoning("3.5", thinking=THINK).answer == "3.5"


def test_template_opened_think_only_closes_it() -> None:
    t = split_reasoning(f"{THINK}\n</think>\n<answer>3.5</answer>")
    assert t.thinking == THINK and t.answer == "3.5" and not t.unterminated


def test_unterminated_think() -> None:
    t = split_reasoning(f"<think>{THINK} and then I keep going")
    assert t.unterminated and t.answer == ""
    r = format_check(t)
    assert not r.passed and "unterminated" in r.detail


def test_format_checks() -> None:
    assert format_check(split_reasoning("<answer>3.5</answer>", THINK)).passed
    missing = format_check(split_reasoning("<answer>3.5</answer>"))
    assert not missing.passed and "no thinking" in missing.detail
    no_answer = format_check(split_reasoning(f"<think>{THINK}</think>"))
    assert not no_answer.passed and "no final answer" in no_answer.detail
    empty_think = format_check(split_reasoning("<think>  </think><answer>3</answer>"))
    assert not empty_think.passed


def test_export_text() -> None:
    assert export_text("t", "a") == "<think>\nt\n</think>\n<answer>\na\n</answer>"


# -- accuracy -------------------------------------------------------------------------


@pytest.mark.parametrize(("answer", "reference"), [
    ("1/2", "0.5"), ("0.5", "1/2"), ("2.50", "2.5"), ("x = 7", "7"), ("$3.50", "3.5"),
    ("\\boxed{\\frac{1}{3}}", "1/3"), ("The answer is \\boxed{95}.", "95"),
    ("Olivia gets back 3.50 dollars in change after paying for the muffins", "3.5"),
    ("-3", "-3"), ("1,320", "1320"),
])
def test_equivalent_math_answers_pass(answer: str, reference: str) -> None:
    r = accuracy_check(answer, reference, "arithmetic")
    assert r.passed, r
    assert r.extra["method"] == "math-verify"


@pytest.mark.parametrize(("answer", "reference"), [
    ("4", "5"), ("0.33", "1/3"), ("3", "-3"), ("\\boxed{12}", "13"),
    ("She gets 4 dollars back, not 3.5 dollars, after paying 20", "3.5"),
])
def test_wrong_math_answers_fail(answer: str, reference: str) -> None:
    r = accuracy_check(answer, reference, "arithmetic")
    assert not r.passed and r.detail == f"expected {reference}"


@pytest.mark.parametrize(("answer", "reference", "ok"), [
    ("Wei", "Wei", True), ("wei.", "Wei", True), ("**Knight**", "knight", True),
    ("The knight", "knight", True), ("Answer: Wednesday", "Wednesday", True),
    ("\\boxed{\\text{red}}", "red", True), ("Ava", "Wei", False), ("blue", "red", False),
])
def test_word_answers_exact_after_normalising(answer: str, reference: str, ok: bool) -> None:
    r = accuracy_check(answer, reference, "logic")
    assert r.passed is ok
    assert r.extra["method"] == "exact"


def test_empty_answer_is_wrong() -> None:
    assert not accuracy_check("", "5").passed


def test_final_answer_extraction() -> None:
    assert last_boxed("a \\boxed{1} then \\boxed{\\frac{2}{3}}") == "\\frac{2}{3}"
    assert last_boxed("no box") is None
    assert final_answer("x = 7") == "x = 7"
    assert final_answer("So in total the class has 333 working desks left over") == "333"
    assert normalize_text_answer("The final answer is: Ava!") == "ava"


# -- language -------------------------------------------------------------------------


def test_mixed_chinese_and_english_thinking_flagged() -> None:
    mixed = ("First I find the cost of the muffins. 六个松饼一共是十六点五美元。 "
             "Then the change is twenty minus that. 所以找零是三点五美元。")
    r = language_check(mixed, "How much change does Olivia receive?")
    assert not r.passed and r.extra["problem_script"] == "latin"
    assert r.value is not None and float(r.value) > 0.1


def test_single_language_thinking_passes() -> None:
    assert language_check(THINK, "How much change does Olivia receive?").passed
    zh = "六个松饼一共是十六点五美元，二十减去十六点五等于三点五，所以找零是三点五美元。"
    assert language_check(zh, "奥利维亚应该找回多少钱？").passed
    # Chinese thinking for an English problem is inconsistent with the problem
    assert not language_check(zh, "How much change does Olivia receive?").passed


def test_chinese_problem_with_english_thinking_flagged() -> None:
    assert not language_check(THINK, "奥利维亚应该找回多少钱？").passed


# -- repetition -----------------------------------------------------------------------


def test_looping_trace_flagged() -> None:
    loop = THINK + " " + "So I need to check the total again. " * 8
    r = repetition_check(loop)
    assert not r.passed
    assert float(r.value or 0) > 0.3
    assert r.extra["loop_repeats"] >= 3


def test_loop_cut_mid_block_still_found() -> None:
    text = THINK + " " + "then we add five and carry the one to the tens column " * 5 + "then we"
    period, repeats = tail_loop(text.split())
    assert period == 12 and repeats >= 5
    assert not repetition_check(text).passed


def test_varied_trace_passes() -> None:
    r = repetition_check(THINK)
    assert r.passed and r.value == 0.0
    assert repeated_sentence_ratio("Wait. Wait. Hmm. Let me compute it once more now.") == 0.0


# -- length ---------------------------------------------------------------------------


def test_thinking_length_bounds() -> None:
    assert length_check(THINK).passed
    short = length_check("Easy.", min_words=10)
    assert not short.passed and short.detail == "thinking too short"
    assert not length_check("word " * 50, max_words=20).passed
    assert length_check("一二三四五六七八九十", min_words=10).passed

"""Parsers on messy model output."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from synthstudio.recipes.self_instruct_parsers import (
    parse_instances,
    parse_instances_json,
    parse_numbered_instructions,
    parse_yes_no,
)
from synthstudio.records import Instance


def test_continuation_starting_without_number():
    text = " Suggest a name for a new coffee shop.\n10. Classify the tweet as happy or sad.\n"
    assert parse_numbered_instructions(text) == [
        "Suggest a name for a new coffee shop.", "Classify the tweet as happy or sad."]


def test_preamble_is_not_a_task():
    text = "Sure! Here are some new tasks:\n9. Write a limerick about a cat.\n10) Sort the list."
    assert parse_numbered_instructions(text) == ["Write a limerick about a cat.", "Sort the list."]


def test_variants_of_numbering_and_markdown():
    text = ("**9.** Explain tides to a child.\nTask 10: Rename the variable.\n"
            "- 11. List three rivers in Africa.\n12、用一句话总结这段文字。")
    assert parse_numbered_instructions(text) == [
        "Explain tides to a child.", "Rename the variable.", "List three rivers in Africa.",
        "用一句话总结这段文字。"]


def test_multiline_item_collapsed_and_input_sections_cut():
    text = ("9. Translate the sentence\n   into French.\nInput: Hello\nOutput: Bonjour\n"
            "10. Next one.")
    assert parse_numbered_instructions(text) == ["Translate the sentence into French.",
                                                 "Next one."]


def test_truncated_reply_drops_last_item():
    text = "9. First task here.\n10. Second task here.\n11. Third task that was cu"
    assert parse_numbered_instructions(text, truncated=True) == [
        "First task here.", "Second task here."]
    assert len(parse_numbered_instructions(text, truncated=False)) == 3


def test_restarted_numbering_still_parsed():
    text = "1. Alpha task one.\n2. Beta task two.\n1. Gamma task three."
    assert len(parse_numbered_instructions(text)) == 3


def test_empty_and_garbage():
    assert parse_numbered_instructions("") == []
    assert parse_numbered_instructions("   \n\n") == []
    assert parse_numbered_instructions("Sure:") == []


def test_yes_no():
    assert parse_yes_no("Yes") is True
    assert parse_yes_no(" no, it is open-ended") is False
    assert parse_yes_no('{"answer": "Yes"}') is True
    assert parse_yes_no("是") is True
    assert parse_yes_no("I think it depends") is None
    assert parse_yes_no("yesterday nobody came") is None


def test_instances_input_first():
    text = ("Example 1\nInput: 3 + 4\nOutput: 7\n\nExample 2\nInput: <noinput>\n"
            "Output: a multi\nline answer\n\nExample 3\nInput: dangling")
    assert parse_instances(text, output_first=False) == [
        Instance("3 + 4", "7"), Instance("", "a multi\nline answer")]


def test_instances_output_first():
    text = ("Class label: Positive\nInput: Great food!\n\nClass label: Negative\n"
            "Input: Cold and late.\nClass label: Neutral")
    assert parse_instances(text, output_first=True) == [
        Instance("Great food!", "Positive"), Instance("Cold and late.", "Negative")]


def test_instances_output_without_input_line():
    assert parse_instances("Output: just an answer", output_first=False) == [
        Instance("", "just an answer")]


def test_instances_truncated_and_limit():
    text = "\n".join(f"Input: q{i}\nOutput: a{i}" for i in range(8))
    assert len(parse_instances(text, False, limit=5)) == 5
    assert parse_instances(text, False, limit=10, truncated=True)[-1] == Instance("q6", "a6")


def test_instances_json():
    assert parse_instances_json('{"instances": [{"input": "a", "output": "b"}, 3]}') == [
        Instance("a", "b")]
    assert parse_instances_json('{"instances": [{"class_label": "Yes", "input": "q"}]}') == [
        Instance("q", "Yes")]
    assert parse_instances_json("not json") == []
    assert parse_instances_json('{"instances": "x"}') == []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.booleans())
def test_parsers_never_raise(text, flag):
    assert isinstance(parse_numbered_instructions(text, flag), list)
    assert parse_yes_no(text) in (True, False, None)
    assert isinstance(parse_instances(text, flag), list)
    assert isinstance(parse_instances_json(text), list)


def test_huge_output_is_cheap():
    import time

    text = ("9. " + "word " * 50 + "\n") * 2000 + "x" * 100_000
    start = time.perf_counter()
    items = parse_numbered_instructions(text)
    parse_instances(text, False)
    assert len(items) == 32
    assert time.perf_counter() - start < 2.0


def test_numbers_repeated_inside_items_are_removed():
    text = ("9. 1. Extract every date from the text.\n10. 4. SmolLM 5.\n"
            "11. Write a poem. 12. Write a song.\n13. Explain why 3.14 is close to pi.\n"
            "14. Count from 1 to 15.\n15. 2) Sort the list.")
    assert parse_numbered_instructions(text) == [
        "Extract every date from the text.", "SmolLM", "Write a poem.", "Write a song.",
        "Explain why 3.14 is close to pi.", "Count from 1 to 15.", "Sort the list."]


def test_unnumbered_head_splits_at_inline_numbers():
    text = " Suggest a name for a cafe. 10. Classify the tweet.\n11. Sort 3 numbers 12."
    assert parse_numbered_instructions(text) == [
        "Suggest a name for a cafe.", "Classify the tweet.", "Sort 3 numbers"]


def test_numbers_that_belong_to_the_task_stay():
    text = "9. List 2. things you like.\n10. Name 16 birds.\n11. 写出1到10的数字。"
    assert parse_numbered_instructions(text) == [
        "List 2. things you like.", "Name 16 birds.", "写出1到10的数字。"]


@given(st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_items_never_start_with_list_numbers(text):
    for item in parse_numbered_instructions(text):
        assert item and not re_leading_number(item)


def re_leading_number(item: str) -> bool:
    import re
    return bool(re.match(r"\d{1,3}[ \t]*[.)、](?!\d)[ \t]+\S", item))

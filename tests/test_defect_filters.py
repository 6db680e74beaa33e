"""Each Alpaca defect filter on its own: what it catches, what it leaves, what it says."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthstudio.filters.dataset import check_record
from synthstudio.filters.instance import filter_instances, symbols_only
from synthstudio.filters.non_text import non_text_output_filter
from synthstudio.filters.outputs import (
    merged_instructions_filter,
    no_output_filter,
    refusal_filter,
)
from synthstudio.filters.placeholder import input_placeholder_filter, normalise_input
from synthstudio.filters.references import missing_input_filter, unseen_content_filter
from synthstudio.records import Instance

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)


def test_unseen_content_names_what_it_found():
    r = unseen_content_filter("Summarize this article.", "https://example.com/a/b")
    assert not r.passed and r.value == "https://example.com/a/b"
    assert "cannot see" in r.detail and r.name == "unseen_content"
    assert unseen_content_filter("Extract the domain.", "https://example.com/a").passed
    assert not unseen_content_filter("如下图所示，求阴影部分的面积。").passed
    assert unseen_content_filter("Describe a photo of your dream house.").passed


def test_unseen_content_needs_no_text_standing_in():
    assert not unseen_content_filter("Describe this photo.").passed
    assert not unseen_content_filter("Describe this photo.", "IMG_2041.JPG").passed
    assert unseen_content_filter("Describe this photo.", "A boy feeding ducks by a pond.").passed
    assert unseen_content_filter("Give the extension of the file name.", "notes.pdf").passed


def test_missing_input_looks_for_the_text_inline():
    assert not missing_input_filter("Paraphrase the following sentence.").passed
    assert missing_input_filter("Paraphrase the following sentence.", "I am late.").passed
    assert missing_input_filter("Paraphrase the following sentence: I am late.").passed
    assert missing_input_filter("Paraphrase the sentence 'I am late'.").passed
    assert missing_input_filter("Paraphrase the following sentence.\nI am late.").passed
    assert not missing_input_filter("把这段话翻译成英文。").passed
    assert missing_input_filter("把这段话翻译成英文：今天下雨了。").passed
    assert missing_input_filter("Write a sentence about dogs.").passed
    assert missing_input_filter("What is the function of the heart?").passed


def test_non_text_output_separates_making_from_describing():
    assert not non_text_output_filter("Design a logo for a tea shop.").passed
    assert not non_text_output_filter("请画一只猫。").passed
    for ok in ("Describe a logo for a tea shop.", "Design a logo slogan for a tea shop.",
               "Draw a conclusion from the data.", "Create an SVG icon of a cup.",
               "Write the script for a video about tea.", "解释“画蛇添足”的意思。",
               "Make a sound decision about the budget."):
        assert non_text_output_filter(ok).passed, ok


@pytest.mark.parametrize("output, instruction, ok", [
    ("", "Name a colour.", False),
    ("<nooutput>", "Name a colour.", False),
    ("Output: N/A", "Name a colour.", False),
    ("无输出", "说出一种颜色。", False),
    ("None", "Give an example of a metaphor.", False),
    ("None", "How many moons does Venus have?", True),
    ("N/A", "What is the abbreviation for 'not applicable'?", True),
    ("Na", "What is the chemical symbol for sodium?", True),
    ("Red.", "Name a colour.", True),
])
def test_no_output(output, instruction, ok):
    assert no_output_filter(output, instruction).passed is ok


@pytest.mark.parametrize("output, ok", [
    ("As an AI language model, I cannot see the image.", False),
    ("This instruction cannot be fulfilled by a GPT model.", False),
    ("I'm sorry, but I can't browse the internet.", False),
    ("作为一个AI语言模型，我无法访问互联网。", False),
    ("抱歉，我无法观看视频。", False),
    ("I'm sorry, but we cannot refund sale items.", True),
    ("'I cannot feel sadness,' said the robot.", True),
    ("An AI language model predicts the next word.", True),
    ("Hi! I'm a virtual assistant. How can I help?", True),
    ("作为一个AI助手，我可以帮你写邮件。", True),
])
def test_refusal(output, ok):
    assert refusal_filter(output).passed is ok


def test_merged_instructions_counts_the_markers():
    r = merged_instructions_filter("Red.\n\n##\n\n18. Instruction: Name a fruit.\n"
                                   "18. Output: Apple.")
    assert not r.passed and r.value == 2.0 and "18. Instruction:" in r.detail
    assert not merged_instructions_filter("红色。\n\n指令：说出一种水果。\n输出：苹果。").passed
    assert merged_instructions_filter("## Steps\n\n1. Mix.\n2. Bake.").passed
    assert merged_instructions_filter("Input: 4\nOutput: 8").passed
    assert merged_instructions_filter("Instructions:\n1. Dig.\n2. Plant.").passed


def test_input_placeholder_and_normalise_input():
    assert not input_placeholder_filter("<noinput>").passed
    assert input_placeholder_filter("").passed
    # a word the task works on is data, not a placeholder
    assert normalise_input("None", "Translate this word into French.") == "None"
    assert normalise_input("None", "Write a haiku about rain.") == ""
    assert normalise_input("None") == ""
    assert normalise_input("No input", "Translate this word into French.") == ""


def test_symbols_only_needs_a_task_about_numbers_or_symbols():
    assert symbols_only("}[1]{", "Rewrite the sentence politely.")
    assert symbols_only("1", "Translate the phrase.")
    assert not symbols_only("8", "How many legs does a spider have?")
    assert not symbols_only("?", "Which punctuation mark ends a question?")
    assert not symbols_only("[]", "Write an empty list in Python.")
    assert not symbols_only("Hello!", "Translate the phrase.")
    kept, results = filter_instances([Instance("1", "}[1]{"), Instance("hi", "Bonjour")],
                                     "Translate the greeting into French.")
    assert kept == [Instance("hi", "Bonjour")]
    assert {r.name: r.value for r in results}["instance_symbols_only"] == 1


@given(TEXT, TEXT, TEXT)
@settings(max_examples=300, deadline=None)
def test_check_record_takes_any_text_and_keeps_score_types(instruction, input, output):
    v = check_record(instruction, input, output)
    ref = check_record("Name a colour.", "", "Red.")
    assert v.scores.keys() == ref.scores.keys()
    for k, val in v.scores.items():
        assert type(val) is type(ref.scores[k]), k
    assert v.passed is (not v.failed)
    assert set(v.failed) <= set(v.scores)


@given(st.text(alphabet="()[]{}<>.,;:!?-_*#0123456789 ", min_size=1, max_size=20))
def test_punctuation_and_digits_alone_fail_a_non_numeric_task(junk):
    if junk.strip():
        assert symbols_only(junk, "Rewrite the sentence politely.")


def test_generated_instances_with_dataset_defects_are_dropped():
    kept, results = filter_instances([
        Instance("", "<nooutput>"),
        Instance("", "As an AI language model, I cannot see images."),
        Instance("", "Paris.\n\n##\n\n12. Instruction: Name a river."),
        Instance("https://example.com/news/1", "It is about taxes."),
        Instance("The cat sat on the mat.", "Le chat s'est assis sur le tapis."),
    ], "Translate the following sentence into French.")
    by = {r.name: r.value for r in results}
    assert kept == [Instance("The cat sat on the mat.", "Le chat s'est assis sur le tapis.")]
    assert by["instance_empty_output"] == 1 and by["instance_refusal"] == 1
    assert by["instance_merged_instructions"] == 1
    assert by["instance_unseen_content"] == 1
    _kept, results = filter_instances([Instance("", "Bonjour.")],
                                      "Translate the following sentence into French.")
    assert {r.name: r.value for r in results}["instance_missing_input"] == 1


@pytest.mark.parametrize("instruction, ok", [
    ("Write a sentence, then explain why this sentence is funny.", True),  # made first
    ("Make a list of fruits and sort the list.", True),
    ("Given a sentence, rewrite the sentence in passive voice.", False),
    ("Given a sentence, rewrite it in passive voice.", False),
])
def test_missing_input_knows_what_the_instruction_makes_itself(instruction, ok):
    assert missing_input_filter(instruction).passed is ok


@pytest.mark.parametrize("instruction, ok", [
    ("Explain how Dijkstra finds the shortest path in the graph.", True),
    ("What does this figure of speech mean: 'time is money'?", True),
    ("Describe this chart: sales rose 5% in Q1 and 7% in Q2.", True),
    ("Based on the graph, which year was best?", False),
    ("What is shown in the picture?", False),
])
def test_unseen_content_deictic_references(instruction, ok):
    assert unseen_content_filter(instruction).passed is ok


@pytest.mark.parametrize("output, instruction, bad", [
    ("42", "What is the answer to life, the universe and everything?", False),
    ("1945", "When did the Second World War end?", False),
    ("100", "Rewrite the sentence in the past tense.", True),
])
def test_a_question_may_be_answered_with_a_number(output, instruction, bad):
    assert symbols_only(output, instruction) is bad


def test_a_dash_is_an_answer_about_signs():
    assert no_output_filter("-", "What is the sign for subtraction?").passed
    assert not no_output_filter("-", "Write a poem about rain.").passed


def test_a_number_that_picks_an_option_from_the_input_is_an_answer():
    options = "1. Paris is in France.\n2. Rome is in Italy.\n3. Oslo is in Norway."
    assert not symbols_only("3", "Pick the sentence about Norway.", options)
    assert symbols_only("7", "Pick the sentence about Norway.", options)


def test_only_an_output_ending_with_a_colon_fails_a_record():
    assert check_record("Complete the analogy.", "Hot : Cold :: Up :", "Down").passed
    v = check_record("Give steps to boil an egg.", "", "Here are the steps:")
    assert v.failed == ["instance_ends_with_colon"]


@pytest.mark.parametrize("instruction, input, ok", [
    ("Extract all email addresses from the text.",
     "Write to ann@example.org or see https://example.org/contact for our hours.", True),
    ("Rewrite this sentence: Visit https://example.com/deals for this week's deals.", "", True),
    ("Summarize the article: https://example.com/a", "", False),
    ("Summarize this article.", "Article: https://example.com/news/7", False),
])
def test_a_link_inside_text_is_not_the_content(instruction, input, ok):
    assert unseen_content_filter(instruction, input).passed is ok


def test_instances_are_judged_on_their_input_only():
    # the task's own wording is judged once, by the instruction filters
    r = unseen_content_filter("Describe the photo below.", "A red kite over a green hill.",
                              input_only=True)
    assert r.passed
    assert not unseen_content_filter("Describe it.", "https://example.com/p.jpg",
                                     input_only=True).passed


@pytest.mark.parametrize("instruction, ok", [
    ("Describe this photo.", True),  # its instances may describe the photo
    ("Describe the photo below.", False),
    ("Summarize the article at https://example.com/news/7.", False),
    ("如下图所示，求阴影部分的面积。", False),
])
def test_a_new_instruction_is_judged_before_its_inputs_exist(instruction, ok):
    assert unseen_content_filter(instruction, input_follows=True).passed is ok

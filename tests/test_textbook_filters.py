"""Textbook checks: length per style, placeholders, boilerplate, image references, near-dup."""

from __future__ import annotations

import pytest

from synthstudio.filters.textbook import (
    boilerplate_filter,
    image_ref_filter,
    length_filter,
    near_dup_filter,
    placeholder_filter,
    text_filters,
)
from synthstudio.similarity.minhash import DupMatch

CLEAN = ("Plants make their own food. They take in water through their roots and carbon "
         "dioxide through tiny holes in their leaves. Sunlight gives them the energy to "
         "join these together into sugar, and they let oxygen out into the air.")


def test_length_bounds_per_style() -> None:
    assert length_filter("word " * 300, "textbook").passed
    short = length_filter("word " * 100, "textbook")
    assert not short.passed and short.value == 100 and short.detail == "too short"
    assert not length_filter("word " * 3500, "textbook").passed
    assert length_filter("word " * 180, "howto").passed  # howto allows shorter texts
    # a style the settings do not know (an older pool's) gets broad bounds
    assert length_filter("word " * 60, "essay").threshold == "50..5000"
    assert length_filter("word " * 100, "textbook", {"story": (10, 20)}).threshold == "250..3000"


def test_length_configurable_and_cjk_characters_count_as_words() -> None:
    bounds = {"story": (10, 20)}
    assert length_filter("一二三四五六七八九十十一", "story", bounds).passed
    assert not length_filter("一二三", "story", bounds).passed
    assert length_filter("a b c d e f g h i j k", "story", bounds).threshold == "10..20"


@pytest.mark.parametrize("text", [
    "Dear [Your Name], thank you for reading.",
    "Sign here: <insert signature here>",
    "Lorem ipsum dolor sit amet.",
    "TODO: finish this section.",
    "The answer is XXX.",
    "Contact [Company Name] for details.",
])
def test_placeholders_caught(text: str) -> None:
    r = placeholder_filter(text)
    assert not r.passed and r.value and "contains" in r.detail


def test_placeholder_lookalikes_pass() -> None:
    assert placeholder_filter(CLEAN).passed
    assert placeholder_filter("Make a todo list before you start [1].").passed
    assert placeholder_filter("An array a[i] holds the value <x>.").passed


@pytest.mark.parametrize("text", [
    "As an AI, I don't have personal experiences, but photosynthesis is fascinating.",
    "As a language model I cannot be sure.",
    "Certainly! Here is a chapter about plants.",
    "作为一个人工智能，我无法确定。",
])
def test_boilerplate_caught(text: str) -> None:
    assert not boilerplate_filter(text).passed


def test_no_boilerplate_in_clean_text() -> None:
    assert boilerplate_filter(CLEAN).passed
    assert boilerplate_filter("Computers can act as an aid to memory.").passed


@pytest.mark.parametrize("text", [
    "As you can see the figure shows the leaf.",
    "See the figure for the parts of a cell.",
    "The image below shows a chloroplast.",
    "Look at the diagram above.",
    "The mitochondrion, pictured here, makes energy.",
    "As shown in Figure 3, the curve rises.",
])
def test_image_references_caught(text: str) -> None:
    assert not image_ref_filter(text).passed


def test_text_without_image_references_passes() -> None:
    assert image_ref_filter(CLEAN).passed
    assert image_ref_filter("Imagine a picture of your favourite place in your mind.").passed
    assert image_ref_filter("The table below lists the planets.").passed


def test_near_dup_filter_uses_threshold() -> None:
    close = DupMatch(0.82, "cand:3", "Some earlier text", [("cand:3", 0.82)])
    r = near_dup_filter(close, 0.7)
    assert not r.passed and r.value == 0.82 and r.threshold == 0.7
    assert "cand:3" in r.detail and r.extra["nearest"] == [["cand:3", 0.82]]
    assert near_dup_filter(DupMatch(0.4), 0.7).passed
    assert not near_dup_filter(DupMatch(0.7), 0.7).passed  # reaching it is a duplicate


def test_text_filters_names() -> None:
    names = [r.name for r in text_filters(CLEAN, "story", {"story": (10, 100)})]
    assert names == ["length", "placeholders", "ai_boilerplate", "image_refs"]
    assert all(r.passed for r in text_filters(CLEAN, "story", {"story": (10, 100)}))

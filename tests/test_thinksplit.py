"""ThinkSplitter: inline <think> tags become thinking deltas, wherever the text is cut."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from synthstudio.backends.base import ContentDelta, ThinkingDelta
from synthstudio.backends.thinksplit import ThinkSplitter, split_all


def run(pieces: list[str], **kw: bool) -> list[tuple[str, str]]:
    sp = ThinkSplitter(**kw)
    out = [d for p in pieces for d in sp.feed(p)] + sp.flush()
    merged: list[tuple[str, str]] = []
    for d in out:
        kind = "think" if isinstance(d, ThinkingDelta) else "content"
        assert d.text, "no empty deltas"
        if merged and merged[-1][0] == kind:
            merged[-1] = (kind, merged[-1][1] + d.text)
        else:
            merged.append((kind, d.text))
    return merged


def test_basic_split() -> None:
    assert split_all("<think>\nhmm, 2+2</think>\n\nIt is 4.") == ("It is 4.", "hmm, 2+2")


def test_tag_cut_anywhere() -> None:
    assert run(["<thi", "nk>a", "b</th", "ink>", "c"]) == [("think", "ab"), ("content", "c")]


def test_no_tags_is_all_content_and_angle_brackets_survive() -> None:
    assert run(["a < b", " <thin", "g>"]) == [("content", "a < b <thing>")]


def test_start_in_think() -> None:
    assert split_all("reasoning</think>answer", start_in_think=True) == ("answer", "reasoning")


def test_unclosed_think_is_thinking_and_partial_tag_flushes() -> None:
    sp = ThinkSplitter()
    assert sp.feed("<think>still going </thi") == [ThinkingDelta("still going ")]
    assert sp.flush() == [ThinkingDelta("</thi")]


def test_content_kept_as_content() -> None:
    sp = ThinkSplitter()
    assert sp.feed("plain") == [ContentDelta("plain")]



@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.text(alphabet="ab <>/thinkT\n", max_size=12) | st.sampled_from(
    ["<think>", "</think>", "<thi", "nk>", "</", " \n"]), max_size=12),
    cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=10),
    start=st.booleans())
def test_any_split_gives_the_same_result(parts: list[str], cuts: list[int], start: bool) -> None:
    text = "".join(parts)
    points = sorted({min(c, len(text)) for c in cuts})
    pieces = [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]
    assert run(pieces, start_in_think=start) == run([text], start_in_think=start)
    one_by_one = run(list(text), start_in_think=start)
    assert one_by_one == run([text], start_in_think=start)

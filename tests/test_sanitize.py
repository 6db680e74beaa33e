"""Untrusted text is shown inert: no escape sequence or control character survives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from synthstudio.boundary.inert import has_controls, inert


def test_escape_sequences_become_visible():
    assert inert("\x1b[31mred\x1b[0m") == "␛[31mred␛[0m"
    assert inert("a\rb") == "a␍b"
    assert inert("bell\x07") == "bell␇"
    assert inert("\x9b2J") == "\\x9b2J"
    assert inert("keep\ttabs\nand lines 中文") == "keep\ttabs\nand lines 中文"
    assert inert("\u202eevil") == "\\u202eevil"


@given(st.text())
def test_nothing_dangerous_survives(text):
    out = inert(text)
    assert not has_controls(out)
    assert "\x1b" not in out and "\r" not in out

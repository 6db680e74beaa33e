"""Placeholders that stand for "no input": ``<noinput>``, ``No input``, ``N/A``, ``无输入``.

Alpaca-style data often writes a placeholder where the input should be empty; a model
trained on it learns to expect the placeholder. :func:`normalise_input` turns every such
placeholder into the empty string (imports use it), and :func:`input_placeholder_filter`
flags a record that carries one so the person sees it.
"""

from __future__ import annotations

import re

from synthstudio.records import FilterResult

# compared after lower-casing, dropping brackets, quotes and end punctuation, and
# squeezing spaces: "<No Input>", "(none)", "No input." and "[N/A]" all match
_PLACEHOLDERS = frozenset({
    "noinput", "no input", "no input required", "no input needed", "no input is required",
    "no input is needed", "no input provided", "no input given", "no input necessary",
    "not applicable", "none", "none required", "none needed", "none provided", "n/a",
    "n.a", "na", "input none", "input n/a", "no inputs", "not needed", "not required",
    "无", "无输入", "没有输入", "无需输入", "不需要输入", "无需", "暂无", "不适用",
    "输入无", "输入：无", "输入:无", "无内容", "无输入内容",
})
_EDGE = "<>()[]{}\"'`“”‘’「」『』《》（）【】.。:：;；,，!！*_~ \t\r\n"
_DASHES = re.compile(r"[\s\-–—_.。…·]+")
_SPACES = re.compile(r"\s+")
MAX_PLACEHOLDER_CHARS = 40


def _key(text: str) -> str:
    return _SPACES.sub(" ", text.strip().strip(_EDGE).lower()).strip()


def placeholder_of(text: str) -> str:
    """The placeholder ``text`` consists of, as written (stripped); ``""`` when none.

    A field made only of dashes, dots or ellipses counts as a placeholder too.
    """
    s = (text or "").strip()
    if not s or len(s) > MAX_PLACEHOLDER_CHARS:
        return ""
    if _DASHES.fullmatch(s):
        return s
    return s if _key(s) in _PLACEHOLDERS else ""


def normalise_input(text: str) -> str:
    """The input with surrounding whitespace removed, or ``""`` when it is a placeholder."""
    s = (text or "").strip()
    return "" if placeholder_of(s) else s


def input_placeholder_filter(input: str) -> FilterResult:
    """Fail when the input field holds a "no input" placeholder instead of being empty."""
    found = placeholder_of(input)
    return FilterResult("input_placeholder", not found, found, "empty or real input",
                        f"input is the placeholder {found!r}; leave it empty" if found else "")

"""Placeholders that stand for "no input": ``<noinput>``, ``No input``, ``N/A``, ``无输入``.

Alpaca-style data often writes a placeholder where the input should be empty; a model
trained on it learns to expect the placeholder. :func:`normalise_input` turns every such
placeholder into the empty string (imports use it), and :func:`input_placeholder_filter`
flags a record that carries one so the person sees it.
"""

from __future__ import annotations

import re

from synthstudio.filters.references import refers_to_input
from synthstudio.records import FilterResult

# compared after lower-casing, dropping brackets, quotes and end punctuation, and
# squeezing spaces: "<No Input>", "(none)", "No input." and "[N/A]" all match
_PLACEHOLDERS = frozenset({
    "noinput", "no input", "no input required", "no input needed", "no input is required",
    "no input is needed", "no input provided", "no input given", "no input necessary",
    "none required", "none needed", "none provided",
    "no inputs", "not needed", "not required",
    "无输入", "没有输入", "无需输入", "不需要输入", "无需", "输入无", "输入：无", "输入:无",
    "无内容", "无输入内容",
})
#: placeholders that are also words a task can work on ("Translate this word: 无")
_AMBIGUOUS = frozenset({"none", "n/a", "n.a", "na", "not applicable", "无", "暂无", "不适用"})
_EDGE = "<>()[]{}\"'`“”‘’「」『』《》（）【】.。:：;；,，!！*_~ \t\r\n"
_DASHES = re.compile(r"[\s\-–—_.。…·]+")
_SPACES = re.compile(r"\s+")
MAX_PLACEHOLDER_CHARS = 40


_LABEL = re.compile(r"^\s*(?:input|输入)\s*[:：]\s*", re.IGNORECASE)


def _key(text: str) -> str:
    return _SPACES.sub(" ", _LABEL.sub("", text).strip().strip(_EDGE).lower()).strip()


def placeholder_of(text: str, instruction: str | None = None) -> str:
    """The placeholder ``text`` consists of, as written (stripped); ``""`` when none.

    A field made only of dashes, dots or ellipses counts as a placeholder too. Words
    that can be real data (``None``, ``N/A``, ``无``) count only when ``instruction`` is
    not given or does not refer to its input ("Translate this word").
    """
    s = (text or "").strip()
    if not s or len(s) > MAX_PLACEHOLDER_CHARS:
        return ""
    key = _key(s)
    if key in _PLACEHOLDERS:
        return s
    if _DASHES.fullmatch(s) or key in _AMBIGUOUS:
        return "" if instruction and refers_to_input(instruction) else s
    return ""


def normalise_input(text: str, instruction: str | None = None) -> str:
    """The input with surrounding whitespace removed, or ``""`` when it is a placeholder.

    Pass the record's ``instruction`` when there is one: then a word like ``None`` or
    ``无`` is kept when the instruction works on it ("Translate this word into English").
    """
    s = (text or "").strip()
    return "" if placeholder_of(s, instruction) else s


def input_placeholder_filter(input: str, instruction: str | None = None) -> FilterResult:
    """Fail when the input field holds a "no input" placeholder instead of being empty."""
    found = placeholder_of(input, instruction)
    return FilterResult("input_placeholder", not found, found, "empty or real input",
                        f"input is the placeholder {found!r}; leave it empty" if found else "")

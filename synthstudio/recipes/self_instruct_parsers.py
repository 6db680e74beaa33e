"""Parsers for model output: numbered instruction lists, Yes/No answers, instances.

Model output is untrusted text: every parser returns a (possibly empty) result for any
string and never raises. Patterns are linear-time so a 100k-character reply is cheap.
"""

from __future__ import annotations

import json
import re

from synthstudio.filters.placeholder import normalise_input
from synthstudio.records import Instance

MAX_INSTRUCTIONS = 32

# "9. text", "10) text", "Task 9: text", "**9.** text", "9、text" at the start of a line
_ITEM = re.compile(
    r"^[ \t]*(?:[*_#>\-]+[ \t]*)?(?:task[ \t]*)?(\d{1,3})[ \t]*(?:[.)：:、]|\*\*)[ \t*_]*",
    re.IGNORECASE | re.MULTILINE,
)
_TRAILING_SECTION = re.compile(r"\n[ \t]*(?:input|output|example|answer)[ \t]*\d*[ \t]*:",
                               re.IGNORECASE)
_WS = re.compile(r"\s+")


def _clean_item(text: str) -> str:
    cut = _TRAILING_SECTION.search(text)
    if cut:
        text = text[: cut.start()]
    text = _WS.sub(" ", text).strip()
    text = text.replace("**", "").strip("*_`\"'“”「」 ").strip()
    return text


# a number the model repeated inside an item: "1. Extract ..." (not "3.14")
_LEADING_NUMBER = re.compile(r"^(?:\d{1,3}[ \t]*[.)、](?!\d)[ \t]*)+")
_TRAILING_NUMBER = re.compile(
    r"(?<!\bto)(?<!\bof)(?<!\bby)(?<!\bat)(?<!\bis)(?<!\bin)(?<!\bor)(?<!\band)(?<!\bthan)"
    r"(?<!\bfrom)(?<!\bover)(?<!\bunder)(?<![=+*/-])[ \t]+(\d{1,3})[ \t]*[.)、][ \t]*$",
    re.IGNORECASE)


def _split_item(number: int | None, text: str, before: int = 0) -> list[str]:
    """One numbered item, with the list numbering a model repeats inside it removed.

    ``"1. Extract every date"`` loses its repeated number; ``"Write a poem. 12. Write a
    song."`` in item 11 is two items; a trailing ``"5."`` that continues the count is cut.
    The reply's unnumbered head (``number`` None) splits at any number below ``before``,
    the first numbered line.
    """
    items: list[str] = []
    while text:
        lead = _LEADING_NUMBER.match(text)
        inner = None
        if lead:
            digits = re.findall(r"\d+", lead.group(0))
            inner = int(digits[-1])
            text = text[lead.end():]
        nexts = {n + 1 for n in (number, inner) if n is not None} or set(range(1, before))
        rest = ""
        for n in sorted(nexts):
            m = re.search(rf"(?<=\S)[ \t]+{n}[ \t]*[.)、][ \t]+(?=\S)", text)
            if m:
                text, rest = text[:m.start()], text[m.end():]
                number = n
                break
        tail = _TRAILING_NUMBER.search(text)
        if tail and int(tail.group(1)) in nexts:
            text = text[:tail.start()]
        text = text.strip()
        if text:
            items.append(text)
        text = rest
    return items


def parse_numbered_instructions(text: str, truncated: bool = False) -> list[str]:
    """Split a numbered continuation into instructions.

    The prompt ends with ``9.``, so a reply may start straight with the ninth task's
    text; that leading part counts as a task unless it reads like a preamble (ends
    with a colon). When the reply was cut by the token limit (``truncated``), its last
    task is incomplete and is dropped, as the paper does.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    items: list[str] = []
    matches = list(_ITEM.finditer(text))
    head = text[: matches[0].start()] if matches else text
    head_item = _clean_item(head)
    if head_item and not head_item.endswith((":", "：")):
        items.extend(_split_item(None, head_item, int(matches[0].group(1)) if matches else 0))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        items.extend(_split_item(int(m.group(1)), _clean_item(text[m.end(): end])))
        if len(items) > MAX_INSTRUCTIONS:
            break
    if truncated and items:
        items.pop()
    return items[:MAX_INSTRUCTIONS]


_YES = re.compile(r"\b(yes|no)\b|(是|否|不是)", re.IGNORECASE)


def parse_yes_no(text: str) -> bool | None:
    """The first Yes/No (or 是/否) in a reply; None when there is none."""
    if not isinstance(text, str):
        return None
    try:
        data = json.loads(text)
        if isinstance(data, dict):
            text = " ".join(str(v) for v in data.values())
    except (ValueError, RecursionError):
        pass
    m = _YES.search(text[:2000])
    if not m:
        return None
    word = (m.group(1) or m.group(2)).lower()
    return word in ("yes", "是")


_FIELD = re.compile(
    r"^[ \t*_]*(input|output|class[ \t]*label|label)[ \t*_]*[:：][ \t]*",
    re.IGNORECASE | re.MULTILINE,
)
_EXAMPLE = re.compile(r"^[ \t*_#]*example[ \t]*\d*[ \t*_]*[:.]?[ \t]*$",
                      re.IGNORECASE | re.MULTILINE)
_norm_input = normalise_input


def parse_instances(text: str, output_first: bool, limit: int = 5,
                    truncated: bool = False) -> list[Instance]:
    """Read ``Input:``/``Output:`` (or ``Class label:``/``Input:``) pairs from a reply.

    Text between fields belongs to the field before it, so multi-line inputs and outputs
    survive. An instance whose fields are incomplete is dropped; when the reply was cut
    by the token limit, the last instance is dropped too.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    text = _EXAMPLE.sub("\n", text)
    fields: list[tuple[str, str]] = []
    matches = list(_FIELD.finditer(text))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        name = re.sub(r"[ \t]+", " ", m.group(1).lower())
        name = "output" if name in ("class label", "label") else name
        fields.append((name, text[m.end(): end].strip()))
    first, second = ("output", "input") if output_first else ("input", "output")
    out: list[Instance] = []
    pending: dict[str, str] = {}
    for name, value in fields:
        if name == first:
            pending = {first: value}
        elif name == second and first in pending:
            pending[second] = value
            out.append(Instance(_norm_input(pending["input"]), pending["output"].strip()))
            pending = {}
        elif name == second and not output_first and not pending:
            # an output with no input line: a task that takes no input
            out.append(Instance("", value.strip()))
    if truncated and out:
        out.pop()
    return out[:limit]


def parse_instances_json(text: str, limit: int = 5) -> list[Instance]:
    """Instances from structured output ``{"instances": [{"input", "output"}]}``."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError, TypeError):
        return []
    items = data.get("instances") if isinstance(data, dict) else data
    if not isinstance(items, list):
        return []
    out = []
    for it in items:
        if not isinstance(it, dict):
            continue
        out_text = it.get("output", it.get("class_label", it.get("label")))
        in_text = it.get("input", "")
        if isinstance(out_text, str) and isinstance(in_text, str):
            out.append(Instance(_norm_input(in_text), out_text.strip()))
    return out[:limit]

"""Turning untrusted text (model output, pool items) into inert, markup-free content.

Static widgets and option lists get Textual ``Content`` (styles may use theme variables
such as ``$success``); data table cells get Rich ``Text``. Neither parses markup, and the
text always goes through :func:`synthstudio.boundary.inert.inert` first.
"""

from __future__ import annotations

import re

from rich.text import Text
from textual.content import Content

from synthstudio.boundary.inert import inert
from synthstudio.records import ACCEPTED, PROPOSED, Candidate
from synthstudio.similarity.tokens import is_cjk, tokenize

_WORD = re.compile(r"[^\W_]+")


def safe(text: str, style: str = "") -> Content:
    """Model or pool text as Content: control characters shown, never markup."""
    return Content.styled(inert(text or ""), style)


def cell(text: str, style: str = "") -> Text:
    """Model or pool text for a data table cell (Rich Text, never markup)."""
    return Text(inert(text or ""), style=style)


def one_line(text: str, limit: int = 200) -> str:
    """Whitespace folded to single spaces, cut at ``limit`` characters, inert."""
    flat = " ".join((text or "").split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return inert(flat)


def status_mark(c: Candidate) -> str:
    if c.status == ACCEPTED:
        return "✓"
    if c.status == PROPOSED:
        return "●" if c.passed else "◐"
    return "✗"


def candidate_line(c: Candidate, limit: int = 160, judge: str = "") -> Content:
    """One list row: status mark, id, the judge's score (if any) and title."""
    mark = status_mark(c)
    style = {"✓": "bold $success", "●": "bold $success", "◐": "bold $warning"}.get(
        mark, "bold $error")
    parts: list[str | tuple[str, str]] = [(f"{mark} ", style), (f"#{c.id} ", "dim")]
    if judge:
        parts.append((f"[{judge}] ", "bold $accent"))
    parts.append(one_line(c.title, limit))
    if c.status != ACCEPTED and c.failed_filters:
        parts.append((f"  ({', '.join(c.failed_filters)})", "italic dim"))
    return Content.assemble(*parts)


def highlight_overlap(text: str, reference: str, style: str = "bold $accent") -> Content:
    """``text`` with the words it shares with ``reference`` (ROUGE tokens) highlighted.

    Latin words match by their lowercased tokens; CJK characters match one by one.
    """
    ref = set(tokenize(reference))
    shown = inert(text)
    spans: list[tuple[int, int]] = []
    for m in _WORD.finditer(shown):
        word = m.group(0)
        if any(is_cjk(ch) for ch in word):
            spans += [(m.start() + i, m.start() + i + 1) for i, ch in enumerate(word)
                      if ch in ref]
            continue
        tokens = tokenize(word)
        if tokens and all(t in ref for t in tokens):
            spans.append((m.start(), m.end()))
    out = Content(shown)
    for start, end in spans:
        out = out.stylize(style, start, end)
    return out

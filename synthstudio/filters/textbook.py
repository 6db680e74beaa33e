"""Checks for textbook-style texts, each giving its own score and verdict.

* ``length``: words (every CJK character counts as a word) within the style's bounds.
* ``placeholders``: template leftovers: ``[Your Name]``-style brackets, ``<insert ...>``,
  Lorem ipsum, TODO, XXX.
* ``ai_boilerplate``: assistant talk: "As an AI", "as a language model", "I cannot ...".
* ``image_refs``: references to pictures a text-only reader cannot see ("see the figure",
  "the image below", "diagram above", "pictured").
* ``near_dup``: estimated Jaccard similarity (MinHash, 5-gram shingles) with the closest
  textbook text already in the pool.
"""

from __future__ import annotations

import re

from synthstudio.config.choices import is_style
from synthstudio.config.recipes import DEFAULT_LENGTHS
from synthstudio.filters.script import count_words
from synthstudio.records import FilterResult
from synthstudio.similarity.minhash import DupMatch

#: style -> (min words, max words)

_PLACEHOLDERS = re.compile(
    r"\[\s*(?:your|insert|add|enter|name of|company|author|date|placeholder|link|url|"
    r"image|figure|citation|source)\b[^\]\n]{0,40}\]"
    r"|<\s*(?:insert|your|add|placeholder)\b[^>\n]{0,60}>"
    r"|\{\{?\s*(?:your|insert|placeholder)\b[^}\n]{0,40}\}\}?"
    r"|\blorem\s+ipsum\b"
    r"|\bTODO\b|\bTBD\b|\bXXX+\b|\bFIXME\b",
    re.IGNORECASE,
)
#: the case-sensitive parts: TODO and XXX only as capitals (a "todo list" is fine)
_CAPS_ONLY = ("todo", "tbd", "xxx", "fixme")

_BOILERPLATE = re.compile(
    r"\bas an ai\b|\bas a(?:n)? (?:large )?language model\b|\bas an? (?:ai )?assistant\b"
    r"|\bi(?:'m| am) an ai\b|\bi (?:cannot|can't|am unable to) (?:browse|provide|access)\b"
    r"|\bmy (?:training data|knowledge cutoff)\b"
    r"|\bcertainly!? here(?:'s| is)\b|\bsure!? here(?:'s| is)\b"
    r"|作为(?:一个)?(?:人工智能|AI|语言模型)",
    re.IGNORECASE,
)

#: things a text cannot show (a table can be written out, so it is not one of them)
_VISUAL = r"(?:figure|fig\.|image|picture|photo(?:graph)?|diagram|chart|graph|illustration)"
_IMAGE_REFS = re.compile(
    rf"\b(?:see|refer to|look at|shown in|as shown in|illustrated in)\s+(?:the\s+)?"
    rf"(?:following\s+|accompanying\s+|attached\s+)?{_VISUAL}s?\b"
    rf"|\b(?:the|this)\s+{_VISUAL}s?\s+(?:below|above)\b"
    rf"|\b{_VISUAL}s?\s+(?:below|above)\b"
    rf"|\b(?:below|above)\s+{_VISUAL}s?\b"
    rf"|\b{_VISUAL}\s+\d+(?:\.\d+)?\b"
    r"|\bpictured\b"
    r"|如图所示|见图|下图|上图",
    re.IGNORECASE,
)


def _found(pattern: re.Pattern[str], text: str, caps_only: tuple[str, ...] = ()) -> list[str]:
    out: list[str] = []
    for m in pattern.finditer(text):
        hit = m.group(0)
        if hit.lower() in caps_only and not hit.isupper():
            continue
        if hit not in out:
            out.append(hit)
    return out


def length_filter(text: str, style: str,
                  lengths: dict[str, tuple[int, int]] | None = None) -> FilterResult:
    default = DEFAULT_LENGTHS.get(style, (50, 5000)) if is_style(style) else (50, 5000)
    lo, hi = (lengths or {}).get(style, default)
    n = count_words(text)
    ok = lo <= n <= hi
    detail = "" if ok else ("too short" if n < lo else "too long")
    return FilterResult("length", ok, n, f"{lo}..{hi}", detail)


def placeholder_filter(text: str) -> FilterResult:
    hits = _found(_PLACEHOLDERS, text, _CAPS_ONLY)
    return FilterResult("placeholders", not hits, len(hits), 0,
                        f"contains {', '.join(hits[:5])}" if hits else "")


def boilerplate_filter(text: str) -> FilterResult:
    hits = _found(_BOILERPLATE, text)
    return FilterResult("ai_boilerplate", not hits, len(hits), 0,
                        f"contains {', '.join(hits[:5])}" if hits else "")


def image_ref_filter(text: str) -> FilterResult:
    hits = _found(_IMAGE_REFS, text)
    return FilterResult("image_refs", not hits, len(hits), 0,
                        f"refers to {', '.join(hits[:5])}" if hits else "")


def near_dup_filter(match: DupMatch, threshold: float = 0.7) -> FilterResult:
    """Pass iff the closest pool text's estimated Jaccard is below ``threshold``."""
    ok = match.score < threshold
    snippet = " ".join(match.text.split())[:80]
    return FilterResult(
        "near_dup", ok, round(match.score, 4), threshold,
        "" if ok else f"near-duplicate of {match.key}: {snippet}",
        {"nearest": [[k, round(s, 4)] for k, s in match.nearest]},
    )


def text_filters(text: str, style: str,
                 lengths: dict[str, tuple[int, int]] | None = None) -> list[FilterResult]:
    """The checks that need only the text (the near-dup check needs the index)."""
    return [length_filter(text, style, lengths), placeholder_filter(text),
            boilerplate_filter(text), image_ref_filter(text)]

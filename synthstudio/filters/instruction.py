"""The Self-Instruct instruction filters, each giving its own score and verdict.

Rules (Wang et al. 2022, with the Alpaca additions): length in words, blacklisted words,
"Write a program" openings, openings with punctuation (or, optionally, non-ASCII symbols),
and ROUGE-L against every instruction already in the pool.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from synthstudio.filters.script import count_words, is_cjk
from synthstudio.records import FilterResult

NEAREST_K = 10


def words_filter(text: str, min_words: int = 4, max_words: int = 150) -> FilterResult:
    n = count_words(text)
    ok = min_words <= n <= max_words
    detail = "" if ok else ("too short" if n < min_words else "too long")
    return FilterResult("words", ok, n, f"{min_words}..{max_words}", detail)


@lru_cache(maxsize=32)
def _blacklist_pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = [r"\s+".join(re.escape(p) for p in w.split()) for w in words if w.strip()]
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def blacklist_filter(text: str, words: Iterable[str]) -> FilterResult:
    """Whole-word, case-insensitive match of any blacklisted word or phrase."""
    pattern = _blacklist_pattern(tuple(sorted({w.lower() for w in words})))
    found = sorted({m.group(0).lower() for m in pattern.finditer(text)}) if pattern else []
    return FilterResult("blacklist", not found, ", ".join(found) or "none", "no match",
                        f"contains {', '.join(found)}" if found else "")


def program_filter(text: str) -> FilterResult:
    bad = text.strip().lower().startswith("write a program")
    return FilterResult("write_a_program", not bad, "yes" if bad else "no", "no",
                        "starts with 'Write a program'" if bad else "")


#: quotation marks and brackets that open Chinese and Japanese titles, terms and quotes
_CJK_OPENERS = "“‘「『《〈【〔〖（［｛\"'(["
#: brackets used only in CJK text: fine before any letter or digit
_CJK_ONLY_OPENERS = "「『《〈【〔〖（［｛"


def _opens_cjk_quote(s: str) -> bool:
    """Whether ``s`` starts with quotes or brackets around CJK text (“翻译”, 《静夜思》,
    （选择题）): a normal opening in Chinese and Japanese."""
    rest = s.lstrip(_CJK_OPENERS)
    if not rest or len(s) - len(rest) > 3:
        return False
    return is_cjk(rest[0]) or (s[0] in _CJK_ONLY_OPENERS and rest[0].isalnum())


def start_filter(text: str, reject_non_ascii: bool = True) -> FilterResult:
    """Reject an opening punctuation mark or symbol; optionally a non-ASCII opening
    character, but never a CJK letter (so Chinese instructions pass), nor a quotation
    mark or bracket that opens CJK text (“春眠不觉晓”, 「人工智能」, 《静夜思》). When
    non-ASCII openings are allowed, so is Spanish ``¿``/``¡`` before a letter."""
    s = text.strip()
    if not s:
        return FilterResult("bad_start", False, "empty", "a letter or digit", "empty")
    ch = s[0]
    if _opens_cjk_quote(s) or (not reject_non_ascii and ch in "¿¡" and s[1:2].isalpha()):
        return FilterResult("bad_start", True, repr(ch), "a letter or digit")
    cat = unicodedata.category(ch)
    if cat[0] in "PS":
        return FilterResult("bad_start", False, repr(ch), "a letter or digit",
                            "starts with punctuation or a symbol")
    if reject_non_ascii and not ch.isascii() and not is_cjk(ch):
        return FilterResult("bad_start", False, repr(ch), "a letter or digit",
                            "starts with a non-ASCII character")
    return FilterResult("bad_start", True, repr(ch), "a letter or digit")


def rouge_filter(max_score: float, nearest: list[tuple[str, float]],
                 threshold: float = 0.7) -> FilterResult:
    """Pass iff the highest ROUGE-L F-measure is not above ``threshold``."""
    ok = max_score <= threshold
    return FilterResult(
        "rouge_l", ok, round(max_score, 4), threshold,
        "" if ok else f"too similar to: {nearest[0][0]}" if nearest else "too similar",
        {"nearest": [[t, s] for t, s in nearest]},
    )

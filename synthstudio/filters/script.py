"""Which characters belong to CJK scripts (per-character tokens, word counts, starts)."""

from __future__ import annotations

import re

CJK_RANGES = (
    "\u1100-\u11ff"  # Hangul jamo
    "\u3040-\u309f"  # Hiragana
    "\u30a0-\u30ff"  # Katakana
    "\u3130-\u318f"  # Hangul compatibility jamo
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uac00-\ud7af"  # Hangul syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U00020000-\U0002ffff"  # CJK extensions B..F
)
CJK_CHAR = re.compile(f"[{CJK_RANGES}]")


def is_cjk(ch: str) -> bool:
    return bool(CJK_CHAR.match(ch))


def count_words(text: str) -> int:
    """Whitespace-separated words, with every CJK character counted as one word.

    Chinese and Japanese are written without spaces, so a whole sentence would otherwise
    count as one word and fail the length filter.
    """
    cjk = len(CJK_CHAR.findall(text))
    rest = CJK_CHAR.sub(" ", text)
    return cjk + len(rest.split())

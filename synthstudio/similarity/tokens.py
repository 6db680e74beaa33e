"""Tokens for ROUGE-L: rouge-score's tokens for Latin text, plus CJK and other scripts.

``rouge_score`` (no stemmer) lowercases the text, turns every character outside
``[a-z0-9]`` into a space and keeps the runs of ``[a-z0-9]``.  :func:`tokenize` does
exactly that, and adds two things rouge-score cannot see:

* **CJK**: every Han ideograph (unified, extension A and the supplementary-plane
  extensions, compatibility ideographs), Hiragana, Katakana (full and half width),
  Bopomofo and Hangul character (syllables and jamo) is one token, kept in its place
  among the other tokens.  CJK punctuation (``。、「」・`` ...) is a separator.  So two
  identical Chinese sentences score 1.0, where rouge-score gives 0.0 (no tokens at all).
* **Other scripts**: a run of letters of any other non-Latin script (Cyrillic, Greek,
  Arabic, Hebrew, Thai, Devanagari, Georgian, ...) is one lowercased word token; combining
  marks and ZWJ/ZWNJ inside the run belong to the word.

Latin-script parity: accented and other non-ASCII Latin letters (``é``, ``ß``, ``ﬁ``,
full-width ``Ａ``) are dropped exactly as rouge-score drops them (``"café"`` gives
``["caf"]``), a combining mark after an ASCII letter is a separator, and the text is not
Unicode-normalised.  Hence for any text without CJK characters and without letters of
other non-Latin scripts, the tokens are exactly rouge-score's; and in every text the
``[a-z0-9]`` tokens are exactly rouge-score's tokens, in the same order.  The extra tokens
can never equal an ASCII token, so they only ever add matches between non-Latin text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

__all__ = ["tokenize", "rouge_score_tokenize", "is_cjk"]

#: code point ranges whose characters are each one token
CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x1100, 0x11FF),    # Hangul Jamo
    (0x2E80, 0x2FDF),    # CJK radicals, Kangxi radicals
    (0x3005, 0x3007),    # 々 〆 〇
    (0x3021, 0x3029),    # Hangzhou numerals
    (0x3038, 0x303B),
    (0x3041, 0x3096),    # Hiragana
    (0x3099, 0x309F),
    (0x30A1, 0x30FA),    # Katakana (without ゠ and ・)
    (0x30FC, 0x30FF),
    (0x3105, 0x312F),    # Bopomofo
    (0x3131, 0x318E),    # Hangul compatibility jamo
    (0x31A0, 0x31BF),    # Bopomofo extended
    (0x31F0, 0x31FF),    # Katakana phonetic extensions
    (0x3400, 0x4DBF),    # CJK extension A
    (0x4E00, 0x9FFF),    # CJK unified ideographs
    (0xA960, 0xA97F),    # Hangul jamo extended-A
    (0xAC00, 0xD7A3),    # Hangul syllables
    (0xD7B0, 0xD7FF),    # Hangul jamo extended-B
    (0xF900, 0xFAFF),    # CJK compatibility ideographs
    (0xFF66, 0xFF9F),    # half-width Katakana
    (0xFFA0, 0xFFDC),    # half-width Hangul
    (0x20000, 0x323AF),  # CJK extensions B-H, compatibility supplement
)

#: blocks above U+036F that hold Latin letters or symbols, never word letters here
_NOT_OTHER = (
    (0x1D00, 0x1EFF),    # phonetic extensions, combining supplement, Latin extended additional
    (0x2000, 0x2BFF),    # punctuation, super/subscripts, letterlike symbols, arrows ...
    (0x2C60, 0x2C7F),    # Latin extended-C
    (0xA720, 0xA7FF),    # Latin extended-D
    (0xAB30, 0xAB6F),    # Latin extended-E
    (0xFB00, 0xFB06),    # Latin ligatures
    (0xFF00, 0xFFEF),    # half/full-width forms (the CJK ones are listed above)
    (0x1D400, 0x1D7FF),  # mathematical alphanumerics
)

_ASCII_RE = re.compile(r"[a-z0-9]+")


def _in(cp: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


def is_cjk(char: str) -> bool:
    """True if ``char`` (one character) is a CJK character that forms a token by itself."""
    return _in(ord(char), CJK_RANGES)


def _class(ranges: list[tuple[int, int]]) -> str:
    return "".join(f"\\U{lo:08x}-\\U{hi:08x}" if hi > lo else f"\\U{lo:08x}"
                   for lo, hi in ranges)


def _merge(points: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for cp in points:
        if out and out[-1][1] == cp - 1:
            out[-1] = (out[-1][0], cp)
        else:
            out.append((cp, cp))
    return out


@cache
def _token_re() -> re.Pattern[str]:
    """The token pattern; built once (a few tens of ms) on first use."""
    skip = bytearray(0x20000)  # 1: CJK, surrogate; 2: Latin or symbol block
    for lo, hi in CJK_RANGES:
        skip[lo:min(hi, 0x1FFFF) + 1] = b"\x01" * (min(hi, 0x1FFFF) + 1 - lo)
    skip[0xD800:0xE000] = b"\x01" * 0x800
    for lo, hi in _NOT_OTHER:
        skip[lo:hi + 1] = bytes(2 if s == 0 else s for s in skip[lo:hi + 1])
    category, name = unicodedata.category, unicodedata.name
    letters: list[int] = []
    marks: list[int] = [0x200C, 0x200D]
    for cp in range(0x0300, 0x20000):
        if skip[cp] == 1:
            continue
        cat = category(chr(cp))
        if cat[0] == "M":
            marks.append(cp)
        elif (cat[0] == "L" and cp >= 0x0370 and not skip[cp]
              and "LATIN" not in name(chr(cp), "LATIN")):
            letters.append(cp)
    cjk = _class(list(CJK_RANGES))
    word = _class(_merge(letters))
    cont = _class(_merge(sorted(set(letters + marks))))
    return re.compile(f"[a-z0-9]+|[{cjk}]|[{word}][{cont}]*")


def tokenize(text: str) -> list[str]:
    """The ROUGE-L tokens of ``text`` (see the module docstring for the rules)."""
    low = text.lower()
    if low.isascii():
        return _ASCII_RE.findall(low)
    return _token_re().findall(low)


def rouge_score_tokenize(text: str) -> list[str]:
    """rouge-score's own tokens without a stemmer (blind to every non-ASCII letter)."""
    return _ASCII_RE.findall(text.lower())

"""Make untrusted text (model output, imported files) safe to show in a terminal.

Escape sequences and control characters are replaced by visible, inert stand-ins
(``ESC`` becomes ``␛``, other C0/C1 controls their Unicode "control picture" or ``\\xNN``);
newlines and tabs are kept. Rich markup is escaped by the callers that print with markup.
"""

from __future__ import annotations

import re

# C0 controls except \t and \n, DEL, and C1 controls; also lone \r (carriage return
# rewrites the line on a terminal).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# bidi overrides can reorder what a person sees
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def _picture(m: re.Match[str]) -> str:
    ch = m.group(0)
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀..␟ ("␛" for ESC)
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\\x{code:02x}"


def inert(text: str) -> str:
    """Return ``text`` with every control character shown as a harmless visible symbol."""
    if not text:
        return text
    text = _CONTROL.sub(_picture, text)
    return _BIDI.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def has_controls(text: str) -> bool:
    return bool(_CONTROL.search(text) or _BIDI.search(text))


# What a JSON line may hold raw that a terminal acts on (C1 controls, DEL, bidi overrides,
# line and paragraph separators) or that UTF-8 cannot hold (lone surrogates). In JSON text
# these appear only inside strings, where a \u escape is the same character.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SURROGATES = re.compile("[\ud800-\udfff]")


def _escape(m: re.Match[str]) -> str:
    return f"\\u{ord(m.group(0)):04x}"


def json_line(line: str, *, terminal: bool = False) -> str:
    """A JSON text (``json.dumps(..., ensure_ascii=False)``) that writes as UTF-8 and, for a
    ``terminal``, shows inert: the risky characters become ``\\u`` escapes, which parse back
    to the same text. Files keep CJK and everything else as it is."""
    pattern = _JSON_UNSAFE if terminal else _SURROGATES
    return pattern.sub(_escape, line) if not line.isascii() else line

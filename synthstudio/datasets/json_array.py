"""Stream the items of a JSON array from a binary file, one at a time, in bounded memory.

:func:`iter_array` decodes the file incrementally (UTF-8) into a buffer that holds the item
being parsed and one read chunk: parsed text is dropped as it goes, line numbers survive.
An item is decoded with :meth:`json.JSONDecoder.raw_decode`; while it is incomplete, more
of the file is read (doubling), up to ``max_record`` characters, past which the read ends.
Anything that leaves the rest of the array unreadable raises the caller's error, built by
``error(reason, line)``.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterator
from typing import IO, Any

from synthstudio.errors import InputError

CHUNK = 1 << 20
_JSON_WS = " \t\r\n"
ErrorFactory = Callable[[str, int], InputError]


def size_text(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{n:,} characters"


def json_reason(exc: Exception) -> str:
    """Why a text is not usable JSON, in a few words."""
    if isinstance(exc, RecursionError):
        return "nested too deeply to read"
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg}, column {exc.colno})"
    text = str(exc)
    if "integer string conversion" in text:
        return "holds a number with more than 4,300 digits"
    return f"not valid JSON ({text[:100]})"


def iter_array(fh: IO[bytes], done: int, max_record: int, error: ErrorFactory
               ) -> Iterator[tuple[int, int, Any, str, int]]:
    """``(index, line, value, raw text, bytes read)`` for each item of the array that
    starts in ``fh`` (positioned after any BOM; ``done`` bytes read before)."""
    buf = _Buffer(fh, done, error)
    decoder = json.JSONDecoder()
    pos = buf.skip(buf.skip(0) + 1)  # past "["
    index = 0
    if pos < len(buf.text) and buf.text[pos] == "]":
        pos += 1
    else:
        while True:
            if pos >= len(buf.text):
                raise error("ends inside the list (no closing ']')", buf.line_at(pos))
            if pos > CHUNK:  # keep one element and a chunk, not the whole file
                pos = buf.trim(pos)
            line = buf.line_at(pos)
            value, end = _element(buf, decoder, pos, index, line, max_record, error)
            yield index, line, value, buf.text[pos:end], buf.done
            index += 1
            pos = buf.skip(end)
            if pos < len(buf.text) and buf.text[pos] == "]":
                pos += 1
                break
            if pos >= len(buf.text):
                raise error("ends inside the list (no closing ']')", buf.line_at(pos))
            if buf.text[pos] != ",":
                raise error("expected ',' or ']' after an item of the list", buf.line_at(pos))
            pos = buf.skip(pos + 1)
    pos = buf.skip(pos)
    if pos < len(buf.text):
        raise error("has more data after the closing ']' of the list", buf.line_at(pos))


def _element(buf: _Buffer, decoder: json.JSONDecoder, pos: int, index: int, line: int,
             max_record: int, error: ErrorFactory) -> tuple[Any, int]:
    """Decode the element at ``pos``, reading more of the file until it is whole."""
    while True:
        exc: Exception | None = None
        try:
            value, end = decoder.raw_decode(buf.text, pos)
            if end < len(buf.text) or buf.eof:  # a number at the end may go on
                return value, end
        except RecursionError as err:
            raise error(json_reason(err), line) from None
        except ValueError as err:
            exc = err
        size = len(buf.text) - pos
        if size > max_record:
            if isinstance(exc, json.JSONDecodeError) and exc.pos < len(buf.text) - 1 \
                    and not exc.msg.startswith("Unterminated"):
                raise error(json_reason(exc), buf.line_at(exc.pos))
            raise error(f"item {index} of the list is over the limit of "
                        f"{size_text(max_record)} per record", line)
        if not buf.fill(max(CHUNK, size)):
            if exc is None:
                continue  # at the end of the file the parse stands
            where = buf.line_at(exc.pos) if isinstance(exc, json.JSONDecodeError) else line
            raise error(json_reason(exc), where)


class _Buffer:
    """The decoded text of a file read chunk by chunk, with line numbers that survive
    dropping the parsed front."""

    def __init__(self, fh: IO[bytes], done: int, error: ErrorFactory) -> None:
        self.fh, self.done, self.error = fh, done, error
        self.text = ""
        self.eof = False
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._mark = 0  # text[:_mark] has been counted ...
        self._lines = 0  # ... and holds (with what was dropped) this many newlines

    def fill(self, want: int = CHUNK) -> bool:
        """Read about ``want`` more bytes; False at the end of the file."""
        if self.eof:
            return False
        data = self.fh.read(max(CHUNK, want))
        self.done += len(data)
        try:
            text = self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            line = (self._lines + self.text.count("\n", self._mark)
                    + data[:max(exc.start, 0)].count(b"\n") + 1)
            raise self.error("is not valid UTF-8", line) from None
        self.text += text
        self.eof = not data
        return bool(data)

    def skip(self, p: int) -> int:
        """The first position at or after ``p`` that is not JSON whitespace."""
        while True:
            n = len(self.text)
            while p < n and self.text[p] in _JSON_WS:
                p += 1
            if p < n or not self.fill():
                return p

    def line_at(self, p: int) -> int:
        if p >= self._mark:
            self._lines += self.text.count("\n", self._mark, p)
            self._mark = p
            return self._lines + 1
        return self._lines - self.text.count("\n", p, self._mark) + 1

    def trim(self, p: int) -> int:
        """Drop ``text[:p]``; return the new position of ``p`` (0)."""
        self.line_at(p)
        self.text = self.text[p:]
        self._mark = 0
        return 0

"""The one reader of dataset files: every command that reads records reads them here.

A file is a JSON array of records or JSON lines, told apart by its first character (``[``
starts an array; in a file named ``.jsonl`` only a ``[`` alone on the first line does),
UTF-8 with or without a byte-order mark. JSON lines are split on
``\\n`` only, so U+2028 or U+0085 inside a string is text, not a line break. Blank lines
are skipped; line numbers are lines of the file, 1-based, for both forms.

Memory stays bounded by a small multiple of the largest accepted record: JSON lines are
read one line at a time, a line longer than ``max_record`` bytes is refused without being
held; an array is parsed one element at a time from a buffer that never holds more than
the element being parsed (plus one read chunk), and an element longer than
``max_record`` characters ends the read. A string value longer than ``max_field``
characters refuses its record, naming the field.

A lone surrogate (``"\\ud800"``: valid JSON, but not text that can be written as UTF-8)
is replaced with U+FFFD; :meth:`DatasetReader.notes` says how many and the first line.

Bad records come back as :class:`Record` with an ``error`` (the caller decides to stop
or skip), so one bad line never hides the rest; what makes the rest of a file unreadable
(invalid JSON inside an array, a file that cannot be opened) raises ``InputError``.
Every error is one sentence naming the file, the line and, where there is one, the field.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from synthstudio.errors import InputError
from synthstudio.fileio import open_input

#: default limit on one string value, in characters
MAX_FIELD = 1_000_000
#: a record (a line, or an array element) may be this many times ``max_field``
RECORD_FACTOR = 16
CHUNK = 1 << 20
_BOM = b"\xef\xbb\xbf"
_JSON_WS = " \t\r\n"
#: a ``\\uD800``-``\\uDFFF`` escape: the only way a surrogate gets into decoded JSON
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Record:
    """One record of a dataset file, or the reason it cannot be used."""

    index: int  #: 0-based position among the file's records
    line: int  #: 1-based line of the file where the record starts
    value: Any  #: the decoded JSON (None when ``error`` is set)
    raw: str  #: the record's JSON text as it stands in the file
    error: InputError | None = None
    changed: bool = False  #: a lone surrogate was replaced, so ``raw`` differs from value
    done: int = 0  #: bytes of the file read so far (for a progress bar)


def _mb(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{n:,} characters"


def _json_reason(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply to read"
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg}, column {exc.colno})"
    text = str(exc)
    if "integer string conversion" in text:
        return "holds a number with more than 4,300 digits"
    return f"not valid JSON ({text[:100]})"


class DatasetReader:
    """Iterate a file's records: ``for rec in DatasetReader(path): ...``."""

    def __init__(self, path: str | Path, *, max_field: int = MAX_FIELD,
                 max_record: int | None = None) -> None:
        if max_field < 1:
            raise InputError("must be at least 1", field="max_field")
        self.path = Path(path)
        self.name = str(path)
        self.max_field = max_field
        self.max_record = max_record or max_field * RECORD_FACTOR
        #: "jsonl" or "json", known once iteration has started
        self.form = ""
        self.total = 0
        self.surrogates = 0
        self.surrogate_line = 0

    # -- the outcome --------------------------------------------------------------------

    def notes(self) -> list[str]:
        """Sentences about what was changed while reading (said once per file)."""
        if not self.surrogates:
            return []
        s = "s" if self.surrogates > 1 else ""
        return [f"{self.name}: replaced {self.surrogates} lone surrogate{s} (invalid "
                f"text such as \\ud800) with U+FFFD, first on line {self.surrogate_line}."]

    def error(self, reason: str, line: int | None = None, field: str = "") -> InputError:
        return InputError(reason, path=self.name, line=line, field=field)

    # -- reading --------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Record]:
        with open_input(self.path, "rb") as fh:
            try:
                self.total = self.path.stat().st_size
                array = self._starts_with_bracket(fh)
                fh.seek(0)
            except OSError as exc:
                raise self.error(f"cannot be read ({exc.strerror or exc})") from exc
            bom = fh.read(len(_BOM))
            if bom != _BOM:
                fh.seek(0)
                bom = b""
            self.form = "json" if array else "jsonl"
            yield from (self._array if array else self._lines)(fh, len(bom))

    def _starts_with_bracket(self, fh: IO[bytes]) -> bool:
        """Whether the file is a JSON array: it starts with ``[`` and, for a ``.jsonl``
        name, that ``[`` stands alone on its line."""
        head = fh.read(len(_BOM))
        block = head[len(_BOM):] if head == _BOM else head
        while True:
            rest = block.lstrip(b" \t\r\n")
            if rest:
                break
            block = fh.read(CHUNK)
            if not block:
                return False
        if not rest.startswith(b"["):
            return False
        if self.path.suffix.lower() not in (".jsonl", ".ndjson"):
            return True
        # a JSON lines name: an array only when laid out as one ("[" alone on its line)
        first = (rest + fh.readline(64)).split(b"\n", 1)[0]
        return first.strip() == b"["

    def _vet(self, value: Any, raw: str, line: int) -> tuple[Any, InputError | None, bool]:
        """Check string sizes and replace lone surrogates; both walks run only when the
        raw text says they could find something."""
        big = len(raw) > self.max_field
        odd = bool(_SURROGATE_ESCAPE.search(raw))
        if not big and not odd:
            return value, None, False
        changed = False
        fixes = 0
        if isinstance(value, str):
            value = [value]
            wrapped = True
        else:
            wrapped = False
        stack: list[tuple[Any, str]] = [(value, "")]
        while stack:
            node, where = stack.pop()
            items: list[tuple[Any, Any]]
            if isinstance(node, dict):
                items = list(node.items())
            elif isinstance(node, list):
                items = list(enumerate(node))
            else:
                continue
            for key, v in items:
                path = (f"{where}[{key}]" if where else f"[{key}]") if isinstance(
                    key, int) else (f"{where}.{key}" if where else str(key))
                if isinstance(node, dict) and odd and _SURROGATE.search(key):
                    fixed = _SURROGATE.sub("\ufffd", key)
                    fixes += len(_SURROGATE.findall(key))
                    node[fixed] = node.pop(key)
                    key = fixed
                if isinstance(v, str):
                    if big and len(v) > self.max_field:
                        where_ = path[1:-1] if wrapped and path.startswith("[") else path
                        return None, self.error(
                            f"is {len(v):,} characters, over the limit of "
                            f"{_mb(self.max_field)} per field", line,
                            "" if wrapped else where_), False
                    if odd and _SURROGATE.search(v):
                        fixes += len(_SURROGATE.findall(v))
                        node[key] = _SURROGATE.sub("\ufffd", v)
                elif isinstance(v, dict | list):
                    stack.append((v, path))
        if fixes:
            changed = True
            if not self.surrogates:
                self.surrogate_line = line
            self.surrogates += fixes
        return (value[0] if wrapped else value), None, changed

    def _decode(self, index: int, line: int, text: str, done: int) -> Record:
        try:
            value = json.loads(text)
        except (ValueError, RecursionError) as exc:
            return Record(index, line, None, text, self.error(_json_reason(exc), line),
                          done=done)
        value, err, changed = self._vet(value, text, line)
        return Record(index, line, value, text, err, changed, done)

    def _lines(self, fh: IO[bytes], done: int) -> Iterator[Record]:
        limit = self.max_record
        line = index = 0
        while True:
            raw = fh.readline(limit + 1)
            if not raw:
                return
            line += 1
            done += len(raw)
            if len(raw) > limit and not raw.endswith(b"\n"):
                while True:  # drop the rest of the line without holding it
                    more = fh.readline(CHUNK)
                    done += len(more)
                    if not more or more.endswith(b"\n"):
                        break
                yield Record(index, line, None, "", self.error(
                    f"is over the limit of {_mb(limit)} per record", line), done=done)
                index += 1
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield Record(index, line, None, "", self.error(
                    f"is not valid UTF-8 (byte {exc.start + 1} of the line)", line), done=done)
                index += 1
                continue
            text = text.rstrip("\r\n")
            if not text.strip(_JSON_WS):
                continue
            yield self._decode(index, line, text, done)
            index += 1

    def _array(self, fh: IO[bytes], done: int) -> Iterator[Record]:
        buf = _Buffer(fh, done, self)
        decoder = json.JSONDecoder()
        pos = buf.skip(0) + 1  # past "["
        index = 0
        pos = buf.skip(pos)
        if pos < len(buf.text) and buf.text[pos] == "]":
            pos += 1
        else:
            while True:
                if pos >= len(buf.text):
                    raise self.error("ends inside the list (no closing ']')", buf.line_at(pos))
                if pos > CHUNK:  # keep one element and a chunk, not the whole file
                    pos = buf.trim(pos)
                line = buf.line_at(pos)
                value, end = self._element(buf, decoder, pos, index, line)
                raw = buf.text[pos:end]
                value, err, changed = self._vet(value, raw, line)
                yield Record(index, line, value, raw, err, changed, buf.done)
                index += 1
                pos = buf.skip(end)
                if pos < len(buf.text) and buf.text[pos] == "]":
                    pos += 1
                    break
                if pos >= len(buf.text):
                    raise self.error("ends inside the list (no closing ']')", buf.line_at(pos))
                if buf.text[pos] != ",":
                    raise self.error("expected ',' or ']' after an item of the list",
                                     buf.line_at(pos))
                pos = buf.skip(pos + 1)
        pos = buf.skip(pos)
        if pos < len(buf.text):
            raise self.error("has more data after the closing ']' of the list",
                             buf.line_at(pos))

    def _element(self, buf: _Buffer, decoder: json.JSONDecoder, pos: int, index: int,
                 line: int) -> tuple[Any, int]:
        """Decode the element at ``pos``, reading more of the file until it is whole."""
        while True:
            exc: Exception | None = None
            try:
                value, end = decoder.raw_decode(buf.text, pos)
                if end < len(buf.text) or buf.eof:  # a number at the end may go on
                    return value, end
            except RecursionError as err:
                raise self.error(_json_reason(err), line) from None
            except ValueError as err:
                exc = err
            size = len(buf.text) - pos
            if size > self.max_record:
                if isinstance(exc, json.JSONDecodeError) and exc.pos < len(buf.text) - 1 \
                        and not exc.msg.startswith("Unterminated"):
                    raise self.error(_json_reason(exc), buf.line_at(exc.pos))
                raise self.error(f"item {index} of the list is over the limit of "
                                 f"{_mb(self.max_record)} per record", line)
            if not buf.fill(max(CHUNK, size)):
                if exc is None:
                    continue  # at the end of the file the parse stands
                where = buf.line_at(exc.pos) if isinstance(exc, json.JSONDecodeError) else line
                raise self.error(_json_reason(exc), where)


class _Buffer:
    """The decoded text of a file read chunk by chunk, with line numbers that survive
    dropping the parsed front."""

    def __init__(self, fh: IO[bytes], done: int, reader: DatasetReader) -> None:
        self.fh, self.done, self.reader = fh, done, reader
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
            raise self.reader.error("is not valid UTF-8", line) from None
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


def read_records(path: str | Path, *, max_field: int = MAX_FIELD) -> Iterator[Record]:
    """Every record of ``path`` (see :class:`DatasetReader`)."""
    return iter(DatasetReader(path, max_field=max_field))

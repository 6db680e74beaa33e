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

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from synthstudio.boundary.files import open_input
from synthstudio.datasets.json_array import CHUNK, iter_array, json_reason, size_text
from synthstudio.errors import InputError

#: default limit on one string value, in characters
MAX_FIELD = 1_000_000
#: a record (a line, or an array element) may be this many times ``max_field``
RECORD_FACTOR = 16
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
                            f"{size_text(self.max_field)} per field", line,
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
            return Record(index, line, None, text, self.error(json_reason(exc), line),
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
                    f"is over the limit of {size_text(limit)} per record", line), done=done)
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
        def error(reason: str, line: int) -> InputError:
            return self.error(reason, line)

        for index, line, value, raw, done_now in iter_array(fh, done, self.max_record, error):
            value, err, changed = self._vet(value, raw, line)
            yield Record(index, line, value, raw, err, changed, done_now)


def read_records(path: str | Path, *, max_field: int = MAX_FIELD) -> Iterator[Record]:
    """Every record of ``path`` (see :class:`DatasetReader`)."""
    return iter(DatasetReader(path, max_field=max_field))

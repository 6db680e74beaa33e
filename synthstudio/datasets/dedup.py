"""``synthstudio dedup``: drop near-duplicate instructions by ROUGE-L, greedily, in input order.

An item is kept iff its ROUGE-L F-measure against every earlier kept item (and every item
of the optional ``against`` pool) is not above the threshold: exactly the decisions of a
brute-force rouge-score loop, computed with :class:`~synthstudio.similarity.RougeIndex`.

Input is ``.jsonl`` (one object per line, streamed; blank lines are skipped) or ``.json``
(a list of objects).  Line numbers are 1-based lines of the file, for both formats.  The
output is written in the output's own format (``.json``: a list, otherwise JSON lines),
UTF-8 with ``ensure_ascii=False``, to a temporary file that replaces the output only when
everything succeeded: on bad input nothing is written.  The optional report has one JSON
line per dropped item: ``{"line", <field>: its text, "score", "nearest_line",
"nearest_source": "input" or the against file, "nearest_text"}``, the nearest being the
kept (or pool) item it scores highest against, ties going to the earliest.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from synthstudio.errors import InputError, SynthError
from synthstudio.similarity import RougeIndex

__all__ = ["DedupProgress", "DedupSummary", "dedup_file", "read_records"]

PROGRESS_EVERY = 500


@dataclass(frozen=True, slots=True)
class DedupProgress:
    read: int
    kept: int
    dropped: int
    done: int   # bytes (or characters, for .json) of the input consumed so far
    total: int  # the input's size in the same unit


@dataclass(frozen=True, slots=True)
class DedupSummary:
    read: int
    kept: int
    dropped: int
    seconds: float
    against: int = 0


def _text_of(obj: Any, field: str, path: Path, line: int) -> str:
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object, found {type(obj).__name__}",
                         path=str(path), line=line)
    if field not in obj:
        raise InputError("missing", path=str(path), line=line, field=field)
    text = obj[field]
    if not isinstance(text, str):
        raise InputError(f"expected a string, found {type(text).__name__}",
                         path=str(path), line=line, field=field)
    return text


def _jsonl(path: Path, fh: IO[bytes]) -> Iterator[tuple[int, Any, int]]:
    done = 0
    for line, raw in enumerate(fh, 1):
        done += len(raw)
        try:
            text = raw.decode("utf-8-sig" if line == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("not valid UTF-8", path=str(path), line=line) from exc
        if not text.strip():
            continue
        try:
            yield line, json.loads(text), done
        except json.JSONDecodeError as exc:
            raise InputError(f"bad JSON ({exc.msg}, column {exc.colno})",
                             path=str(path), line=line) from exc


def _json_list(path: Path, doc: str) -> Iterator[tuple[int, Any, int]]:
    decoder, pos, line, counted, n = json.JSONDecoder(), 0, 1, 0, len(doc)

    def skip(p: int) -> int:
        while p < n and doc[p] in " \t\r\n":
            p += 1
        return p

    try:
        pos = skip(pos)
        if pos >= n or doc[pos] != "[":
            raise InputError("expected a JSON list of objects", path=str(path), line=1)
        pos = skip(pos + 1)
        first = True
        while True:
            if pos < n and doc[pos] == "]" and first:
                break
            line, counted = line + doc.count("\n", counted, pos), pos
            obj, pos = decoder.raw_decode(doc, pos)
            yield line, obj, pos
            pos, first = skip(pos), False
            if pos < n and doc[pos] == "]":
                break
            if pos >= n or doc[pos] != ",":
                raise json.JSONDecodeError("expected ',' or ']'", doc, pos)
            pos = skip(pos + 1)
        if skip(pos + 1) != n:
            raise json.JSONDecodeError("extra data after the list", doc, skip(pos + 1))
    except json.JSONDecodeError as exc:
        raise InputError(f"bad JSON ({exc.msg}, column {exc.colno})",
                         path=str(path), line=exc.lineno) from exc


def read_records(path: Path, field: str) -> Iterator[tuple[int, dict[str, Any], str, int, int]]:
    """(line, object, text, done, total) for each record of a .jsonl or .json file."""
    try:
        total = path.stat().st_size
        if path.suffix.lower() == ".json":
            try:
                doc = path.read_bytes().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise InputError("not valid UTF-8", path=str(path)) from exc
            for line, obj, done in _json_list(path, doc):
                yield line, obj, _text_of(obj, field, path, line), done, len(doc)
            return
        with path.open("rb") as fh:
            for line, obj, done in _jsonl(path, fh):
                yield line, obj, _text_of(obj, field, path, line), done, total
    except FileNotFoundError as exc:
        raise InputError("no such file", path=str(path)) from exc
    except IsADirectoryError as exc:
        raise InputError("is a directory, not a file", path=str(path)) from exc
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", path=str(path)) from exc


class _AtomicWriter:
    """Lines to a temp file next to ``path``; ``commit`` moves it into place."""

    def __init__(self, path: Path, as_list: bool = False) -> None:
        self.path, self.as_list, self.count = path, as_list, 0
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                       dir=path.parent if str(path.parent) else ".")
        except OSError as exc:
            raise InputError(f"cannot write there ({exc.strerror})", path=str(path)) from exc
        self.tmp = Path(tmp)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # as a plainly created file would be, not 0600
        self.fh = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        if as_list:
            self.fh.write("[")

    def write(self, obj: Any) -> None:
        text = json.dumps(obj, ensure_ascii=False)
        if self.as_list:
            self.fh.write(("\n" if self.count == 0 else ",\n") + text)
        else:
            self.fh.write(text + "\n")
        self.count += 1

    def commit(self) -> None:
        if self.as_list:
            self.fh.write("\n]\n" if self.count else "]\n")
        self.fh.close()
        try:
            os.replace(self.tmp, self.path)
        except OSError as exc:
            self.discard()
            raise SynthError(f"Cannot write {self.path}: {exc.strerror}.") from exc

    def discard(self) -> None:
        with suppress(OSError):
            self.fh.close()
        with suppress(OSError):
            self.tmp.unlink()


def dedup_file(input_path: str | Path, output_path: str | Path, *, field: str = "instruction",
               threshold: float = 0.7, against: str | Path | None = None,
               report_path: str | Path | None = None,
               progress: Callable[[DedupProgress], None] | None = None) -> DedupSummary:
    """Greedy ROUGE-L dedup of ``input_path`` into ``output_path`` (see the module doc)."""
    if not 0.0 <= threshold <= 1.0:
        raise InputError("must be between 0 and 1", field="threshold")
    start = time.perf_counter()
    src, dst = Path(input_path), Path(output_path)
    index = RougeIndex()
    n_against = 0
    if against is not None:
        for line, _, text, _, _ in read_records(Path(against), field):
            index.add(("against", line), text)
            n_against += 1
    against_name = str(against) if against is not None else ""
    writers = [_AtomicWriter(dst, dst.suffix.lower() == ".json")]
    if report_path is not None:
        writers.append(_AtomicWriter(Path(report_path)))
    out, report = writers[0], writers[-1] if report_path is not None else None
    read = kept = 0
    try:
        done = total = 0
        for line, obj, text, done, total in read_records(src, field):
            read += 1
            hit, _, _ = index.any_above(text, threshold)
            if not hit:
                index.add(("input", line), text)
                out.write(obj)
                kept += 1
            elif report is not None:
                best = index.query(text, k=1).nearest[0]
                source, near_line = cast(tuple[str, int], best.key)
                report.write({"line": line, field: text, "score": best.score,
                              "nearest_line": near_line,
                              "nearest_source": "input" if source == "input" else against_name,
                              "nearest_text": best.text})
            if progress is not None and read % PROGRESS_EVERY == 0:
                progress(DedupProgress(read, kept, read - kept, done, total))
        if progress is not None:
            progress(DedupProgress(read, kept, read - kept, total, total))
    except BaseException:
        for w in writers:
            w.discard()
        raise
    for w in writers:
        w.commit()
    return DedupSummary(read, kept, read - kept, time.perf_counter() - start, n_against)

"""``synthstudio dedup``: drop near-duplicate instructions by ROUGE-L, greedily, in input order.

An item is kept iff its ROUGE-L F-measure against every earlier kept item (and every item
of the optional ``against`` pool) is not above the threshold: exactly the decisions of a
brute-force rouge-score loop, computed with :class:`~synthstudio.similarity.RougeIndex`.

Input is JSON lines or a JSON list of objects, read by
:class:`~synthstudio.datasets.reader.DatasetReader` (either form whatever the name, BOM or
not). Line numbers are 1-based lines of the file, for both forms.  The output is written
in the output's own format (``.json``: a list, otherwise JSON lines), UTF-8 with
``ensure_ascii=False``, through :func:`~synthstudio.boundary.files.atomic_writer` (``-`` is
standard output): on bad input nothing is written.  The optional report has one JSON
line per dropped item: ``{"line", <field>: its text, "score", "nearest_line",
"nearest_source": "input" or the against file, "nearest_text"}``, the nearest being the
kept (or pool) item it scores highest against, ties going to the earliest.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from synthstudio.boundary.files import atomic_writer
from synthstudio.boundary.inert import json_line
from synthstudio.datasets.reader import MAX_FIELD, DatasetReader
from synthstudio.errors import InputError
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
    #: what the reader changed on the way in (e.g. replaced lone surrogates)
    notes: list[str] = field(default_factory=list)


def _text_of(obj: Any, field: str, path: str, line: int) -> str:
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object, found {type(obj).__name__}",
                         path=path, line=line)
    if field not in obj:
        raise InputError("missing", path=path, line=line, field=field)
    text = obj[field]
    if not isinstance(text, str):
        raise InputError(f"expected a string, found {type(text).__name__}",
                         path=path, line=line, field=field)
    return text


def read_records(path: Path, field: str, *, max_field: int = MAX_FIELD,
                 notes: list[str] | None = None,
                 ) -> Iterator[tuple[int, dict[str, Any], str, int, int]]:
    """(line, object, text, done, total) for each record of a JSON lines or array file;
    the first bad record raises ``InputError``. ``notes`` collects what the reader said."""
    reader = DatasetReader(path, max_field=max_field)
    for rec in reader:
        if rec.error is not None:
            raise rec.error
        yield (rec.line, rec.value, _text_of(rec.value, field, reader.name, rec.line),
               rec.done, reader.total)
    if notes is not None:
        notes += reader.notes()


class _Lines:
    """Objects as JSON lines, or as one JSON list when ``as_list``."""

    def __init__(self, fh: IO[str], as_list: bool = False) -> None:
        self.fh, self.as_list, self.count = fh, as_list, 0
        if as_list:
            fh.write("[")

    def write(self, obj: Any) -> None:
        text = json_line(json.dumps(obj, ensure_ascii=False))
        if self.as_list:
            self.fh.write(("\n" if self.count == 0 else ",\n") + text)
        else:
            self.fh.write(text + "\n")
        self.count += 1

    def close(self) -> None:
        if self.as_list:
            self.fh.write("\n]\n" if self.count else "]\n")


def dedup_file(input_path: str | Path, output_path: str | Path, *, field: str = "instruction",
               threshold: float = 0.7, against: str | Path | None = None,
               report_path: str | Path | None = None,
               progress: Callable[[DedupProgress], None] | None = None,
               max_field: int = MAX_FIELD) -> DedupSummary:
    """Greedy ROUGE-L dedup of ``input_path`` into ``output_path`` (see the module doc)."""
    if not 0.0 <= threshold <= 1.0:
        raise InputError("must be between 0 and 1", field="threshold")
    start = time.perf_counter()
    src, dst = Path(input_path), Path(output_path)
    index = RougeIndex()
    n_against = 0
    if against is not None:
        for line, _, text, _, _ in read_records(Path(against), field, max_field=max_field):
            index.add(("against", line), text)
            n_against += 1
    against_name = str(against) if against is not None else ""
    read = kept = 0
    notes: list[str] = []
    with ExitStack() as stack:
        out = _Lines(stack.enter_context(atomic_writer(dst)), dst.suffix.lower() == ".json")
        report = (_Lines(stack.enter_context(atomic_writer(report_path)))
                  if report_path is not None else None)
        done = total = 0
        for line, obj, text, done, total in read_records(src, field, max_field=max_field,
                                                         notes=notes):
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
        out.close()
        if report is not None:
            report.close()
    return DedupSummary(read, kept, read - kept, time.perf_counter() - start, n_against,
                        notes)

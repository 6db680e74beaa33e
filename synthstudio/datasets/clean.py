"""Clean a dataset file with the noise filters: keep the records whose text passes them all.

The input is JSON lines or a JSON list (:mod:`synthstudio.datasets.reader`); the output is
JSON lines. Each record must be a JSON object. The text checked is every string in it,
however deeply nested (so chat formats work), or only the strings under the keys named by
``fields`` (a key name like ``output`` or ``content`` matches at any depth; a path like
``messages[1].content`` matches exactly). Kept JSON lines are copied byte for byte. Output and
report are written atomically: a bad line (invalid JSON or UTF-8, not an object) raises
:class:`~synthstudio.errors.InputError` naming file and line, and nothing is written.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthstudio.boundary.files import atomic_writer
from synthstudio.boundary.inert import json_line
from synthstudio.datasets.reader import MAX_FIELD, DatasetReader
from synthstudio.errors import InputError
from synthstudio.filters.noise import NOISE_FILTERS, run_noise_filters
from synthstudio.records import FilterResult


@dataclass(slots=True)
class CleanSummary:
    read: int
    kept: int
    output: Path
    report: Path | None = None
    #: dropped lines by the filters that failed (a line can count under several)
    by_filter: dict[str, int] = field(default_factory=dict)
    #: what the reader changed on the way in (e.g. replaced lone surrogates)
    notes: list[str] = field(default_factory=list)

    @property
    def dropped(self) -> int:
        return self.read - self.kept


def strings(obj: Any, path: str = "") -> Iterator[tuple[str, str, str]]:
    """``(path, key, text)`` for every string in a JSON value, depth first."""
    if isinstance(obj, str):
        yield path, path.rsplit(".", 1)[-1].split("[", 1)[0], obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from strings(v, f"{path}[{i}]")


_TASK_KEYS = frozenset({"instruction", "input", "prompt", "question", "query", "topic",
                        "system", "task"})
_ASKING = frozenset({"user", "human", "system"})


def task_text(record: Mapping[str, Any]) -> str:
    """What the record's answer responds to: its instruction, input or prompt, or the
    user turns of a chat (``messages``, ``conversations``). Noise filters pass what a
    task asks for, such as HTML for a web page."""
    parts = []
    for path, key, text in strings(dict(record)):
        turn = path.rsplit(".", 1)[0]
        if key in _TASK_KEYS:
            parts.append(text)
        elif key in ("content", "value") and any(
                str(v).lower() in _ASKING for k, v in _siblings(record, turn).items()
                if k in ("role", "from")):
            parts.append(text)
    return "\n".join(parts)


def _siblings(record: Mapping[str, Any], path: str) -> dict[str, Any]:
    """The object at a ``strings`` path such as ``messages[0]``; empty when not one."""
    obj: Any = record
    for part in path.replace("[", ".[").split("."):
        if not part:
            continue
        try:
            obj = obj[int(part[1:-1])] if part.startswith("[") else obj[part]
        except (KeyError, IndexError, TypeError, ValueError):
            return {}
    return obj if isinstance(obj, dict) else {}


def check_record(record: Mapping[str, Any], *, fields: list[str] | None = None,
                 disable: tuple[str, ...] | list[str] = (),
                 thresholds: Mapping[str, float] | None = None,
                 ) -> list[tuple[str, FilterResult]]:
    """The failed filters of a record, as ``(field path, result)``; empty when clean."""
    wanted = set(fields or ())
    failures = []
    task = task_text(record)
    for path, key, text in strings(dict(record)):
        if wanted and key not in wanted and path not in wanted:
            continue
        for r in run_noise_filters(text, thresholds, disable=disable, task=task):
            if not r.passed:
                failures.append((path, r))
    return failures


def check_names(names: list[str] | tuple[str, ...], what: str = "--disable") -> None:
    unknown = [n for n in names if n not in NOISE_FILTERS]
    if unknown:
        raise InputError(f"unknown noise filter '{unknown[0]}'", field=what,
                         hint=f"The filters are: {', '.join(NOISE_FILTERS)}.")


def _lines(path: Path, max_field: int, notes: list[str]
           ) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """(line, the record as one JSON line, the record) for each record of ``path``."""
    reader = DatasetReader(path, max_field=max_field)
    for rec in reader:
        if rec.error is not None:
            raise rec.error
        if not isinstance(rec.value, dict):
            raise InputError(f"expected a JSON object, found {type(rec.value).__name__}",
                             path=str(path), line=rec.line)
        # a JSON line is copied byte for byte; an array item becomes one line
        same = reader.form == "jsonl" and not rec.changed
        yield rec.line, rec.raw if same else json_line(
            json.dumps(rec.value, ensure_ascii=False)), rec.value
    notes += reader.notes()


def clean_file(src: str | Path, dst: str | Path, *, fields: list[str] | None = None,
               report: str | Path | None = None, disable: tuple[str, ...] | list[str] = (),
               thresholds: Mapping[str, float] | None = None,
               max_field: int = MAX_FIELD) -> CleanSummary:
    """Copy the clean lines of ``src`` to ``dst``; list the dropped ones in ``report``."""
    src, dst = Path(src), Path(dst)
    check_names(list(disable))
    check_names(list(thresholds or {}), "--threshold")
    summary = CleanSummary(read=0, kept=0, output=dst,
                           report=Path(report) if report is not None else None)
    dropped: Counter[str] = Counter()
    with ExitStack() as stack:
        out = stack.enter_context(atomic_writer(dst))
        rep = stack.enter_context(atomic_writer(report)) if report is not None else None
        for n, text, obj in _lines(src, max_field, summary.notes):
            summary.read += 1
            failures = check_record(obj, fields=fields, disable=disable,
                                    thresholds=thresholds)
            if not failures:
                summary.kept += 1
                out.write(text + "\n")
                continue
            names = list(dict.fromkeys(r.name for _p, r in failures))
            dropped.update(names)
            if rep is not None:
                rep.write(json.dumps({
                    "line": n, "dropped_by": names,
                    "failures": [{"field": p, "filter": r.name, "value": r.value,
                                  "threshold": r.threshold, "detail": r.detail}
                                 for p, r in failures],
                }, ensure_ascii=False) + "\n")
    summary.by_filter = dict(dropped.most_common())
    return summary

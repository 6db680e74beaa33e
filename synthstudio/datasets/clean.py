"""Clean a JSONL file with the noise filters: keep the lines whose text passes them all.

Each line must be a JSON object. The text checked is every string in it, however deeply
nested (so chat formats work), or only the strings under the keys named by ``fields``
(a key name like ``output`` or ``content`` matches at any depth; a path like
``messages[1].content`` matches exactly). Kept lines are copied byte for byte. Output and
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

from synthstudio.errors import InputError
from synthstudio.fileio import atomic_writer, open_input
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


def check_record(record: Mapping[str, Any], *, fields: list[str] | None = None,
                 disable: tuple[str, ...] | list[str] = (),
                 thresholds: Mapping[str, float] | None = None,
                 ) -> list[tuple[str, FilterResult]]:
    """The failed filters of a record, as ``(field path, result)``; empty when clean."""
    wanted = set(fields or ())
    failures = []
    for path, key, text in strings(dict(record)):
        if wanted and key not in wanted and path not in wanted:
            continue
        for r in run_noise_filters(text, thresholds, disable=disable):
            if not r.passed:
                failures.append((path, r))
    return failures


def check_names(names: list[str] | tuple[str, ...], what: str = "--disable") -> None:
    unknown = [n for n in names if n not in NOISE_FILTERS]
    if unknown:
        raise InputError(f"unknown noise filter '{unknown[0]}'", field=what,
                         hint=f"The filters are: {', '.join(NOISE_FILTERS)}.")


def _lines(path: Path) -> Iterator[tuple[int, str, dict[str, Any]]]:
    with open_input(path) as fh:
        for n, raw in enumerate(fh, 1):
            try:
                text = raw.decode("utf-8-sig" if n == 1 else "utf-8").rstrip("\r\n")
            except UnicodeDecodeError as exc:
                raise InputError(f"not UTF-8 text (byte {exc.start + 1})",
                                 path=str(path), line=n) from exc
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except ValueError as exc:
                raise InputError(f"not valid JSON ({exc})", path=str(path), line=n) from exc
            if not isinstance(obj, dict):
                raise InputError(f"expected a JSON object, found {type(obj).__name__}",
                                 path=str(path), line=n)
            yield n, text, obj


def clean_file(src: str | Path, dst: str | Path, *, fields: list[str] | None = None,
               report: str | Path | None = None, disable: tuple[str, ...] | list[str] = (),
               thresholds: Mapping[str, float] | None = None) -> CleanSummary:
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
        for n, text, obj in _lines(src):
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

"""``synthstudio check``: every applicable filter on every record of a dataset file.

The file is read by :class:`~synthstudio.datasets.reader.DatasetReader` and each record
mapped by :mod:`synthstudio.datasets.formats`; the verdict is
:func:`synthstudio.filters.dataset.check_record` on each of its instances (a record with
several, in the self-instruct format, fails a filter when any instance does, and keeps
that instance's score). The output has one JSON line per record, in input order::

    {"index": 0, "passed": true, "failed": [], "scores": {"bad_start": "'G'", ...}}

A record that cannot be read or mapped (bad JSON on its line, a field over the size limit,
a chat of several exchanges) gets ``"passed": false, "failed": ["unreadable"]`` and an
``"error"`` sentence; it is counted, not fatal. What makes the file unreadable (missing,
invalid JSON inside an array) is one ``InputError`` and nothing is written.

:func:`check_and_judge` (``check --judge``) also has the judge model rate each readable
record, without importing it: each line gets ``"judge": {"score", "reason", "passed"}``.
"""

from __future__ import annotations

import json
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synthstudio.boundary.files import atomic_writer
from synthstudio.boundary.inert import json_line
from synthstudio.config.settings import Settings
from synthstudio.datasets.formats import Example, check_format, to_example
from synthstudio.datasets.reader import MAX_FIELD, DatasetReader, Record
from synthstudio.datasets.verdicts import judged, workers_for
from synthstudio.errors import InputError
from synthstudio.filters.dataset import RecordVerdict
from synthstudio.records import Candidate, JudgeScore

if TYPE_CHECKING:
    from synthstudio.judge.rater import Judge

UNREADABLE = "unreadable"
#: ``json.dumps(obj, ensure_ascii=False)`` without building an encoder per line
_encode = json.JSONEncoder(ensure_ascii=False).encode
PROGRESS_EVERY = 500


@dataclass(slots=True)
class CheckSummary:
    path: str
    read: int = 0
    passed: int = 0
    #: failed records by filter (a record counts under every filter it fails)
    by_filter: Counter[str] = field(default_factory=Counter)
    #: every filter that ran, in the order of the first verdict
    filters: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: with ``--judge``: records rated, at or above the threshold, replies not parsed
    judged: int = 0
    judge_passed: int = 0
    judge_unscored: int = 0
    judge_scores: list[float] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return self.read - self.passed


def mapped(records: Iterable[Record], fmt: str, path: str
           ) -> Iterator[tuple[Record, Example | InputError]]:
    """Each record with its example, or the sentence saying why it has none."""
    for rec in records:
        if rec.error is not None:
            yield rec, rec.error
            continue
        try:
            yield rec, to_example(rec.value, fmt)
        except InputError as err:
            yield rec, InputError(err.reason, path=path, line=rec.line, field=err.field,
                                  hint=err.hint)


def verdict_line(index: int, outcome: RecordVerdict | InputError) -> dict[str, Any]:
    if isinstance(outcome, InputError):
        return {"index": index, "passed": False, "failed": [UNREADABLE], "scores": {},
                "error": str(outcome)}
    return {"index": index, **outcome.as_dict()}


def check_file(path: str | Path, output: str | Path | None = None, *, fmt: str = "auto",
               settings: Settings | None = None, disable: Collection[str] = (),
               max_field: int = MAX_FIELD, workers: int | None = None,
               progress: Callable[[int, int, int], None] | None = None) -> CheckSummary:
    """Check every record of ``path``; write the verdict lines to ``output`` (``-`` for
    standard output, None for none). ``progress(records, bytes done, bytes total)``.
    ``workers``: processes for the filters (default: :func:`workers_for`)."""
    check_format(fmt)
    settings = settings or Settings()
    reader = DatasetReader(path, max_field=max_field)
    summary = CheckSummary(str(path))
    workers = workers_for(path) if workers is None else workers
    writing = atomic_writer(output) if output is not None else nullcontext(None)
    with writing as out:
        pairs = mapped(reader, fmt, reader.name)
        for rec, _ex, outcome in judged(pairs, settings, disable, workers=workers):
            _count(summary, outcome)
            if out is not None:
                out.write(json_line(_encode(verdict_line(rec.index, outcome))) + "\n")
            if progress is not None and summary.read % PROGRESS_EVERY == 0:
                progress(summary.read, rec.done, reader.total)
    if progress is not None:
        progress(summary.read, reader.total, reader.total)
    summary.notes += reader.notes()
    return summary


def _count(summary: CheckSummary, outcome: RecordVerdict | InputError) -> None:
    summary.read += 1
    if isinstance(outcome, InputError):
        summary.by_filter[UNREADABLE] += 1
        return
    if not summary.filters:
        summary.filters = list(outcome.scores)
    summary.passed += outcome.passed
    summary.by_filter.update(outcome.failed)


# -- with the judge -------------------------------------------------------------------------


def judge_line(index: int, outcome: RecordVerdict | InputError, score: JudgeScore | None,
               threshold: float, gate: bool) -> dict[str, Any]:
    """A verdict line with the judge's rating: ``"judge": {"score", "reason",
    "passed"}`` (null for an unreadable record). With ``gate`` a record the judge did not
    pass fails, with ``judge`` among its failed filters."""
    line = verdict_line(index, outcome)
    if score is None:
        line["judge"] = None
        return line
    passed = score.passes(threshold)
    line["judge"] = {"score": score.score, "reason": score.reason, "passed": passed,
                     "model": score.model}
    if not score.scored:
        line["judge"]["raw"] = score.raw
    if gate and not passed:
        line["passed"] = False
        line["failed"] = [*line["failed"], "judge"]
    return line


def as_candidate(rec: Record, ex: Example) -> Candidate:
    """What the judge is shown of a record (never stored): its record index as id."""
    return Candidate(recipe="self-instruct", instruction=ex.instruction,
                     instances=list(ex.instances), id=rec.index)


async def check_and_judge(path: str | Path, output: str | Path | None, judge: Judge, *,
                          fmt: str = "auto", settings: Settings | None = None,
                          disable: Collection[str] = (), max_field: int = MAX_FIELD,
                          workers: int | None = None, concurrency: int = 4,
                          progress: Callable[[int, int, int], None] | None = None
                          ) -> CheckSummary:
    """:func:`check_file`, and the judge rates every readable record (``concurrency``
    requests in flight), without importing anything. Lines are written in input order as
    their ratings arrive (memory stays bounded: the judge reads the file as it goes). A
    judge server that fails after its retries raises its ``BackendError`` and nothing is
    written: a verdict file with holes would read as a clean one."""
    from synthstudio.judge.judge_pass import rate_all

    check_format(fmt)
    settings = settings or Settings()
    threshold, gate = judge.settings.threshold, judge.settings.gate
    reader = DatasetReader(path, max_field=max_field)
    summary = CheckSummary(str(path))
    workers = workers_for(path) if workers is None else workers
    waiting: deque[tuple[Record, RecordVerdict | InputError]] = deque()
    scores: dict[int, JudgeScore] = {}
    writing = atomic_writer(output) if output is not None else nullcontext(None)
    with writing as out:

        def write_ready(final: bool = False) -> None:
            """Write the lines at the head of the input whose rating is in (``final``:
            all that are left)."""
            while waiting:
                rec, outcome = waiting[0]
                readable = not isinstance(outcome, InputError)
                if readable and rec.index not in scores and not final:
                    return
                waiting.popleft()
                _emit(rec, outcome, scores.pop(rec.index, None))

        def _emit(rec: Record, outcome: RecordVerdict | InputError,
                  score: JudgeScore | None) -> None:
            _count(summary, outcome)
            if score is not None:
                summary.judged += 1
                summary.judge_passed += score.passes(threshold)
                if score.scored:
                    summary.judge_scores.append(float(score.score or 0.0))
                else:
                    summary.judge_unscored += 1
                if gate and not score.passes(threshold):
                    if not isinstance(outcome, InputError) and outcome.passed:
                        summary.passed -= 1
                    summary.by_filter["judge"] += 1
            if out is not None:
                line = judge_line(rec.index, outcome, score, threshold, gate)
                out.write(json_line(_encode(line)) + "\n")
            if progress is not None and summary.read % PROGRESS_EVERY == 0:
                progress(summary.read, rec.done, reader.total)

        def items() -> Iterator[Candidate]:
            pairs = mapped(reader, fmt, reader.name)
            for rec, ex, outcome in judged(pairs, settings, disable, workers=workers):
                waiting.append((rec, outcome))
                if isinstance(ex, InputError):
                    write_ready()
                else:
                    yield as_candidate(rec, ex)

        def heard(score: JudgeScore) -> None:
            scores[score.candidate_id] = score
            write_ready()

        result = await rate_all(judge, items(), concurrency=concurrency, on_score=heard)
        if result.error is not None:
            raise result.error
        write_ready(final=True)
    if progress is not None:
        progress(summary.read, reader.total, reader.total)
    summary.notes += reader.notes()
    return summary

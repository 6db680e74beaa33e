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
import os
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from synthstudio.config import Settings
from synthstudio.datasets.formats import Example, check_format, to_example
from synthstudio.datasets.reader import MAX_FIELD, DatasetReader, Record
from synthstudio.errors import InputError
from synthstudio.fileio import atomic_writer
from synthstudio.filters.dataset import RecordVerdict, check_record
from synthstudio.records import Candidate, FilterResult, JudgeScore
from synthstudio.sanitize import json_line

if TYPE_CHECKING:
    from synthstudio.judge.rater import Judge

UNREADABLE = "unreadable"
#: ``json.dumps(obj, ensure_ascii=False)`` without building an encoder per line
_encode = json.JSONEncoder(ensure_ascii=False).encode
PROGRESS_EVERY = 500
#: records per batch sent to a filter process
BATCH = 400


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


def verdict_for(ex: Example, settings: Settings | None = None,
                disable: Collection[str] = ()) -> RecordVerdict:
    """One verdict for a record: ``check_record`` on each instance, the worst kept."""
    return verdict_of(ex.instruction, [(i.input, i.output) for i in ex.instances],
                      settings, disable)


def verdict_of(instruction: str, pairs: Sequence[tuple[str, str]],
               settings: Settings | None = None,
               disable: Collection[str] = ()) -> RecordVerdict:
    """:func:`verdict_for` of an instruction and its (input, output) pairs."""
    verdicts = [check_record(instruction, inp, out, settings=settings, disable=disable)
                for inp, out in (pairs or [("", "")])]
    if len(verdicts) == 1:
        return verdicts[0]
    merged: dict[str, tuple[FilterResult, Any]] = {}  # the worst result and its score
    for v in verdicts:
        for r in v.results:
            if r.name not in merged or (merged[r.name][0].passed and not r.passed):
                merged[r.name] = (r, v.scores.get(r.name))
    results = [r for r, _ in merged.values()]
    failed = list(dict.fromkeys(r.name for r in results if not r.passed))
    scores = {name: score for name, (_, score) in merged.items()}
    return RecordVerdict(passed=not failed, failed=failed, scores=scores, results=results)


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


#: a verdict as plain data (pickled many times faster than the dataclasses): the index of
#: its layout (the results' names and thresholds, shared by most records of a batch),
#: then aligned tuples of passed, value, detail and score, and the ``extra`` dicts (None
#: when all are empty)
Packed = tuple[int, tuple[bool, ...], tuple[Any, ...], tuple[str, ...], tuple[Any, ...],
               tuple[dict[str, Any], ...] | None]
Layout = tuple[tuple[str, ...], tuple[Any, ...]]
#: a filter process's settings and disabled filters, set once when it starts
_JOB: tuple[Settings | None, tuple[str, ...]] = (None, ())


def _pack(v: RecordVerdict, layouts: dict[Layout, int]) -> Packed | RecordVerdict:
    """``v`` as plain tuples; ``v`` itself in the odd case that its scores are not one
    per result in order (then ``failed`` and ``scores`` could not be rebuilt)."""
    rs = v.results
    names = tuple(r.name for r in rs)
    if tuple(v.scores) != names:
        return v
    layout = (names, tuple(r.threshold for r in rs))
    at = layouts.setdefault(layout, len(layouts))
    extras = tuple(r.extra for r in rs)
    return (at, tuple(r.passed for r in rs), tuple(r.value for r in rs),
            tuple(r.detail for r in rs), tuple(v.scores.values()),
            extras if any(extras) else None)


def _unpack(p: Packed | RecordVerdict, layouts: list[Layout]) -> RecordVerdict:
    if isinstance(p, RecordVerdict):
        return p
    at, passed, values, details, scores, extras = p
    names, thresholds = layouts[at]
    results = ([FilterResult(*r) for r in zip(names, passed, values, thresholds, details,
                                               strict=True)] if extras is None else
               [FilterResult(*r) for r in zip(names, passed, values, thresholds, details,
                                               extras, strict=True)])
    failed = list(dict.fromkeys(n for n, ok in zip(names, passed, strict=True) if not ok))
    return RecordVerdict(not failed, failed, dict(zip(names, scores, strict=True)), results)


def _start_worker(settings: Settings | None, disable: tuple[str, ...]) -> None:
    global _JOB
    _JOB = (settings, disable)


def _verdicts_of(chunk: list[tuple[str, list[tuple[str, str]]]]
                 ) -> tuple[list[Layout], list[Packed | RecordVerdict]]:
    """In a filter process: the layouts and the packed verdict of each (instruction,
    pairs)."""
    settings, disable = _JOB
    layouts: dict[Layout, int] = {}
    packed = [_pack(verdict_of(instruction, pairs, settings, disable), layouts)
              for instruction, pairs in chunk]
    return list(layouts), packed


def _stored_of(chunk: list[tuple[str, list[tuple[str, str]]]]
                ) -> list[tuple[bool, str]]:
    """In a filter process, for an import: whether each record passed, and its results as
    the pool stores them (made here, so the reading process only writes them)."""
    from synthstudio.store.pool import scores_json

    settings, disable = _JOB
    out = []
    for instruction, pairs in chunk:
        v = verdict_of(instruction, pairs, settings, disable)
        out.append((v.passed, scores_json(v.results)))
    return out


def judged(pairs: Iterable[tuple[Record, Example | InputError]], settings: Settings,
           disable: Collection[str] = (), *, workers: int = 1, stored: bool = False
           ) -> Iterator[tuple[Record, Example | InputError, RecordVerdict | InputError]]:
    """Each mapped record with its verdict (or its error), in input order.

    With ``workers > 1`` the filters run in that many processes, :data:`BATCH` records
    at a time, at most two batches per worker in flight (memory stays bounded). A batch
    goes out as plain text (instruction, then input and output pairs) and comes back as
    plain tuples: pickling the dataclasses cost the reading process more than the
    filters saved. ``stored`` (an import): with processes, a verdict carries only
    ``passed`` and the results as the pool stores them (:attr:`RecordVerdict.stored`)."""
    if workers <= 1:
        for rec, ex in pairs:
            yield rec, ex, (ex if isinstance(ex, InputError)
                            else verdict_for(ex, settings, disable))
        return
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["synthstudio.datasets.check"])
    pending: deque[tuple[list[tuple[Record, Example | InputError]], Future[Any]]] = deque()
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_start_worker,
                             initargs=(settings, tuple(disable))) as pool:
        it = iter(pairs)
        while True:
            while len(pending) < 2 * workers:
                batch = list(islice(it, BATCH))
                if not batch:
                    break
                work = [(ex.instruction, [(i.input, i.output) for i in ex.instances])
                        for _, ex in batch if not isinstance(ex, InputError)]
                pending.append((batch, pool.submit(_stored_of if stored else _verdicts_of,
                                                   work)))
            if not pending:
                return
            batch, fut = pending.popleft()
            if stored:
                made = iter(cast(list[tuple[bool, str]], fut.result()))
                for rec, ex in batch:
                    if isinstance(ex, InputError):
                        yield rec, ex, ex
                    else:
                        passed, text = next(made)
                        yield rec, ex, RecordVerdict(passed, stored=text)
                continue
            layouts, packed = cast(tuple[list[Layout], list[Packed | RecordVerdict]],
                                   fut.result())
            done = iter(packed)
            for rec, ex in batch:
                yield rec, ex, (ex if isinstance(ex, InputError)
                                else _unpack(next(done), layouts))


#: input files from this size on get filter processes by default (starting them costs
#: 1.1 to 1.4 s, more than a small file's whole check)
WORKERS_FROM_BYTES = 4 << 20
#: filter processes by default at most: past two, the reading process is the bottleneck
MAX_DEFAULT_WORKERS = 2


def workers_for(path: str | Path) -> int:
    """Processes for the filters by default: two for a file of :data:`WORKERS_FROM_BYTES`
    or more on a machine with two cores or more, else none apart. With two filter
    processes the reading process of ``check`` spends 1.5 CPU-s per 10,000 records
    instead of 3.5, that of ``import`` 2.9 instead of 5; on this 2-core machine with one
    core taken by other work, 50,000 records checked in 13.7 s instead of 19.2 and
    imported in 24.4 s instead of 25.6 (so never slower). ``--workers 1`` turns it off."""
    try:
        size = Path(path).stat().st_size
    except (OSError, ValueError):  # standard input, or not there (the reader says so)
        return 1
    cores = os.cpu_count() or 1
    return min(MAX_DEFAULT_WORKERS, cores) if size >= WORKERS_FROM_BYTES and cores > 1 else 1


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

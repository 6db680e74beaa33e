"""Each record's verdict from the filters, in input order, optionally from filter processes.

A record's verdict is :func:`synthstudio.filters.dataset.check_record` on each of its
instances, the worst result of each filter kept (:func:`verdict_of`). :func:`judged`
gives the verdicts of a stream of mapped records; with ``workers > 1`` the filters run in
that many processes and the verdicts travel as plain tuples (:data:`Packed`).
``check`` and ``import`` both use it; :func:`workers_for` picks how many by default.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Collection, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any, cast

from synthstudio.config.settings import Settings
from synthstudio.datasets.formats import Example
from synthstudio.datasets.reader import Record
from synthstudio.errors import InputError
from synthstudio.filters.dataset import RecordVerdict, check_record
from synthstudio.records import FilterResult

#: records per batch sent to a filter process
BATCH = 400


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
    ctx.set_forkserver_preload(["synthstudio.datasets.verdicts"])
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

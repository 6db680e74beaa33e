"""``synthstudio import``: bring an existing dataset into the pool for curation.

Each record is read by :class:`~synthstudio.datasets.reader.DatasetReader`, mapped by
:mod:`synthstudio.datasets.formats`, checked by every applicable filter
(:func:`synthstudio.datasets.verdicts.verdict_for`) and stored as a ``self-instruct`` item
with one instance per example, so the studio, ``report``, the recipes' ROUGE-L index and
every export see it like a generated item. "No input" placeholders in an input are
stored empty (the ``input_placeholder`` filter still says they were there).

Provenance (``backend: "import"``) holds the source: the file, the record's line and
index, the format, and the original record as it was. With ``status="accepted"``, records
that pass every filter are accepted and the others stay proposed for review; nothing is
rejected on the way in.

All or nothing: the first record that cannot be read or mapped refuses the whole import
(file, line, field) unless ``skip_bad``, which imports the rest and lists the skipped.
Items are written in chunks of :data:`CHUNK` per transaction; a refused import removes
what earlier chunks wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from synthstudio.config.settings import Settings
from synthstudio.datasets.check import mapped
from synthstudio.datasets.formats import Example, check_format
from synthstudio.datasets.reader import MAX_FIELD, DatasetReader, Record
from synthstudio.datasets.verdicts import judged, workers_for
from synthstudio.errors import InputError
from synthstudio.filters.dataset import RecordVerdict
from synthstudio.filters.placeholder import normalise_input
from synthstudio.records import ACCEPTED, PROPOSED, Candidate, CandidateMeta, Instance
from synthstudio.store import Pool

CHUNK = 2000
STATUSES = (PROPOSED, ACCEPTED)


@dataclass(slots=True)
class ImportSummary:
    path: str
    imported: int = 0
    accepted: int = 0
    #: imported records that fail at least one filter
    flagged: int = 0
    by_format: dict[str, int] = field(default_factory=dict)
    skipped: list[InputError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ids: tuple[int, int] | None = None  #: first and last candidate id written


def to_candidate(rec: Record, ex: Example, verdict: RecordVerdict, source: str,
                 status: str) -> Candidate:
    instances = [Instance(normalise_input(i.input, ex.instruction), i.output)
                 for i in ex.instances]
    meta = CandidateMeta(imported=ex.format)
    if ex.system:
        meta["system"] = ex.system
    if ex.name:
        meta["name"] = ex.name
    return Candidate(
        recipe="self-instruct", instruction=ex.instruction, instances=instances,
        is_classification=ex.is_classification, meta=meta,
        status=ACCEPTED if status == ACCEPTED and verdict.passed else PROPOSED,
        scores=verdict.results,
        provenance={"backend": "import", "model": "",
                    "source": {"file": source, "line": rec.line, "index": rec.index,
                               "format": ex.format},
                    "original": rec.value},
    )


def import_file(pool: Pool, path: str | Path, *, fmt: str = "auto", status: str = PROPOSED,
                skip_bad: bool = False, settings: Settings | None = None,
                disable: Collection[str] = (), max_field: int = MAX_FIELD,
                workers: int | None = None,
                progress: Callable[[int, int, int], None] | None = None) -> ImportSummary:
    """Import every record of ``path`` into ``pool`` (see the module doc).

    ``progress(records, bytes done, bytes total)`` is called after each chunk."""
    check_format(fmt)
    if status not in STATUSES:
        raise InputError(f"unknown status '{status}'", field="status",
                         hint="Choose proposed or accepted.")
    settings = settings or Settings()
    reader = DatasetReader(path, max_field=max_field)
    workers = workers_for(path) if workers is None else workers
    source = str(Path(path).resolve())
    summary = ImportSummary(str(path))
    batch: list[Candidate] = []
    stored: list[str | None] = []  # each item's scores column, when a filter process made it
    written: list[int] = []
    by_format: dict[str, int] = {}

    def flush(done: int) -> None:
        if batch:
            written.extend(pool.add_candidates(batch, stored))
            batch.clear()
            stored.clear()
        if progress is not None:
            progress(summary.imported, done, reader.total)

    try:
        pairs = mapped(reader, fmt, reader.name)
        for rec, ex, verdict in judged(pairs, settings, disable, workers=workers,
                                       stored=True):
            if isinstance(ex, InputError) or isinstance(verdict, InputError):
                err = ex if isinstance(ex, InputError) else cast(InputError, verdict)
                if not skip_bad:
                    raise err
                summary.skipped.append(err)
                continue
            c = to_candidate(rec, ex, verdict, source, status)
            batch.append(c)
            stored.append(verdict.stored)
            summary.imported += 1
            summary.accepted += c.status == ACCEPTED
            summary.flagged += not verdict.passed  # c.passed, without a walk of its scores
            by_format[ex.format] = by_format.get(ex.format, 0) + 1
            if len(batch) >= CHUNK:
                flush(rec.done)
        flush(reader.total)
    except BaseException:
        if written:  # all or nothing: take back the chunks already stored
            pool.delete_candidates(written)
        raise
    summary.by_format = by_format
    summary.notes = reader.notes()
    if written:
        summary.ids = (written[0], written[-1])
    return summary

"""Seed tasks in the Self-Instruct / Alpaca seed schema: import, export, defaults.

One record a line (or a JSON array of records): ``{"id", "name", "instruction",
"instances": [{"input", "output"}], "is_classification"}``; ``id``, ``name`` and
``is_classification`` may be missing. Nothing a record holds is dropped in silence: an
Alpaca record (``instruction``, ``input``, ``output``) or a one-exchange ShareGPT or
messages record becomes a seed task with one instance; what a seed cannot hold (a system
prompt, several exchanges, ``instances`` beside an ``output``) refuses the record. A
repeated ``id`` is made unique (``_2``, ``_3``, ...) and said. A bad record is reported
with the file, its line and the field; a file with a bad record imports nothing unless
``skip_bad``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from synthstudio.boundary.inert import json_line
from synthstudio.boundary.shipped import seeds_dir
from synthstudio.datasets.formats import seed_from_obj, to_example
from synthstudio.datasets.reader import MAX_FIELD, DatasetReader
from synthstudio.errors import InputError
from synthstudio.records import Problem, SeedTask, Topic
from synthstudio.store import Pool

DEFAULT_SEEDS = "self_instruct_seeds.jsonl"
DEFAULT_TOPICS = "textbook_topics.jsonl"
DEFAULT_PROBLEMS = "reasoning_problems.jsonl"
#: fields of other formats that a seed task holds only once converted
_CONVERTED = ("output", "input", "conversations", "messages")


def seed_from_record(obj: Any) -> SeedTask:
    """A seed task from a seed-schema record, or converted from an Alpaca, ShareGPT or
    messages record; ``InputError`` (with the field) for what a seed cannot hold."""
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object, found {type(obj).__name__}")
    foreign = [k for k in _CONVERTED if k in obj]
    if not foreign:
        return seed_from_obj(obj)
    if "instances" in obj:
        raise InputError("is beside 'instances'; a seed task holds its examples in "
                         "instances only, so one of them would be lost", field=foreign[0])
    ex = to_example(obj)
    if ex.system.strip():
        raise InputError("a seed task cannot hold a system prompt; remove it or import "
                         "the file with 'synthstudio import'", field="system")
    base = seed_from_obj({k: v for k, v in obj.items() if k in ("id", "name",
                                                                "is_classification")}
                         | {"instruction": ex.instruction, "instances": []})
    base.instances = ex.instances
    return base


def iter_seed_records(reader: DatasetReader) -> Iterator[tuple[int, SeedTask | InputError]]:
    """Yield (line number, seed or the error for that record)."""
    for rec in reader:
        if rec.error is not None:
            yield rec.line, rec.error
            continue
        try:
            yield rec.line, seed_from_record(rec.value)
        except InputError as err:
            yield rec.line, InputError(err.reason, path=reader.name, line=rec.line,
                                       field=err.field, hint=err.hint)


def parse_seed_file(path: str | Path) -> list[SeedTask]:
    """Read a whole seed file; raise InputError for its first bad record."""
    out: list[SeedTask] = []
    for _, item in iter_seed_records(DatasetReader(path)):
        if isinstance(item, InputError):
            raise item
        out.append(item)
    return out


@dataclass
class ImportSummary:
    path: str
    imported: int = 0
    duplicates: int = 0
    classification: int = 0
    bad: list[InputError] = field(default_factory=list)
    #: sentences about what was changed on the way in (renamed ids, replaced text)
    notes: list[str] = field(default_factory=list)


def _unique(key: str, taken: set[str]) -> str:
    n = 2
    while f"{key}_{n}" in taken:
        n += 1
    return f"{key}_{n}"


def import_seed_file(pool: Pool, path: str | Path, *, skip_bad: bool = False,
                     source: str = "", max_field: int = MAX_FIELD) -> ImportSummary:
    """Import a seed file in one transaction: all of it, or (with a bad record and no
    ``skip_bad``) none of it. Instructions already in the pool are skipped."""
    path = Path(path)
    summary = ImportSummary(str(path))
    seeds = pool.list_seeds()
    existing = {" ".join(s.instruction.split()) for s in seeds}
    keys = {s.key for s in seeds if s.key}
    renamed: list[str] = []
    reader = DatasetReader(path, max_field=max_field)
    batch: list[SeedTask] = []
    with pool.transaction():
        for line, item in iter_seed_records(reader):
            if isinstance(item, InputError):
                if not skip_bad:
                    raise item
                summary.bad.append(item)
                continue
            norm = " ".join(item.instruction.split())
            if norm in existing:
                summary.duplicates += 1
                continue
            existing.add(norm)
            if item.key in keys:
                new = _unique(item.key, keys)
                renamed.append(f"line {line}: id '{item.key}' is taken; imported as '{new}'")
                item.key = new
            if item.key:
                keys.add(item.key)
            batch.append(item)
            summary.imported += 1
            summary.classification += int(item.is_classification)
            if len(batch) >= 1000:  # bounded memory for huge files
                pool.add_seeds(batch, source or path.name)
                batch = []
        pool.add_seeds(batch, source or path.name)
    if renamed:
        more = f" (and {len(renamed) - 3} more)" if len(renamed) > 3 else ""
        summary.notes.append(f"{path}: {len(renamed)} repeated ids made unique: "
                             + "; ".join(renamed[:3]) + more + ".")
    summary.notes += reader.notes()
    return summary


def export_seeds(pool: Pool, stream: IO[str], *, terminal: bool = False) -> int:
    """Write the seeds as JSONL. For a ``terminal``, characters that could act on it
    (C1 controls, bidi overrides, line separators) are written as JSON ``\\u`` escapes,
    which parse back to the same text; files keep CJK and everything else as it is."""
    n = 0
    for seed in pool.list_seeds():
        d = seed.as_seed_dict()
        d["id"] = d["id"] or f"seed_task_{seed.id}"
        stream.write(json_line(json.dumps(d, ensure_ascii=False), terminal=terminal) + "\n")
        n += 1
    return n


def read_shipped(name: str) -> list[dict[str, Any]]:
    """The records of a file shipped in ``seeds/`` (none when it is missing)."""
    path = seeds_dir() / name
    if not path.is_file():
        return []
    out = []
    for rec in DatasetReader(path):
        if rec.error is not None:
            raise rec.error
        if isinstance(rec.value, dict):
            out.append(rec.value)
    return out


def ensure_default_seeds(pool: Pool) -> bool:
    """On first start of an empty pool, load the shipped seeds, topics and problems."""
    if not pool.is_empty():
        return False
    folder = seeds_dir()
    with pool.transaction():
        if (folder / DEFAULT_SEEDS).is_file():
            import_seed_file(pool, folder / DEFAULT_SEEDS, source="default")
        if not pool.topics():
            pool.add_topics(Topic(topic=r["topic"], field=r.get("field", ""),
                                  extract=r.get("extract", ""), source="default")
                            for r in read_shipped(DEFAULT_TOPICS) if r.get("topic"))
        if not pool.problems():
            pool.add_problems(Problem(key=str(r.get("id", "")), problem=r["problem"],
                                      answer=str(r.get("answer", "")),
                                      kind=r.get("kind", ""), source="default")
                              for r in read_shipped(DEFAULT_PROBLEMS) if r.get("problem"))
    return True

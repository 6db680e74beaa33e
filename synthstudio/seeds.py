"""Seed tasks in the Self-Instruct / Alpaca seed schema: import, export, defaults.

One JSON object a line: ``{"id", "name", "instruction", "instances": [{"input",
"output"}], "is_classification"}``. Extra fields are ignored; ``id``, ``name`` and
``is_classification`` may be missing. A bad line is reported with the file, its line
number and the reason; a file with a bad line imports nothing unless ``skip_bad``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from synthstudio.errors import InputError
from synthstudio.fileio import open_input
from synthstudio.records import Instance, SeedTask
from synthstudio.resources import seeds_dir
from synthstudio.store import Pool

DEFAULT_SEEDS = "self_instruct_seeds.jsonl"
DEFAULT_TOPICS = "textbook_topics.jsonl"
DEFAULT_PROBLEMS = "reasoning_problems.jsonl"


def seed_from_obj(obj: Any) -> SeedTask:
    """Validate one decoded line; raise InputError(reason, field=...) when it is bad."""
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object, found {type(obj).__name__}")
    instr = obj.get("instruction")
    if not isinstance(instr, str):
        raise InputError("missing or not a string", field="instruction")
    if not instr.strip():
        raise InputError("is empty", field="instruction")
    raw_instances = obj.get("instances", [])
    if not isinstance(raw_instances, list):
        raise InputError("must be a list of {input, output} objects", field="instances")
    instances = []
    for n, inst in enumerate(raw_instances):
        where = f"instances[{n}]"
        if not isinstance(inst, dict):
            raise InputError("must be an object with input and output", field=where)
        inp, out = inst.get("input", ""), inst.get("output")
        if inp is None:
            inp = ""
        if not isinstance(inp, str):
            raise InputError("must be a string", field=f"{where}.input")
        if not isinstance(out, str):
            raise InputError("missing or not a string", field=f"{where}.output")
        instances.append(Instance(inp, out))
    is_cls = obj.get("is_classification", False)
    if is_cls is None:
        is_cls = False
    if not isinstance(is_cls, bool | int) or is_cls not in (0, 1, True, False):
        raise InputError("must be true or false", field="is_classification")
    key, name = obj.get("id", ""), obj.get("name", "")
    if not isinstance(key, str | int) or isinstance(key, bool):
        raise InputError("must be a string", field="id")
    if not isinstance(name, str):
        raise InputError("must be a string", field="name")
    return SeedTask(instruction=instr, instances=instances, is_classification=bool(is_cls),
                    name=name, key=str(key))


def iter_seed_lines(stream: IO[str], path: str) -> Iterator[tuple[int, SeedTask | InputError]]:
    """Yield (line number, seed or the error for that line); blank lines are skipped."""
    for lineno, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError) as exc:
            yield lineno, InputError(f"not valid JSON ({_short(exc)})", path=path, line=lineno)
            continue
        try:
            yield lineno, seed_from_obj(obj)
        except InputError as err:
            yield lineno, InputError(err.reason, path=path, line=lineno, field=err.field)


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 120 else text[:117] + "..."


def parse_seed_file(path: str | Path) -> list[SeedTask]:
    """Read a whole seed file; raise InputError for its first bad line."""
    path = Path(path)
    out: list[SeedTask] = []
    with open_input(path, "r") as f:
        try:
            for _, item in iter_seed_lines(f, str(path)):
                if isinstance(item, InputError):
                    raise item
                out.append(item)
        except UnicodeDecodeError as exc:
            raise InputError(f"is not UTF-8 text ({exc.reason})", path=str(path)) from exc
    return out


@dataclass
class ImportSummary:
    path: str
    imported: int = 0
    duplicates: int = 0
    classification: int = 0
    bad: list[InputError] = field(default_factory=list)


def import_seed_file(pool: Pool, path: str | Path, *, skip_bad: bool = False,
                     source: str = "") -> ImportSummary:
    """Import a seed file in one transaction: all of it, or (with a bad line and no
    ``skip_bad``) none of it. Instructions already in the pool are skipped."""
    path = Path(path)
    summary = ImportSummary(str(path))
    existing = {" ".join(s.instruction.split()) for s in pool.list_seeds()}
    batch: list[SeedTask] = []
    with open_input(path, "r") as f, pool.transaction():
        try:
            for _, item in iter_seed_lines(f, str(path)):
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
                batch.append(item)
                summary.imported += 1
                summary.classification += int(item.is_classification)
                if len(batch) >= 1000:  # bounded memory for huge files
                    pool.add_seeds(batch, source or path.name)
                    batch = []
        except UnicodeDecodeError as exc:
            raise InputError(f"is not UTF-8 text ({exc.reason})", path=str(path)) from exc
        pool.add_seeds(batch, source or path.name)
    return summary


def export_seeds(pool: Pool, stream: IO[str], *, terminal: bool = False) -> int:
    """Write the seeds as JSONL. For a ``terminal``, characters that could act on it
    (C1 controls, bidi overrides) are written as JSON ``\\u`` escapes, which parse back
    to the same text; files keep CJK and everything else as it is."""
    n = 0
    for seed in pool.list_seeds():
        d = seed.as_seed_dict()
        d["id"] = d["id"] or f"seed_task_{seed.id}"
        line = json.dumps(d, ensure_ascii=False)
        if terminal:
            line = _TERMINAL_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", line)
        stream.write(line + "\n")
        n += 1
    return n


_TERMINAL_UNSAFE = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def ensure_default_seeds(pool: Pool) -> bool:
    """On first start of an empty pool, load the shipped seeds, topics and problems."""
    if not pool.is_empty():
        return False
    folder = seeds_dir()
    with pool.transaction():
        if (folder / DEFAULT_SEEDS).is_file():
            import_seed_file(pool, folder / DEFAULT_SEEDS, source="default")
        if not pool.list_rows("topics"):
            rows = [{"topic": r.get("topic", ""), "field": r.get("field", ""),
                     "extract": r.get("extract", "")}
                    for r in _read_jsonl(folder / DEFAULT_TOPICS) if r.get("topic")]
            pool.add_rows("topics", rows, "default")
        if not pool.list_rows("problems"):
            rows = [{"key": str(r.get("id", "")), "problem": r.get("problem", ""),
                     "answer": str(r.get("answer", "")), "kind": r.get("kind", "")}
                    for r in _read_jsonl(folder / DEFAULT_PROBLEMS) if r.get("problem")]
            pool.add_rows("problems", rows, "default")
    return True

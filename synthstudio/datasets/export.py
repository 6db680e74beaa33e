"""Export pool items as JSONL for fine-tuning, one training example a line.

Formats (``FORMATS``):

* ``alpaca``: ``{"instruction", "input", "output"}`` (and ``"system"`` when a system
  prompt is given). Self-instruct items give one line per
  instance; textbook items give a prompt-like instruction built from topic, audience and
  style (see :func:`textbook_prompt`) with the text as output; reasoning items give the
  problem as instruction and the reply (below) as output.
* ``self-instruct``: the seed schema ``{"id", "name", "instruction", "instances",
  "is_classification"}``, self-instruct items only, so a file imports back as seed tasks.
  ``id`` is ``synth_task_<candidate id>``; ``name`` is ``meta["name"]`` or the same id.
* ``sharegpt``: ``{"conversations": [{"from": "human"|"gpt"|"system", "value"}]}``.
* ``messages``: ``{"messages": [{"role", "content"}]}`` (the OpenAI / chat-template shape).
* ``textbook``: ``{"text", "audience", "style", "topic"}``, textbook items only.

A self-instruct user turn is the instruction, then a blank line and the input when there
is one. A reasoning reply, with ``reasoning_style="think"`` (default), is
``<think>\\n{thinking}\\n</think>\\n\\n{answer}`` (the layout of R1-style chat templates; no
think block when there is no thinking); with ``"field"`` the reply is the answer alone and
the thinking goes in a ``"reasoning_content"`` key: on the assistant message (messages),
the gpt turn (sharegpt) or the record (alpaca). Items a format cannot express (a textbook
item in ``self-instruct``, a self-instruct item without instances in a chat format) are
skipped and counted. ``with_provenance`` adds a ``"provenance"`` object to every line, each
key with one JSON type in every line (filter results as :func:`export_score`), so the file
loads as Arrow columns (``datasets`` 2.16 and later).

Lines are rendered and joined inside SQLite (:mod:`synthstudio.store.export_query`), in id
order, a batch of ids at a time on a reader thread while the previous batch is written, so
memory stays bounded and a 1M-item pool streams fast;
:func:`candidate_rows` is the same mapping in Python for one item (previews, tests).
Writing is atomic (:func:`synthstudio.boundary.files.atomic_writer`): a temporary file beside the
target, fsync, ``os.replace``; on any error the target is left as it was.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from synthstudio.boundary.files import atomic_writer, is_stdout, synced_while_writing, to_terminal
from synthstudio.boundary.inert import json_line
from synthstudio.errors import InputError
from synthstudio.records import ACCEPTED, STATUSES, Candidate, CandidateMeta, FilterResult
from synthstudio.store import Pool
from synthstudio.store.export_query import (
    EACH,
    LEAN_RECIPES,
    RS,
    US,
    WS,
    Batch,
    build_query,
    count_by_recipe,
    join_kind,
)
from synthstudio.store.export_reader import T, as_is, export_batches

FORMATS = ("alpaca", "self-instruct", "sharegpt", "messages", "textbook")
REASONING_STYLES = ("think", "field")
#: formats that take only one recipe
ONLY_RECIPE = {"self-instruct": "self-instruct", "textbook": "textbook"}


@dataclass(slots=True)
class ExportSummary:
    rows: int
    by_recipe: dict[str, int]
    path: Path
    #: items that gave at least one line, by recipe
    items_by_recipe: dict[str, int] = field(default_factory=dict)
    #: matching items the format could not express, by recipe
    skipped: dict[str, int] = field(default_factory=dict)


    @property
    def items(self) -> int:
        return sum(self.items_by_recipe.values())


# -- one item to training rows (the reference; export_query renders the same in SQL) ----

def textbook_prompt(meta: CandidateMeta, fallback: str = "") -> str:
    """``Write a {style} about {topic} for {audience}.``, leaving out what is missing."""
    style = str(meta.get("style") or "").strip(WS) or "text"
    topic = str(meta.get("topic") or "").strip(WS) or fallback.strip(WS)
    audience = str(meta.get("audience") or "").strip(WS)
    line = f"Write {'an' if style[:1].lower() in 'aeiou' else 'a'} {style}"
    if topic:
        line += f" about {topic}"
    if audience:
        line += f" for {audience}"
    return line.rstrip(".") + "."


def user_turn(instruction: str, inp: str) -> str:
    return f"{instruction}\n\n{inp}" if inp.strip(WS) else instruction


def reasoning_reply(thinking: str, answer: str) -> str:
    thinking = thinking.strip(WS)
    return f"<think>\n{thinking}\n</think>\n\n{answer}" if thinking else answer


def _examples(c: Candidate) -> Iterator[tuple[str, str, str, str]]:
    """(instruction, input, output, thinking) for each example the item gives."""
    if c.recipe == "textbook":
        yield textbook_prompt(c.meta, c.instruction), "", c.text, ""
    elif c.recipe == "reasoning":
        yield c.instruction, "", c.answer, c.thinking.strip(WS)
    else:
        for inst in c.instances:
            yield c.instruction, inst.input, inst.output, ""


def _number(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _label(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return v if isinstance(v, str) else ""


def export_score(r: FilterResult) -> dict[str, Any]:
    """A filter result with one type per key whatever the filter (Arrow, and so
    ``datasets``, refuses a column that holds a number in one row and text in another):
    ``score``/``threshold`` are the numeric value and threshold (else null), ``value``/
    ``limit`` the textual ones (else "")."""
    return {"name": r.name, "passed": bool(r.passed), "score": _number(r.value),
            "value": _label(r.value), "threshold": _number(r.threshold),
            "limit": _label(r.threshold), "detail": r.detail}


def provenance_of(c: Candidate) -> dict[str, Any]:
    prov = c.provenance or {}
    return {
        "candidate_id": c.id, "recipe": c.recipe, "status": c.status, "reason": c.reason,
        "model": prov.get("model") or "", "backend": prov.get("backend") or "",
        "options": prov.get("options") or {}, "scores": [export_score(s) for s in c.scores],
        "prompt": c.prompt, "created_at": c.created_at, "decided_at": c.decided_at,
    }


def candidate_rows(c: Candidate, fmt: str, *, reasoning_style: str = "think",
                   with_provenance: bool = False, system: str = "") -> list[dict[str, Any]]:
    """The lines one item becomes in ``fmt`` (none when the format cannot express it)."""
    rows: list[dict[str, Any]] = []
    if fmt == "self-instruct":
        if c.recipe == "self-instruct":
            key = f"synth_task_{c.id}"
            rows.append({"id": key, "name": str(c.meta.get("name") or "").strip(WS) or key,
                         "instruction": c.instruction,
                         "instances": [i.as_dict() for i in c.instances],
                         "is_classification": bool(c.is_classification)})
    elif fmt == "textbook":
        if c.recipe == "textbook":
            rows.append({"text": c.text, **{k: str(c.meta.get(k) or "")
                                            for k in ("audience", "style", "topic")}})
    else:
        field_style = reasoning_style == "field"
        for instruction, inp, out, thinking in _examples(c):
            extra = {"reasoning_content": thinking} if field_style and thinking else {}
            if not field_style:
                out = reasoning_reply(thinking, out)
            if fmt == "alpaca":
                sys_col = {"system": system} if system else {}
                rows.append({"instruction": instruction, "input": inp, "output": out,
                             **sys_col, **extra})
            elif fmt == "sharegpt":
                conv = [{"from": "system", "value": system}] if system else []
                conv += [{"from": "human", "value": user_turn(instruction, inp)},
                         {"from": "gpt", "value": out, **extra}]
                rows.append({"conversations": conv})
            elif fmt == "messages":
                msgs = [{"role": "system", "content": system}] if system else []
                msgs += [{"role": "user", "content": user_turn(instruction, inp)},
                         {"role": "assistant", "content": out, **extra}]
                rows.append({"messages": msgs})
            else:
                raise ValueError(f"unknown export format {fmt!r}")
    if with_provenance and rows:
        prov = provenance_of(c)
        for r in rows:
            r["provenance"] = prov
    return rows


# -- reading the pool ----------------------------------------------------------------

def parse_when(text: str | None, *, end: bool = False) -> str | None:
    """A date or ISO time as the pool stores it (UTC, ms). A bare date as the ``end`` of
    a range means the end of that day, so ``--until 2025-03-02`` includes the 2nd."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InputError(f"'{text}' is not a date", field="until" if end else "since",
                         hint="Use YYYY-MM-DD or an ISO time like 2025-03-01T12:00.") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if end and len(text.strip()) == 10:
        when += timedelta(days=1)
    return when.astimezone(UTC).isoformat(timespec="milliseconds")


def _check(fmt: str, status: str | None, recipe: str | None, style: str) -> str | None:
    if fmt not in FORMATS:
        raise InputError(f"unknown format '{fmt}'", field="format",
                         hint=f"Choose one of: {', '.join(FORMATS)}.")
    if style not in REASONING_STYLES:
        raise InputError(f"unknown reasoning style '{style}'", field="reasoning",
                         hint="Choose think or field.")
    if status not in (None, "all", *STATUSES):
        raise InputError(f"unknown status '{status}'", field="status",
                         hint=f"Choose one of: {', '.join(STATUSES)}, all.")
    only = ONLY_RECIPE.get(fmt)
    if only and recipe and recipe != only:
        raise InputError(f"the {fmt} format holds only {only} items, not {recipe}",
                         field="recipe", hint=f"Drop --recipe or use --recipe {only}.")
    return only or recipe


def _batches(pool: Pool, fmt: str, *, status: str | None, recipe: str | None,
             since: str | None, until: str | None, with_provenance: bool,
             min_score: float | None = None,
             reasoning_style: str, system: str, batched: bool = False,
             post: Callable[[list[Any]], T] = as_is) -> Iterator[T]:  # type: ignore[assignment]
    """Check the options now (an ``InputError`` before any file is touched), then stream
    ``post(rows)`` for batches of ``(candidate id, recipe, JSON line)`` rows (or
    one :data:`Batch` with ``batched``), in id order."""
    recipe = _check(fmt, status, recipe, reasoning_style)
    sql, params = build_query(fmt, style=reasoning_style, system=system,
                              with_provenance=with_provenance,
                              status=None if status == "all" else status, recipe=recipe,
                              since=since, until=until, min_score=min_score,
                              batched=batched)
    return export_batches(pool, sql, params, post=post)


def export_lines(pool: Pool, fmt: str, *, status: str | None = ACCEPTED,
                 recipe: str | None = None, since: str | None = None,
                 until: str | None = None, with_provenance: bool = False,
                 min_score: float | None = None,
                 reasoning_style: str = "think", system: str = "",
                 ) -> Iterator[tuple[int, str, str]]:
    """``(candidate id, recipe, JSON line)`` for every line :func:`export` writes."""
    batches = _batches(pool, fmt, status=status, recipe=recipe, since=since, until=until,
                       with_provenance=with_provenance, reasoning_style=reasoning_style,
                       system=system, post=as_is, min_score=min_score)
    return ((cid, rec, line.decode("utf-8")) for rows in batches for cid, rec, line in rows)


def export_rows(pool: Pool, fmt: str, **options: Any) -> Iterator[dict[str, Any]]:
    """The lines :func:`export` would write, as dicts (same options as :func:`export`)."""
    return (json.loads(line) for _id, _rec, line in export_lines(pool, fmt, **options))


# -- writing -------------------------------------------------------------------------

def _encoded(rows: list[Batch]) -> tuple[bytes, int, Counter[str], Counter[str]]:
    """A batch as UTF-8 lines (the last without its newline), with its lines and items by
    recipe."""
    data, n, *counts, others = rows[0]
    lines: Counter[str] = Counter()
    items: Counter[str] = Counter()
    for k, recipe in enumerate(LEAN_RECIPES):
        later, first = counts[2 * k], counts[2 * k + 1]
        if later or first:
            lines[recipe] += later + first
            items[recipe] += first
    for entry in (others.split(US) if others else ()):  # a recipe without a number (rare)
        recipe, first = entry.rsplit(RS, 1)
        lines[recipe] += 1
        items[recipe] += int(first)
    return (data if n else b""), n, lines, items


def export(pool: Pool, fmt: str, path: str | Path, *, status: str | None = ACCEPTED,
           recipe: str | None = None, since: str | None = None, until: str | None = None,
           with_provenance: bool = False, reasoning_style: str = "think",
           system: str = "", min_score: float | None = None) -> ExportSummary:
    """Write the matching items of ``pool`` to ``path`` as JSONL in ``fmt``, atomically.

    ``status`` is a status, or ``"all"``/``None`` for every item; ``since`` (inclusive) and
    ``until`` (exclusive) bound ``created_at`` as stored (see :func:`parse_when`);
    ``system`` adds a system turn to the chat formats and a ``system`` column to alpaca
    (the column LLaMA-Factory reads); ``min_score`` keeps only items the judge scored at
    least that (unscored and unjudged items are left out).
    """
    by_recipe: Counter[str] = Counter()
    items: Counter[str] = Counter()
    rows = 0
    batches = _batches(pool, fmt, status=status, recipe=recipe, since=since, until=until,
                       with_provenance=with_provenance, reasoning_style=reasoning_style,
                       system=system, batched=True, post=_encoded, min_score=min_score)
    st = None if status == "all" else status
    counted: Future[Counter[str]] | None = None
    if join_kind(fmt) == EACH:
        # one line per instance: an item without any has none, and is counted as skipped;
        # the matching items are counted while the file is written (a scan of its own).
        # The other formats write one line for every item they are asked for.
        counting = ThreadPoolExecutor(1, thread_name_prefix="export-count")
        counted = counting.submit(count_by_recipe, pool, st, ONLY_RECIPE.get(fmt) or recipe,
                                  since, until, min_score)
        counting.shutdown(wait=False)
    with atomic_writer(path) as fh:
        # bytes joined by SQLite go to the binary layer; the text one stays empty
        out = cast(io.TextIOWrapper, fh).buffer
        terminal = to_terminal(path)
        with nullcontext() if is_stdout(path) else synced_while_writing(out):
            for data, n, lines_by_recipe, items_by_recipe in batches:
                if terminal:  # a person reads it: controls and bidi overrides as \u escapes
                    data = json_line(data.decode("utf-8"), terminal=True).encode("utf-8")
                out.write(data)
                if n:  # written on its own: adding it to ``data`` would copy the batch
                    out.write(b"\n")
                rows += n
                by_recipe.update(lines_by_recipe)
                items.update(items_by_recipe)
    skipped = counted.result() - items if counted is not None else Counter()
    return ExportSummary(rows=rows, by_recipe=dict(by_recipe), path=Path(path),
                         items_by_recipe=dict(items), skipped=dict(skipped))

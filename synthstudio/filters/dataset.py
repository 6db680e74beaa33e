"""One verdict per finished instruction-data record: every applicable filter, by name.

:func:`check_record` is what ``synthstudio check`` and ``synthstudio import`` run on an
Alpaca-style record (instruction, input, output). Each filter keeps its own name and
score so a person sees why a record failed; ``scores`` keeps one value per filter name
whose type never changes between records (Arrow and ``datasets`` load them as columns).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from synthstudio.config import Settings
from synthstudio.filters.instance import filter_instances
from synthstudio.filters.instruction import (
    blacklist_filter,
    program_filter,
    start_filter,
    words_filter,
)
from synthstudio.filters.noise import NOISE_FILTERS, run_noise_filters
from synthstudio.filters.placeholder import input_placeholder_filter, normalise_input
from synthstudio.records import FilterResult, Instance

__all__ = ["RecordVerdict", "check_record", "normalise_input"]
ScoreValue = float | bool | str


@dataclass(slots=True)
class RecordVerdict:
    """Whether a record passed, which filters failed, and every filter's score."""

    passed: bool
    failed: list[str] = field(default_factory=list)
    #: filter name -> score; a given name always maps to the same type
    scores: dict[str, ScoreValue] = field(default_factory=dict)
    #: the full results, in order, as the Scores pane shows them
    results: list[FilterResult] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"passed": self.passed, "failed": list(self.failed),
                "scores": dict(self.scores)}


def _score(value: object) -> ScoreValue:
    """A filter value as a stable JSON scalar: numbers as float, the rest as text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    return "" if value is None else str(value)


def _instance_results(input: str, output: str) -> list[FilterResult]:
    """The instance rules on one pair, as pass/fail per rule (a record has one pair)."""
    _kept, results = filter_instances([Instance(input, output)])
    out = []
    for r in results:
        if r.name in ("instances", "instance_duplicate", "instance_conflicting_outputs"):
            continue  # need several instances; meaningless for one record
        dropped = int(r.value or 0)
        out.append(FilterResult(r.name, dropped == 0, float(dropped), "dropped",
                                r.detail and "the instance breaks this rule"))
    return out


def _noise_results(fields: dict[str, str], disable: Collection[str]) -> list[FilterResult]:
    """Each noise filter over every field; the worst field decides and is named."""
    off = tuple(n for n in disable if n in NOISE_FILTERS)
    worst: dict[str, FilterResult] = {}
    for where, text in fields.items():
        for r in run_noise_filters(text, disable=off):
            best = worst.get(r.name)
            if best is None or (best.passed and not r.passed) or (
                    r.passed == best.passed and float(r.value or 0) > float(best.value or 0)):
                detail = f"{where}: {r.detail}" if r.detail else ""
                worst[r.name] = FilterResult(r.name, r.passed, r.value, r.threshold, detail)
    return list(worst.values())


def check_record(instruction: str, input: str = "", output: str = "", *,
                 settings: Settings | None = None,
                 disable: Collection[str] = ()) -> RecordVerdict:
    """Run every applicable filter on one instruction-data record.

    ``disable`` names filters to leave out. The Self-Instruct generation rules that
    judge a *new* instruction rather than a record (word count, blacklist, "Write a
    program") run only when ``settings.check.generation_rules`` is on.
    """
    settings = settings or Settings()
    cfg = settings.self_instruct
    instruction, input, output = instruction or "", input or "", output or ""
    results: list[FilterResult] = [start_filter(instruction, cfg.reject_non_ascii_start)]
    if settings.check.generation_rules:
        results += [words_filter(instruction, cfg.min_words, cfg.max_words),
                    blacklist_filter(instruction, settings.blacklist),
                    program_filter(instruction)]
    results.append(input_placeholder_filter(input))
    results += _instance_results(normalise_input(input), output)
    results += _noise_results({"instruction": instruction, "input": input,
                               "output": output}, disable)
    skip = set(disable) | set(settings.check.disable)
    results = [r for r in results if r.name not in skip]
    failed = list(dict.fromkeys(r.name for r in results if not r.passed))
    scores = {r.name: _score(r.value) for r in results}
    return RecordVerdict(passed=not failed, failed=failed, scores=scores, results=results)

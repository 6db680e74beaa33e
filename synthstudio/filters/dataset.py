"""One verdict per finished instruction-data record: every applicable filter, by name.

:func:`check_record` is what ``synthstudio check`` and ``synthstudio import`` run on an
Alpaca-style record (instruction, input, output). Each filter keeps its own name and
score so a person sees why a record failed; ``scores`` keeps one value per filter name
whose type never changes between records (Arrow and ``datasets`` load them as columns).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from synthstudio.config.settings import Settings
from synthstudio.filters.instance import ends_with_colon, symbols_only
from synthstudio.filters.instruction import (
    blacklist_filter,
    program_filter,
    start_filter,
    words_filter,
)
from synthstudio.filters.noise import NOISE_FILTERS
from synthstudio.filters.non_text import non_text_output_filter
from synthstudio.filters.outputs import (
    merged_instructions_filter,
    no_output_filter,
    refusal_filter,
)
from synthstudio.filters.placeholder import input_placeholder_filter, normalise_input
from synthstudio.filters.references import missing_input_filter, unseen_content_filter
from synthstudio.records import FilterResult

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
    #: the results as the pool stores them (JSON), when a filter process made them for
    #: an import instead of ``results``, ``failed`` and ``scores`` (empty then)
    stored: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"passed": self.passed, "failed": list(self.failed),
                "scores": dict(self.scores)}


def _score(value: object) -> ScoreValue:
    """A filter value as a stable JSON scalar: numbers as float, the rest as text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):  # noqa: UP038 (a tuple is faster)
        return float(value)
    return "" if value is None else str(value)


def _instance_results(instruction: str, input: str, output: str) -> list[FilterResult]:
    """The instance rules that make sense for one pair, each judged on its own."""
    i, o = input.strip(), output.strip()
    rules = {
        "instance_input_equals_output": bool(i) and i == o,
        # an answer cut off after "Here are the steps:"; an input may end with a colon
        # ("Instability : Turmoil :: Change :")
        "instance_ends_with_colon": ends_with_colon(o),
        "instance_symbols_only": symbols_only(o, instruction, i) or symbols_only(i, instruction),
    }
    return [FilterResult(name, not bad, float(bad), 0.0,
                         "the instance breaks this rule" if bad else "")
            for name, bad in rules.items()]


def _noise_results(fields: dict[str, str], task: str,
                   disable: Collection[str]) -> list[FilterResult]:
    """Each noise filter over every field; the worst field decides and is named: a
    failure over a pass, then the higher score, then the earlier field."""
    judges = [(name, f.judge, f.threshold) for name, f in NOISE_FILTERS.items()
              if name not in disable]
    worst: dict[str, tuple[bool, float, str, str]] = {}  # passed, score, detail, field
    for where, text in fields.items():
        if not text.strip() and worst:
            continue  # an empty field scores 0 everywhere
        for name, judge, limit in judges:
            passed, value, detail = judge(text, limit, task)
            best = worst.get(name)
            if best is None or (best[0] and not passed) or (
                    passed == best[0] and value > best[1]):
                worst[name] = (passed, value, detail, where)
    return [FilterResult(name, passed, value, NOISE_FILTERS[name].threshold,
                         f"{where}: {detail}" if detail else "")
            for name, (passed, value, detail, where) in worst.items()]


_DEFAULT: Settings | None = None


def _default_settings() -> Settings:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Settings()
    return _DEFAULT


def check_record(instruction: str, input: str = "", output: str = "", *,
                 settings: Settings | None = None,
                 disable: Collection[str] = ()) -> RecordVerdict:
    """Run every applicable filter on one instruction-data record.

    ``disable`` names filters to leave out. The Self-Instruct generation rules that
    judge a *new* instruction rather than a record (word count, blacklist, "Write a
    program", no non-ASCII first letter) run only when ``settings.check.generation_rules``
    is on; without it ``bad_start`` fails only an opening punctuation mark or symbol, so
    "¿Qué hora es?" and "Écris un poème" pass.
    """
    settings = settings or _default_settings()
    cfg = settings.self_instruct
    strict = settings.check.generation_rules
    instruction, input, output = instruction or "", input or "", output or ""
    results: list[FilterResult] = [
        start_filter(instruction, strict and cfg.reject_non_ascii_start)]
    if strict:
        results += [words_filter(instruction, cfg.min_words, cfg.max_words),
                    blacklist_filter(instruction, settings.blacklist),
                    program_filter(instruction)]
    results.append(input_placeholder_filter(input, instruction))
    input = normalise_input(input, instruction)
    results += [
        unseen_content_filter(instruction, input),
        missing_input_filter(instruction, input),
        non_text_output_filter(instruction),
        no_output_filter(output, instruction),
        refusal_filter(output),
        merged_instructions_filter(output),
    ]
    results += _instance_results(instruction, input, output)
    results += _noise_results({"instruction": instruction, "input": input,
                               "output": output}, f"{instruction}\n{input}", disable)
    skip = set(disable) | set(settings.check.disable)
    results = [r for r in results if r.name not in skip]
    failed = list(dict.fromkeys(r.name for r in results if not r.passed))
    scores = {r.name: r.value if type(r.value) is float else _score(r.value)
              for r in results}
    return RecordVerdict(passed=not failed, failed=failed, scores=scores, results=results)

"""Reasoning traces with verified answers (DeepSeek-R1 style rejection sampling).

A step takes the least-sampled problem (ties broken at random) and asks for ``samples``
answers with distinct seeds: think first, then answer. Thinking may arrive in the
backend's thinking channel (Ollama ``message.thinking``, OpenAI ``reasoning_content``) or
inline as ``<think>...</think>``; both are normalised the same way. Each sample is
checked by rules (format, accuracy against the reference, language mixing, repetition,
thinking length). With ``keep_only_correct`` (the default) a wrong answer is rejected
with reason ``filter:accuracy``; it is still stored, so it can be inspected.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from synthstudio import prompts
from synthstudio.backends.base import GenOptions
from synthstudio.config.recipes import ReasoningSettings
from synthstudio.errors import InputError
from synthstudio.filters.reasoning import (
    accuracy_check,
    export_text,
    format_check,
    language_check,
    length_check,
    repetition_check,
    split_reasoning,
)
from synthstudio.recipes.context import Context, RequestRecord
from synthstudio.records import REJECTED, Candidate, FilterResult, Problem

NAME = "reasoning"
TEMPLATE = "reasoning"


def reasoning_settings(settings: Any) -> ReasoningSettings:
    """The reasoning recipe's settings (validated when the settings were loaded)."""
    return settings.reasoning  # type: ignore[no-any-return]


def render_prompt(problem: str) -> str:
    return prompts.render(TEMPLATE, problem=problem.strip())


def check_sample(content: str, thinking: str, problem: str, reference: str, kind: str,
                 cfg: ReasoningSettings, truncated: bool = False,
                 ) -> tuple[str, str, list[FilterResult]]:
    """(thinking, answer, checks) of one completion."""
    trace = split_reasoning(content, thinking)
    acc = accuracy_check(trace.answer, reference, kind)
    if not acc.passed and not cfg.keep_only_correct:
        acc.passed = True
        acc.detail = f"wrong answer kept (expected {reference}; keep_only_correct is off)"
        acc.extra["correct"] = False
    else:
        acc.extra["correct"] = acc.passed
    results = [
        format_check(trace, truncated),
        acc,
        language_check(trace.thinking, problem, cfg.max_foreign_share),
        repetition_check(trace.thinking, cfg.max_repeated_sentences, cfg.loop_min_tokens,
                         cfg.loop_min_repeats),
        length_check(trace.thinking, cfg.min_thinking_words, cfg.max_thinking_words),
    ]
    return trace.thinking, trace.answer, results


class Reasoning:
    name = NAME

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        #: problem id -> samples stored so far (any status)
        self.sampled: Counter[int] = Counter()
        #: problem id -> samples being asked for by steps in flight (parallel steps spread)
        self.asking: Counter[int] = Counter()

    # -- pool state -------------------------------------------------------------------

    def prepare(self, ctx: Context) -> None:
        reasoning_settings(ctx.settings)  # report a bad config before any request
        import math_verify  # noqa: F401  (slow first import: here, off the event loop)

        self.problems = [p for p in ctx.pool.problems() if p.problem.strip()]
        if not self.problems:
            raise InputError("the pool has no problems for the reasoning recipe",
                             hint="Import some with `synthstudio problems import FILE`.")
        self.sampled = Counter({pid: n for pid, (n, _ok) in ctx.pool.problem_samples().items()})

    def on_stored(self, cand: Candidate) -> None:
        if cand.recipe == NAME and cand.meta.get("problem_id") is not None:
            self.sampled[int(cand.meta["problem_id"])] += 1

    def on_status_changed(self, cand: Candidate, old_status: str) -> None:
        return None  # sampling counts every sample, whatever its status

    def state(self) -> dict[str, Any]:
        return {}

    def restore(self, state: dict[str, Any]) -> None:
        return None

    # -- one step ---------------------------------------------------------------------

    def choose(self, ctx: Context) -> Problem:
        def n(p: Problem) -> int:
            return self.sampled[int(p.id or 0)] + self.asking[int(p.id or 0)]

        low = min(n(p) for p in self.problems)
        return ctx.rng.choice([p for p in self.problems if n(p) == low])

    async def step(self, ctx: Context) -> list[Candidate]:
        problem = self.choose(ctx)
        pid, k = int(problem.id or 0), reasoning_settings(ctx.settings).samples
        self.asking[pid] += k
        try:
            return await self.sample_problem(ctx, problem)
        finally:
            self.asking[pid] -= k

    async def sample_problem(self, ctx: Context, problem: Problem) -> list[Candidate]:
        """``samples`` answers to one problem, each checked; stops early on cancel."""
        cfg = reasoning_settings(ctx.settings)
        think = cfg.think if cfg.think is not None else ctx.settings.think
        prompt = render_prompt(problem.problem)
        first = self.sampled[int(problem.id or 0)]
        seeds: set[int | None] = set()
        out: list[Candidate] = []
        # the step names the problem, so the studio's header says what is being solved
        about = " ".join(problem.problem.split())
        about = about if len(about) <= 60 else about[:59] + "…"
        for k in range(cfg.samples):
            options = ctx.options(num_predict=cfg.max_tokens, temperature=cfg.temperature)
            while options.seed in seeds:
                options.seed = ctx.rng.randrange(2**31)
            seeds.add(options.seed)
            comp, record = await ctx.ask(f"sample {k + 1}/{cfg.samples}: {about}", prompt,
                                         options, think=think)
            if comp.cancelled:
                break
            out.append(self._candidate(ctx, problem, cfg, comp.content, comp.thinking,
                                       comp.truncated, first + k, options, record, think))
            if ctx.cancel.is_set():
                break
        return out

    def _candidate(self, ctx: Context, problem: Problem, cfg: ReasoningSettings,
                   content: str, thinking: str, truncated: bool, sample: int,
                   options: GenOptions, record: RequestRecord,
                   think: bool | None) -> Candidate:
        reference, kind = problem.answer, problem.kind
        thought, answer, results = check_sample(content, thinking, problem.problem,
                                                reference, kind, cfg, truncated)
        correct = bool(results[1].extra.get("correct"))
        cand = Candidate(
            recipe=NAME, instruction=problem.problem, thinking=thought, answer=answer,
            text=export_text(thought, answer),
            meta={"reference": reference, "problem_id": int(problem.id or 0),
                  "problem_key": problem.key, "kind": kind, "sample": sample,
                  "correct": correct},
            scores=results, prompt=record.prompt, raw_output=content,
            provenance={"recipe": NAME, "backend": ctx.backend.name,
                        "model": ctx.backend.model, "options": options.as_dict(),
                        "think": think, "requests": [record.as_dict()]},
        )
        failed = cand.failed_filters
        if failed:
            cand.status, cand.reason = REJECTED, f"filter:{failed[0]}"
        return cand

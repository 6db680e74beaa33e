"""Self-Instruct (Wang et al. 2022), as Alpaca ran it, one prompt at a time.

A step: sample 6 human seed tasks and 2 accepted machine tasks (seeds fill in while
there are fewer), ask the model to continue the numbered list, parse and filter the new
instructions, then for each survivor ask whether it is a classification task and
generate instances output-first (classification) or input-first (otherwise).
"""

from __future__ import annotations

import itertools
from typing import Any

from synthstudio import prompts
from synthstudio.filters.instance import filter_instances
from synthstudio.filters.instruction import (
    NEAREST_K,
    blacklist_filter,
    program_filter,
    rouge_filter,
    start_filter,
    words_filter,
)
from synthstudio.filters.non_text import non_text_output_filter
from synthstudio.filters.references import unseen_content_filter
from synthstudio.recipes.context import Context
from synthstudio.recipes.guard import StateGuard
from synthstudio.recipes.self_instruct_parsers import (
    parse_instances,
    parse_instances_json,
    parse_numbered_instructions,
    parse_yes_no,
)
from synthstudio.records import (
    ACCEPTED,
    PROPOSED,
    REJECTED,
    Candidate,
    FilterResult,
    Provenance,
    SampledTasks,
)
from synthstudio.similarity import RougeIndex

NAME = "self-instruct"

YES_NO_SCHEMA = {"type": "object", "properties": {"answer": {"enum": ["Yes", "No"]}},
                 "required": ["answer"]}


def instances_schema(output_first: bool, n: int) -> dict[str, Any]:
    first, second = ("class_label", "input") if output_first else ("input", "output")
    return {
        "type": "object",
        "properties": {"instances": {
            "type": "array", "minItems": 1, "maxItems": n,
            "items": {"type": "object",
                      "properties": {first: {"type": "string"}, second: {"type": "string"}},
                      "required": [first, second]},
        }},
        "required": ["instances"],
    }


def seed_key(seed_id: int) -> str:
    return f"seed:{seed_id}"


def cand_key(cand_id: int) -> str:
    return f"cand:{cand_id}"


class SelfInstruct:
    name = NAME

    def __init__(self) -> None:
        self.index = RougeIndex()
        self.seeds: list[tuple[int, str]] = []
        self.machine: list[tuple[int, str]] = []
        #: the engine's thread, the studio's pool thread and prepare() all reach the index
        self.guard = StateGuard()
        #: keys of instructions that passed in steps still running (shared by parallel
        #: steps, so two of them cannot both keep near-duplicates)
        self._pending_ids = itertools.count()

    # -- pool state -------------------------------------------------------------------

    def prepare(self, ctx: Context) -> None:
        with self.guard.rebuilding():
            # a seed still being written in the studio (empty instruction) is not sampled
            seeds = [(s.id or 0, s.instruction) for s in ctx.pool.list_seeds()
                     if s.instruction.strip()]
            machine = ctx.pool.instructions((ACCEPTED,), NAME)
            index = RougeIndex()
            for sid, text in seeds:
                index.add(seed_key(sid), text)
            for cid, text in ctx.pool.instructions((ACCEPTED, PROPOSED), NAME):
                index.add(cand_key(cid), text)

            def swap() -> None:
                self.seeds, self.machine, self.index = seeds, machine, index

            self.guard.hand_over(swap)

    def on_stored(self, cand: Candidate) -> None:
        if cand.id is not None and cand.recipe == NAME:
            self.guard.apply(self._changed, cand.id, cand.status, cand.instruction)

    def on_status_changed(self, cand: Candidate, old_status: str) -> None:
        if cand.id is not None and cand.recipe == NAME:
            self.guard.apply(self._changed, cand.id, cand.status, cand.instruction)

    def _changed(self, cand_id: int, status: str, instruction: str) -> None:
        """``cand_id`` now has ``status`` (idempotent: replayed after a rebuild)."""
        key = cand_key(cand_id)
        if key in self.index:
            self.index.remove(key)
        if status != REJECTED:
            self.index.add(key, instruction)
        self.machine = [(i, t) for i, t in self.machine if i != cand_id]
        if status == ACCEPTED:
            self.machine.append((cand_id, instruction))

    def _pend(self, key: str, text: str) -> None:
        self.index.add(key, text)

    def _unpend(self, key: str) -> None:
        if key in self.index:
            self.index.remove(key)

    def state(self) -> dict[str, Any]:
        return {}

    def restore(self, state: dict[str, Any]) -> None:
        return None

    # -- prompts ----------------------------------------------------------------------

    def sample_tasks(self, ctx: Context) -> tuple[list[str], SampledTasks]:
        """6 human + 2 machine tasks (all from the seeds while fewer machine tasks exist)."""
        cfg = ctx.settings.self_instruct
        total = cfg.human_tasks + cfg.machine_tasks
        with self.guard.lock:
            have, seeds = list(self.machine), list(self.seeds)
        machine = (ctx.rng.sample(have, cfg.machine_tasks)
                   if len(have) >= cfg.machine_tasks else [])
        n_human = min(total - len(machine), len(seeds))
        human = ctx.rng.sample(seeds, n_human)
        tasks = [t for _, t in human] + [t for _, t in machine]
        ctx.rng.shuffle(tasks)
        return tasks, {"human": [i for i, _ in human], "machine": [i for i, _ in machine]}

    @staticmethod
    def instruction_prompt(tasks: list[str]) -> str:
        listing = "\n".join(f"{i}. {' '.join(t.split())}" for i, t in enumerate(tasks, 1))
        return prompts.render("self_instruct_instructions", tasks=listing)

    def structured(self, ctx: Context) -> bool:
        mode = ctx.settings.self_instruct.structured
        return mode == "on" or (mode == "auto" and ctx.backend.name == "embedded")

    # -- filters ----------------------------------------------------------------------

    def instruction_filters(self, ctx: Context, text: str) -> list[FilterResult]:
        cfg = ctx.settings.self_instruct
        results = [
            words_filter(text, cfg.min_words, cfg.max_words),
            blacklist_filter(text, ctx.settings.blacklist),
            program_filter(text),
            start_filter(text, cfg.reject_non_ascii_start),
            non_text_output_filter(text),
            unseen_content_filter(text, input_follows=True),
        ]
        with self.guard.lock:
            match = self.index.query(text, k=NEAREST_K)
        results.append(rouge_filter(match.max_score,
                                    [(n.text, n.score) for n in match.nearest],
                                    cfg.rouge_threshold))
        return results

    # -- one step ---------------------------------------------------------------------

    async def step(self, ctx: Context) -> list[Candidate]:
        cfg = ctx.settings.self_instruct
        tasks, sampled = self.sample_tasks(ctx)
        prompt = self.instruction_prompt(tasks)
        options = ctx.options(num_predict=cfg.request_tokens, stop=["\n20.", "20."])
        comp, record = await ctx.ask("instructions", prompt, options)
        base = Provenance(recipe=NAME, backend=ctx.backend.name, model=ctx.backend.model,
                          options=options.as_dict(), sampled=sampled)
        if comp.cancelled:
            return []
        out: list[Candidate] = []
        pending: list[str] = []
        try:
            for text in parse_numbered_instructions(comp.content, truncated=comp.truncated):
                cand = Candidate(recipe=NAME, instruction=text, prompt=record.prompt,
                                 raw_output=comp.content,
                                 provenance={**base, "requests": [record.as_dict()]})
                cand.scores = self.instruction_filters(ctx, text)
                if cand.passed:
                    # later instructions of this reply are compared with this one too
                    pending.append(f"pending:{next(self._pending_ids)}")
                    self.guard.apply(self._pend, pending[-1], text)
                    await self._complete(ctx, cand)
                if ctx.cancel.is_set():
                    break
                failed = cand.failed_filters
                if failed:
                    cand.status, cand.reason = REJECTED, f"filter:{failed[0]}"
                out.append(cand)
        finally:
            for key in pending:  # the engine adds what it stores via on_stored
                self.guard.apply(self._unpend, key)
        return out

    async def _complete(self, ctx: Context, cand: Candidate) -> None:
        """Classify the task, then generate and filter its instances."""
        cfg = ctx.settings.self_instruct
        structured = self.structured(ctx)
        opts = ctx.options(num_predict=8 if not structured else 24, temperature=0.0)
        comp, rec = await ctx.ask(
            "classify", prompts.render("self_instruct_classify", instruction=cand.instruction),
            opts, YES_NO_SCHEMA if structured else None)
        cand.provenance["requests"].append(rec.as_dict())
        is_cls = parse_yes_no(comp.content)
        cand.is_classification = bool(is_cls)
        template = ("self_instruct_instances_output_first" if cand.is_classification
                    else "self_instruct_instances_input_first")
        opts = ctx.options(num_predict=cfg.instance_tokens)
        comp, rec = await ctx.ask(
            "instances", prompts.render(template, instruction=cand.instruction,
                                        n=cfg.max_instances), opts,
            instances_schema(cand.is_classification, cfg.max_instances) if structured else None)
        cand.provenance["requests"].append(rec.as_dict())
        if structured:
            raw = parse_instances_json(comp.content, cfg.max_instances)
        else:
            raw = parse_instances(comp.content, cand.is_classification, cfg.max_instances,
                                  truncated=comp.truncated)
        cand.instances, results = filter_instances(raw, cand.instruction)
        cand.scores.extend(results)

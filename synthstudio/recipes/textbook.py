"""Textbook-quality texts (Phi "Textbooks Are All You Need", Cosmopedia).

A step picks the least-covered (audience, style) combination (ties broken at random),
then the topic least covered for it, renders ``textbook_<audience>_<style>`` with the
topic and its optional source extract, and checks the text (length per style,
placeholders, assistant boilerplate, references to images, MinHash near-duplicates of
the pool's textbook texts, and the noise filters).

Coverage counts accepted and proposed textbook candidates, so it is derived from the
pool alone and a resumed run needs no saved state. ``mode = "all_audiences"`` writes one
topic in one style for every audience, so the studio can show them side by side.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from synthstudio import prompts
from synthstudio.config.choices import AUDIENCES, STYLES
from synthstudio.config.recipes import TextbookSettings
from synthstudio.errors import InputError
from synthstudio.filters.noise import repetition_doomed, run_noise_filters
from synthstudio.filters.task_cues import asks_for
from synthstudio.filters.textbook import near_dup_filter, text_filters
from synthstudio.recipes.context import Context, RecipeStore
from synthstudio.recipes.guard import StateGuard
from synthstudio.records import REJECTED, Candidate, FilterResult, Topic
from synthstudio.similarity.minhash import MinHashIndex

NAME = "textbook"
AUDIENCE_LABELS = {"young_children": "young children", "high_school": "high school students",
                   "college": "college students", "researchers": "researchers"}
STYLE_LABELS = {"textbook": "textbook chapter", "story": "story", "howto": "how-to guide",
                "blog": "blog post"}
NO_EXTRACT = "(none given: rely on well-established knowledge)"

Combo = tuple[str, str]


def textbook_settings(settings: Any) -> TextbookSettings:
    """The textbook recipe's settings (validated when the settings were loaded)."""
    return settings.textbook  # type: ignore[no-any-return]


def template_name(audience: str, style: str) -> str:
    return f"textbook_{audience}_{style}"


def render_prompt(topic: str, extract: str, audience: str, style: str) -> str:
    return prompts.render(template_name(audience, style), topic=topic.strip(),
                          extract=extract.strip() or NO_EXTRACT)


# -- coverage (derived from the pool) ---------------------------------------------------


def coverage(pool: RecipeStore) -> dict[Combo, int]:
    """Accepted + proposed textbook texts per (audience, style); every combination listed."""
    out: dict[Combo, int] = {(a, s): 0 for a in AUDIENCES for s in STYLES}
    for (_, audience, style), n in pool.textbook_coverage().items():
        key = (str(audience), str(style))
        if key in out:
            out[key] += n
    return out


def topic_coverage(pool: RecipeStore) -> dict[int, dict[Combo, int]]:
    """Per topic id: accepted + proposed texts per (audience, style) (only non-zero)."""
    out: dict[int, dict[Combo, int]] = {}
    for (topic_id, audience, style), n in pool.textbook_coverage().items():
        if topic_id is None:
            continue
        per = out.setdefault(topic_id, {})
        combo = (str(audience), str(style))
        per[combo] = per.get(combo, 0) + n
    return out


def _counts_key(cand: Candidate) -> tuple[int, str, str] | None:
    m = cand.meta
    if cand.recipe != NAME or m.get("topic_id") is None:
        return None
    return int(m["topic_id"]), str(m.get("audience", "")), str(m.get("style", ""))


def _dup_key(cand_id: int) -> str:
    return f"cand:{cand_id}"


class Textbook:
    name = NAME

    def __init__(self) -> None:
        self.topics: list[Topic] = []
        self.counts: Counter[tuple[int, str, str]] = Counter()
        #: texts being written by steps in flight (parallel steps pick other combinations)
        self.writing: Counter[tuple[int, str, str]] = Counter()
        self.index = MinHashIndex()
        #: the engine's thread, the studio's pool thread and prepare() all reach the state
        self.guard = StateGuard()
        #: candidate ids counted in ``counts`` (so a replayed change counts once)
        self._counted: set[int] = set()

    # -- pool state -------------------------------------------------------------------

    def prepare(self, ctx: Context) -> None:
        cfg = textbook_settings(ctx.settings)
        with self.guard.rebuilding():
            topics = [t for t in ctx.pool.topics() if t.topic.strip()]
            if not topics:
                raise InputError("the pool has no topics for the textbook recipe",
                                 hint="Import some with `synthstudio topics import FILE`.")
            counts: Counter[tuple[int, str, str]] = Counter()
            for (topic_id, audience, style), n in ctx.pool.textbook_coverage().items():
                if topic_id is not None:
                    counts[(topic_id, str(audience), str(style))] += n
            index = MinHashIndex(cfg.near_dup_threshold, cfg.num_perm)
            ids: set[int] = set()
            for cid, text in ctx.pool.textbook_texts():
                index.add(_dup_key(cid), text)
                ids.add(cid)

            def swap() -> None:
                self.topics, self.counts, self.index, self._counted = topics, counts, index, ids

            self.guard.hand_over(swap)

    def on_stored(self, cand: Candidate) -> None:
        if cand.id is not None and cand.recipe == NAME:
            self.guard.apply(self._changed, cand.id, cand.status, cand.text,
                             _counts_key(cand))

    def on_status_changed(self, cand: Candidate, old_status: str) -> None:
        if cand.id is not None and cand.recipe == NAME:
            self.guard.apply(self._changed, cand.id, cand.status, cand.text,
                             _counts_key(cand))

    def _changed(self, cand_id: int, status: str, text: str,
                 key: tuple[int, str, str] | None) -> None:
        """``cand_id`` now has ``status`` (idempotent: replayed after a rebuild)."""
        live = status != REJECTED
        if live:  # (re)index: the text may have been edited
            self.index.add(_dup_key(cand_id), text)
        elif _dup_key(cand_id) in self.index:
            self.index.remove(_dup_key(cand_id))
        if key is not None and live != (cand_id in self._counted):
            self.counts[key] = max(0, self.counts[key] + (1 if live else -1))
            (self._counted.add if live else self._counted.discard)(cand_id)

    def state(self) -> dict[str, Any]:
        return {}

    def restore(self, state: dict[str, Any]) -> None:
        return None

    # -- choosing what to write -------------------------------------------------------

    def combo_counts(self, cfg: TextbookSettings) -> dict[Combo, int]:
        out: dict[Combo, int] = {(a, s): 0 for a in cfg.audiences for s in cfg.styles}
        for (_, a, s), n in self._counted_now().items():
            if (a, s) in out:
                out[(a, s)] += n
        return out

    def choose(self, ctx: Context, cfg: TextbookSettings) -> tuple[Topic, str, str]:
        """The least-covered (audience, style), then its least-covered topic."""
        combos = self.combo_counts(cfg)
        low = min(combos.values())
        audience, style = ctx.rng.choice(sorted(c for c, n in combos.items() if n == low))
        return self.choose_topic(ctx, [(audience, style)]), audience, style

    def choose_topic(self, ctx: Context, combos: list[Combo]) -> Topic:
        """Fewest texts for ``combos``, then fewest texts overall, then at random."""
        counts = self._counted_now()
        totals: Counter[int] = Counter()
        for (t, _, _), n in counts.items():
            totals[t] += n

        def key(t: Topic) -> tuple[int, int]:
            tid = int(t.id or 0)
            return sum(counts[(tid, a, s)] for a, s in combos), totals[tid]

        best = min(key(t) for t in self.topics)
        return ctx.rng.choice([t for t in self.topics if key(t) == best])

    # -- one step ---------------------------------------------------------------------

    async def step(self, ctx: Context) -> list[Candidate]:
        cfg = textbook_settings(ctx.settings)
        if cfg.mode == "all_audiences":
            style = self._least_covered_style(ctx, cfg)
            topic = self.choose_topic(ctx, [(a, style) for a in cfg.audiences])
            keys = [(int(topic.id or 0), a, style) for a in cfg.audiences]
            with self._writing(keys):
                return await self.same_topic_all_audiences(ctx, topic, style, cfg.audiences)
        topic, audience, style = self.choose(ctx, cfg)
        with self._writing([(int(topic.id or 0), audience, style)]):
            cand = await self.write(ctx, topic, audience, style)
        return [cand] if cand is not None else []

    @contextlib.contextmanager
    def _writing(self, keys: Sequence[tuple[int, str, str]]) -> Iterator[None]:
        """Count texts being written by steps in flight, so parallel steps spread out."""
        self.writing.update(keys)
        try:
            yield
        finally:
            self.writing.subtract(keys)

    def _counted_now(self) -> Counter[tuple[int, str, str]]:
        """Texts stored plus texts being written, per (topic, audience, style) (a copy:
        the pool thread changes ``counts`` under the guard's lock)."""
        with self.guard.lock:
            counts = Counter(self.counts)
        return counts + self.writing if self.writing.total() else counts

    def _least_covered_style(self, ctx: Context, cfg: TextbookSettings) -> str:
        combos = self.combo_counts(cfg)
        per_style = {s: sum(combos[(a, s)] for a in cfg.audiences) for s in cfg.styles}
        low = min(per_style.values())
        return str(ctx.rng.choice(sorted(s for s, n in per_style.items() if n == low)))

    async def same_topic_all_audiences(self, ctx: Context, topic: Topic, style: str,
                                       audiences: Sequence[str] = AUDIENCES,
                                       ) -> list[Candidate]:
        """One topic in one style for each audience (in the order given)."""
        out: list[Candidate] = []
        for audience in audiences:
            cand = await self.write(ctx, topic, audience, style)
            if cand is None:
                break
            out.append(cand)
            if cand.status != REJECTED:  # the next audiences are compared with it too
                self.guard.apply(self._pend, f"pending:{id(cand)}", cand.text)
        for cand in out:
            self.guard.apply(self._unpend, f"pending:{id(cand)}")
        return out

    def _pend(self, key: str, text: str) -> None:
        self.index.add(key, text)

    def _unpend(self, key: str) -> None:
        if key in self.index:
            self.index.remove(key)

    async def write(self, ctx: Context, topic: Topic, audience: str,
                    style: str) -> Candidate | None:
        """Ask for one text and check it; None when the request was cancelled."""
        cfg = textbook_settings(ctx.settings)
        prompt = render_prompt(topic.topic, topic.extract, audience, style)
        options = ctx.options(num_predict=cfg.max_tokens, temperature=cfg.temperature)
        task = f"{topic.topic}\n{topic.field}"
        comp, record = await ctx.ask(f"textbook:{audience}:{style}", prompt, options,
                                     watch=self.watch(cfg, task))
        if comp.cancelled:
            return None
        text = comp.content.strip()
        label = f"{topic.topic} — {AUDIENCE_LABELS[audience]} — {STYLE_LABELS[style]}"
        cand = Candidate(
            recipe=NAME, instruction=label, text=text,
            meta={"topic": topic.topic, "audience": audience, "style": style,
                  "topic_id": int(topic.id or 0), "field": topic.field},
            prompt=record.prompt, raw_output=comp.content,
            provenance={"recipe": NAME, "backend": ctx.backend.name,
                        "model": ctx.backend.model, "options": options.as_dict(),
                        "template": template_name(audience, style),
                        "requests": [record.as_dict()]},
        )
        cand.scores = self.filters(text, style, cfg, task=task)
        if comp.truncated and cfg.reject_truncated:
            cand.scores.append(FilterResult("complete", False, "length", "stop",
                                            "cut at the token limit"))
        failed = cand.failed_filters
        stopped = comp.final.done_reason if comp.final else ""
        if stopped.startswith("stopped:"):  # a loop caught mid-stream: that is the reason
            why = "stopped mid-stream: " + stopped.removeprefix("stopped:")
            rep = next((r for r in cand.scores if r.name == "repetition"), None)
            if rep is None:
                cand.scores.append(FilterResult("repetition", False, detail=why))
            else:
                rep.passed, rep.detail = False, why
            failed = ["repetition"]
        if failed:
            cand.status, cand.reason = REJECTED, f"filter:{failed[0]}"
        return cand

    @staticmethod
    def watch(cfg: TextbookSettings, task: str = "") -> Callable[[str], str] | None:
        """Stops a reply as soon as the repetition filter is certain to reject it (never
        when the topic asks for repetition: the filter passes it then)."""
        if "repetition" in cfg.noise_disable or asks_for(task, "repetition"):
            return None
        threshold = cfg.noise_thresholds.get("repetition")
        return lambda text: repetition_doomed(text, cfg.max_tokens, threshold)

    def filters(self, text: str, style: str, cfg: TextbookSettings,
                task: str = "") -> list[FilterResult]:
        """Every check on one text; ``task`` (the topic) lets the noise filters pass what
        it asks for, such as HTML in a chapter on web pages."""
        results = text_filters(text, style, cfg.lengths())
        with self.guard.lock:
            match = self.index.query(text)
        results.append(near_dup_filter(match, cfg.near_dup_threshold))
        results.extend(run_noise_filters(text, dict(cfg.noise_thresholds.items()),
                                         disable=cfg.noise_disable, task=task))
        return results

"""The data report: what the pool holds, how it grew, and how diverse it is.

:func:`build_report` reads one snapshot of the pool: counts by status, recipe, rejection
reason and day come from SQL aggregates, the ROUGE-L histogram from the ``rouge_l``
scores (aggregated in SQL too), and length histograms and the verb-object view from one
streaming pass. :func:`render_html` turns it into one self-contained page.

The verb-object view follows the Self-Instruct paper's figure: for each self-instruct
instruction, the first verb-like word of its first clause (after lead words such as
"please", "can you", "I want you to"; a word is verb-like if it is in :data:`VERBS` or ends
in -ize/-ise/-ify/-ate) and the head noun of the noun phrase after it (skipping a
particle such as "up with", then determiners, numbers, pronouns and common adjectives;
the head is the last noun-like word before a preposition, conjunction or punctuation,
made singular by simple rules). Instructions that start otherwise (questions, Chinese
text) are left out of that view only.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from synthstudio.records import STATUSES
from synthstudio.store import Pool
from synthstudio.store.report_query import ReportSnapshot, snapshot

LENGTH_EDGES = (0, 5, 10, 20, 30, 50, 75, 100, 150, 200, 300, 500, 1000, 2000)
ROUGE_BINS = 10

# -- words and the verb-object heuristic ---------------------------------------------------
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_WORD = re.compile(rf"[{_CJK}]|[^\s{_CJK}\u3000-\u303f\uff00-\uffef]+")


def word_count(text: str) -> int:
    """Words split on whitespace; each CJK character counts as one word (CJK punctuation
    as none)."""
    if not text:
        return 0
    if text.isascii():
        return len(text.split())
    return len(_WORD.findall(text))


VERBS = frozenset("""
add analyze answer arrange ask assess build calculate categorize change check choose
classify come compare compile complete compose compute construct convert correct count
create debug decide define describe design detect determine develop devise draft draw
edit estimate evaluate explain express extract fill find fix format generate give group
guess help identify illustrate imagine implement improve infer invent label list make
match name offer outline paraphrase pick plan predict prepare produce proofread propose
provide rank rate read recommend reorder rephrase replace respond reverse review rewrite
act argue brainstorm discuss elaborate pretend recite
say score select share show shorten simplify solve sort spell state suggest summarize
take teach tell test think transform translate turn use verify write""".split())
_LEAD = frozenset("please kindly can could would will you i i'd i'm we want need like to let's "
                  "lets let me us now just also hey hi ok okay so then".split())
_PARTICLES = frozenset("up out down off over back with as".split())
_SKIP = frozenset("""a an the this that these those some any each every all another other
my your our their its his her me us him them it one two three four five six seven eight
nine ten few several many more most following given same short brief simple new good
great interesting creative funny detailed""".split())
_STOP = frozenset("""about of for to in on with from by at into using based that which who
where when and or but so if as than like between without within while whether what how
why is are be""".split())
_TOKEN = re.compile(r"[a-z][a-z'-]*")
_CLAUSE = re.compile(r"[.,:;?!\n(]")


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def _verb_like(word: str) -> bool:
    return word in VERBS or (len(word) > 5 and word.endswith(("ize", "ise", "ify", "ate")))


def verb_object(instruction: str) -> tuple[str, str] | None:
    """``(verb, object noun)`` of an imperative instruction (object may be ``""``)."""
    clause = _CLAUSE.split(instruction.strip().lower(), 1)[0]
    words = _TOKEN.findall(clause)
    i = 0
    while i < len(words):
        if words[i] in _LEAD:
            i += 1
        elif words[i] == "help" and i + 1 < len(words) and words[i + 1] in ("me", "us"):
            i += 2
        else:
            break
    if i >= len(words) or not _verb_like(words[i]):
        return None
    verb, i = words[i], i + 1
    while i < len(words) and (words[i] in _PARTICLES or words[i] in _SKIP):
        i += 1
    head = ""
    for w in words[i:i + 3]:
        if w in _STOP or w in _SKIP:
            break
        head = w
    return verb, _singular(head) if head else ""


# -- the report data -----------------------------------------------------------------------

@dataclass(slots=True)
class Histogram:
    title: str
    labels: list[str]
    #: series name (a status, or "items") -> one count per label
    series: dict[str, list[int]]

    @property
    def total(self) -> int:
        return sum(sum(v) for v in self.series.values())


@dataclass(slots=True)
class ReportData:
    recipe: str | None
    total: int
    by_status: dict[str, int]
    #: recipe -> status -> count
    by_recipe: dict[str, dict[str, int]]
    reasons: list[tuple[str, int]]
    #: day (YYYY-MM-DD, UTC) -> status -> count
    by_day: list[tuple[str, dict[str, int]]]
    rouge: Histogram
    instruction_words: Histogram
    output_words: Histogram
    #: (verb, count, [(object, count), ...]) most common first
    verbs: list[tuple[str, int, list[tuple[str, int]]]] = field(default_factory=list)
    verb_coverage: float = 0.0
    #: judge scores in half points, then the unscored replies (empty when none)
    judge: Histogram = field(default_factory=lambda: Histogram("Judge scores", [], {}))


def judge_histogram(pool: Pool, recipe: str | None, status: str | None) -> Histogram:
    """Items by judge score (0, 0.5 ... 5) and the unscored ones, as one histogram."""
    bins, unscored = pool.score_histogram(status=status, recipe=recipe)
    labels = [f"{k:g}" for k in bins] + ["unscored"]
    return Histogram("Judge scores (0-5)", labels, {"items": [*bins.values(), unscored]})


def _length_labels() -> list[str]:
    edges = LENGTH_EDGES
    return [f"{a}-{b - 1}" for a, b in zip(edges, edges[1:], strict=False)] + [f"{edges[-1]}+"]


def build_report(pool: Pool, recipe: str | None = None, *, status: str | None = None,
                 top_verbs: int = 20, top_objects: int = 4) -> ReportData:
    """Everything the report shows. Counts cover every item (of ``recipe``); the
    histograms and the verb view cover items of ``status`` (all when ``None``), and the
    ROUGE-L histogram is split by status."""
    with snapshot(pool) as snap:
        by_recipe: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
        for rec, st, n in snap.counts(recipe):
            by_recipe[rec][st] = n
        by_status = dict.fromkeys(STATUSES, 0)
        for counts in by_recipe.values():
            for st, n in counts.items():
                by_status[st] = by_status.get(st, 0) + n
        reasons = snap.rejection_reasons(recipe)
        days: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
        for day, st, n in snap.by_day(recipe):
            days[day or "?"][st] = n
        rouge = _rouge(snap, recipe)
        inst_h, out_h, verbs, coverage = _stream(snap, recipe, status, top_verbs,
                                                 top_objects)
    return ReportData(
        recipe=recipe, total=sum(by_status.values()), by_status=by_status,
        by_recipe=dict(sorted(by_recipe.items())), reasons=reasons,
        by_day=sorted(days.items()), rouge=rouge, instruction_words=inst_h,
        output_words=out_h, verbs=verbs, verb_coverage=coverage,
        judge=judge_histogram(pool, recipe, status))


def _rouge(snap: ReportSnapshot, recipe: str | None) -> Histogram:
    series = {st: [0] * ROUGE_BINS for st in STATUSES}
    for st, b, n in snap.score_bins(recipe, "rouge_l", ROUGE_BINS):
        series.setdefault(st, [0] * ROUGE_BINS)[b] += n
    labels = [f"{i / ROUGE_BINS:.1f}" for i in range(ROUGE_BINS)]
    return Histogram("ROUGE-L to the nearest pool instruction", labels, series)


def _stream(snap: ReportSnapshot, recipe: str | None, status: str | None,
            top_verbs: int, top_objects: int) -> tuple[Histogram, Histogram,
                                       list[tuple[str, int, list[tuple[str, int]]]], float]:
    labels = _length_labels()
    inst, out = [0] * len(labels), [0] * len(labels)
    bin_of = bisect.bisect_right
    edges = LENGTH_EDGES
    verbs: Counter[str] = Counter()
    objects: dict[str, Counter[str]] = defaultdict(Counter)
    si = si_parsed = 0
    for rows in snap.texts(recipe, status):
        for rec, instruction, output in rows:
            inst[bin_of(edges, word_count(instruction or "")) - 1] += 1
            if output is not None:
                out[bin_of(edges, word_count(output)) - 1] += 1
            if rec == "self-instruct":
                si += 1
                vo = verb_object(instruction or "")
                if vo:
                    si_parsed += 1
                    verbs[vo[0]] += 1
                    if vo[1]:
                        objects[vo[0]][vo[1]] += 1
    for outputs in snap.instance_outputs(recipe, status):
        for (output,) in outputs:
            out[bin_of(edges, word_count(output or "")) - 1] += 1
    top = [(v, n, objects[v].most_common(top_objects)) for v, n in verbs.most_common(top_verbs)]
    return (Histogram("Instruction length (words)", labels, {"items": inst}),
            Histogram("Output length (words)", labels, {"outputs": out}),
            top, si_parsed / si if si else 0.0)

"""Plain records that move between the store, the recipes, the exporters and the UI."""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypedDict


class ItemStatus(StrEnum):
    """Where a candidate stands: made and waiting, kept for training, or turned down."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class RunStatus(StrEnum):
    """How a run stands or ended (``runs.status``; a run summary may also say failed)."""

    RUNNING = "running"
    STOPPED = "stopped"
    FINISHED = "finished"
    #: gave up: too many steps for the items wanted
    EXHAUSTED = "exhausted"
    FAILED = "failed"


PROPOSED = ItemStatus.PROPOSED
ACCEPTED = ItemStatus.ACCEPTED
REJECTED = ItemStatus.REJECTED
STATUSES: tuple[str, ...] = tuple(ItemStatus)
#: runs that did not reach their target and can be resumed
UNFINISHED_RUNS: tuple[RunStatus, ...] = (RunStatus.RUNNING, RunStatus.STOPPED)


@dataclass(slots=True)
class Instance:
    input: str = ""
    output: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"input": self.input, "output": self.output}


@dataclass(slots=True)
class SeedTask:
    """A human-written task in the Self-Instruct seed schema."""

    instruction: str
    instances: list[Instance] = field(default_factory=list)
    is_classification: bool = False
    name: str = ""
    key: str = ""  # the file's "id", e.g. "seed_task_0"
    id: int | None = None  # row id in the pool

    def as_seed_dict(self) -> dict[str, Any]:
        """The Self-Instruct seed schema, in its field order."""
        return {
            "id": self.key,
            "name": self.name,
            "instruction": self.instruction,
            "instances": [i.as_dict() for i in self.instances],
            "is_classification": self.is_classification,
        }


@dataclass(slots=True)
class FilterResult:
    """One filter's verdict on one candidate: what the Scores pane shows in a row."""

    name: str
    passed: bool
    value: float | str | None = None
    threshold: float | str | None = None
    detail: str = ""
    #: extra data, e.g. ``{"nearest": [[text, score], ...]}`` for ROUGE-L
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        # spelled out: dataclasses.asdict deep-copies field by field, a third of the
        # time of importing a dataset
        return {"name": self.name, "passed": self.passed, "value": self.value,
                "threshold": self.threshold, "detail": self.detail,
                "extra": deepcopy(self.extra) if self.extra else {}}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FilterResult:
        return cls(
            name=str(d.get("name", "")),
            passed=bool(d.get("passed", False)),
            value=d.get("value"),
            threshold=d.get("threshold"),
            detail=str(d.get("detail", "")),
            extra=dict(d.get("extra") or {}),
        )


def first_failure(results: list[FilterResult]) -> FilterResult | None:
    for r in results:
        if not r.passed:
            return r
    return None


class CandidateMeta(TypedDict, total=False):
    """What a candidate's ``meta`` holds besides its text: a JSON object in the pool,
    each key set by one recipe (or by curation or an import); the exports read the
    topic, audience, style and name from it.

    Every key may be missing. A pool written by an older version may hold keys not
    listed here: the store reads the whole object back, so they are kept and written
    again unchanged.
    """

    # -- the textbook recipe
    topic: str
    audience: str
    style: str
    #: the topic's row id in the pool (the audiences view and the coverage counts)
    topic_id: int
    #: the topic's field of study
    field: str
    # -- the reasoning recipe
    #: the problem's reference answer
    reference: str
    #: the problem's row id in the pool (how often each problem was sampled)
    problem_id: int
    problem_key: str
    #: how the reference is compared (the problem's ``kind``)
    kind: str
    #: which sample of its problem this is, counting from 0 over the pool
    sample: int
    #: whether the final answer matched the reference
    correct: bool
    # -- an import into the Self-Instruct recipe
    #: the file format the item came in (alpaca, sharegpt, ...)
    imported: str
    #: the record's system prompt
    system: str
    #: the record's task name (the Self-Instruct export's ``name``)
    name: str
    # -- curation, any recipe
    #: a person changed the item in the studio
    edited: bool


class SamplingOptions(TypedDict, total=False):
    """The sampling options a request was sent with, as stored in provenance: only
    those set (:meth:`synthstudio.backends.base.GenOptions.as_dict`)."""

    temperature: float
    top_p: float
    seed: int
    #: token limit of the reply
    num_predict: int
    num_ctx: int
    stop: list[str]


class RequestStats(TypedDict, total=False):
    """What the server said of a finished request (the stream's last chunk,
    :meth:`synthstudio.backends.base.Final.as_dict`); empty when that never came."""

    done_reason: str
    prompt_tokens: int | None
    eval_tokens: int | None
    eval_duration_s: float | None
    total_duration_s: float | None
    load_duration_s: float | None
    model: str
    tokens_per_second: float | None


class RequestProvenance(TypedDict, total=False):
    """One request behind a candidate, as ``RequestRecord.as_dict`` in
    :mod:`synthstudio.recipes.context` writes it (always every key; older pools may
    lack some, so readers use ``get``)."""

    #: what the request was for, e.g. ``instructions``, ``classify``, ``sample 1/4: ...``
    step: str
    #: the messages sent (``role``, ``content``)
    prompt: list[dict[str, str]]
    raw: str
    thinking: str
    options: SamplingOptions
    stats: RequestStats
    elapsed_s: float
    first_token_s: float | None
    cancelled: bool
    attempts: int


class SampledTasks(TypedDict):
    """The tasks a Self-Instruct prompt showed: seed row ids and accepted item ids."""

    human: list[int]
    machine: list[int]


class ImportSource(TypedDict, total=False):
    """Where an imported item was read: its file and its place in it."""

    file: str
    #: 1-based line where the record starts
    line: int
    #: 0-based position among the file's records
    index: int
    #: the file format the record was read as
    format: str


class Provenance(TypedDict, total=False):
    """What produced a candidate: a JSON object beside it in the pool
    (``candidate_provenance``), each key set by the code named in its comment.

    Every key may be missing. A pool written by an older version may hold keys not
    listed here: the store reads the whole object back, so they are kept.
    """

    #: the recipe that made the item (recipes; imports leave it out)
    recipe: str
    #: the server, or ``import`` for an imported item (recipes, import)
    backend: str
    #: the model ("" for an imported item) (recipes, import)
    model: str
    #: the main request's sampling options (recipes)
    options: SamplingOptions
    #: every request of the item, in order (recipes)
    requests: list[RequestProvenance]
    #: the prompt template's name (textbook)
    template: str
    #: whether thinking was asked for, None for the server's default (reasoning)
    think: bool | None
    #: the tasks shown in the prompt (Self-Instruct)
    sampled: SampledTasks
    #: the run that stored the item (the engine)
    run_id: int
    #: the file and record it came from (import)
    source: ImportSource
    #: the record as decoded from the file, any JSON (import)
    original: object


@dataclass(slots=True)
class Candidate:
    """One generated item, whatever the recipe.

    Self-Instruct fills ``instruction``, ``is_classification`` and ``instances``;
    the textbook recipe fills ``text`` and ``meta`` (topic, audience, style);
    the reasoning recipe fills ``instruction`` (the problem), ``thinking``, ``answer``
    and ``meta["reference"]``.
    """

    recipe: str
    instruction: str = ""
    instances: list[Instance] = field(default_factory=list)
    is_classification: bool | None = None
    text: str = ""
    thinking: str = ""
    answer: str = ""
    meta: CandidateMeta = field(default_factory=CandidateMeta)
    status: ItemStatus = PROPOSED
    reason: str = ""
    scores: list[FilterResult] = field(default_factory=list)
    #: the exact prompt of the main request (messages as dicts)
    prompt: list[dict[str, str]] = field(default_factory=list)
    raw_output: str = ""
    #: model, backend, options, every request with its stats and timings
    #: (:class:`Provenance`)
    provenance: Provenance = field(default_factory=Provenance)
    run_id: int | None = None
    id: int | None = None
    created_at: str = ""
    decided_at: str = ""

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.scores)

    @property
    def failed_filters(self) -> list[str]:
        return [r.name for r in self.scores if not r.passed]

    @property
    def title(self) -> str:
        """A one-line label for lists."""
        if self.instruction:
            return self.instruction
        topic = self.meta.get("topic", "")
        return f"{topic} ({self.meta.get('audience', '')}, {self.meta.get('style', '')})"


@dataclass(slots=True)
class JudgeScore:
    """A judge's rating of one pool item, with everything needed to trust or redo it.

    ``score`` is None when the reply did not parse (``unscored``); ``raw`` keeps the
    reply either way. ``rubric_version`` is a hash of the rubric template's text.
    """

    candidate_id: int
    score: float | None
    reason: str = ""
    raw: str = ""
    model: str = ""
    backend: str = ""
    rubric_version: str = ""
    #: sampling options, whether the reply was constrained, the request's stats
    options: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""
    elapsed_s: float = 0.0

    @property
    def scored(self) -> bool:
        return self.score is not None

    def passes(self, threshold: float) -> bool:
        return self.score is not None and self.score >= threshold

    def as_filter(self, threshold: float) -> FilterResult:
        """The ``judge`` row of the Scores pane."""
        return FilterResult(name="judge", passed=self.passes(threshold),
                            value=self.score if self.score is not None else "unscored",
                            threshold=threshold, detail=self.reason,
                            extra={"model": self.model, "backend": self.backend})


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How a run sampled (``runs.options``); None where a run did not record it."""

    temperature: float | None = None
    top_p: float | None = None
    seed: int | None = None
    #: requests in flight
    concurrency: int | None = None


@dataclass(frozen=True, slots=True)
class RunCounts:
    """How far a run got when its state was last saved (``runs.counts``)."""

    #: items that passed the filters (proposed or accepted)
    produced: int = 0
    accepted: int = 0
    rejected: int = 0


@dataclass(frozen=True, slots=True)
class EngineState:
    """The engine's part of a run's saved state: its random generator and its steps."""

    #: ``random.Random.getstate()``; None before the first save
    rng: tuple[Any, ...] | None = None
    steps: int = 0


@dataclass(slots=True)
class Run:
    """One generation run: what was asked, how far it got, and its state for resume."""

    id: int
    recipe: str
    backend: str = ""
    model: str = ""
    options: RunOptions = field(default_factory=RunOptions)
    #: the whole settings of the run as JSON data: a snapshot from the version that
    #: started it, kept as written. Free-form on purpose: an older version's snapshot
    #: may lack today's settings or hold ones since renamed or dropped, so a typed
    #: record would fail on it or lose keys; it is a record of the run, never read
    #: back as settings
    settings: dict[str, Any] = field(default_factory=dict)
    #: the recipe's own state, for resume. Free-form on purpose: each recipe decides
    #: its shape (``Recipe.state``) and reads it back itself (``Recipe.restore``), so
    #: the run cannot name its keys, and a new recipe needs no change here
    state: dict[str, Any] = field(default_factory=dict)
    engine: EngineState = field(default_factory=EngineState)
    counts: RunCounts = field(default_factory=RunCounts)
    target: int = 0
    status: RunStatus = RunStatus.RUNNING
    started_at: str = ""
    updated_at: str = ""
    ended_at: str = ""
    pid: int | None = None


@dataclass(frozen=True, slots=True)
class PoolStats:
    """What ``pool stats`` shows of a pool (its ``--json`` keys, in this order)."""

    db: str
    seeds: int
    #: candidates by status, every status listed
    counts: dict[str, int]
    #: recipe -> status -> candidates, every status listed for each recipe present
    by_recipe: dict[str, dict[str, int]]
    #: why candidates were rejected -> how many, the most frequent first
    rejected_by_reason: dict[str, int]
    #: instances of accepted Self-Instruct tasks
    accepted_instances: int
    runs: int


@dataclass(frozen=True, slots=True)
class Topic:
    """A textbook topic: what to write about, with an optional source extract."""

    topic: str
    field: str = ""
    extract: str = ""
    source: str = "user"
    id: int | None = None
    created_at: str = ""


@dataclass(frozen=True, slots=True)
class Problem:
    """A reasoning problem with its reference answer."""

    problem: str
    answer: str = ""
    key: str = ""
    kind: str = ""
    source: str = "user"
    id: int | None = None
    created_at: str = ""


@dataclass(slots=True)
class TextbookText:
    """One stored textbook text of a topic and style (the audiences view)."""

    id: int
    status: ItemStatus
    audience: str
    text: str

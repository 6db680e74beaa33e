"""Helpers for the reliability tests: an endless Self-Instruct model, a ``generate``
subprocess that can be killed, and a checker for what a pool must hold afterwards.

``SelfInstructStandin`` is an :class:`~tests.standins.OllamaStandin` that answers the three
Self-Instruct prompts (instructions, classify, instances) plausibly and forever: every
instruction is built from word lists and a counter, so ROUGE-L keeps accepting them, and
every chunk comes after a small random delay, so a kill lands mid-stream or mid-write.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.standins import NDJSON, SSE, OllamaStandin, OpenAIStandin, Reply

ROOT = Path(__file__).resolve().parents[1]
MODEL = "standin:1b"
ACCEPTED_LINE = re.compile(rb"^(accepted|proposed) #(\d+): ")

VERBS = ["Explain", "Describe", "Suggest", "Summarize", "Compare", "Outline", "Recommend",
         "Classify", "Rewrite", "Translate", "Name", "Invent", "Estimate", "Justify",
         "Critique", "Plan", "Predict", "Rank", "Define", "Argue"]
WORDS = """harbour lantern quartz meadow violin glacier pepper saddle orbit ledger canyon mosaic
thimble falcon pottery monsoon biscuit compass tundra walrus velvet quarry beacon sonnet
rooftop orchard magnet pebble kettle tapestry volcano pelican marble ribbon anchor blossom
cactus dynamo ember fjord gazebo hammock igloo jasmine kayak lagoon mantis nectar oyster
parsley quiver raven sapphire tortoise umbrella vortex wagon yarn zephyr almond bramble
cobalt dune elm fern granite hazel iris juniper kelp lilac moss nutmeg olive prairie quince
reef sorrel thistle usher valley willow yonder acorn badger cedar dolphin eagle ferret
gopher heron ibis jackal koala lemur marten newt ocelot puffin quail robin salmon toucan
urchin vulture weasel yak zebra atlas bakery clinic depot embassy factory garage hostel
island jetty kiosk library museum nursery office palace quay ranch school tavern vineyard
warehouse zoo budget contract deadline estimate forecast grant invoice journal mortgage
notice outline payroll quota receipt schedule tariff voucher warranty""".split()
LABELS = [["positive", "negative"], ["spam", "not spam"], ["formal", "informal"],
          ["fact", "opinion"], ["urgent", "routine", "optional"]]


def instruction_text(n: int) -> str:
    """The ``n``-th invented task: a verb and six words drawn by ``n`` (ROUGE-L stays low)."""
    rng = random.Random(n)
    words = rng.sample(WORDS, 6)
    return (f"{rng.choice(VERBS)} the {words[0]} {words[1]} of a {words[2]} near the "
            f"{words[3]}, {words[4]} and {words[5]} (case {n}).")


def sentence(rng: random.Random, k: int = 8) -> str:
    return " ".join(rng.sample(WORDS, k)).capitalize() + "."


class SelfInstructStandin(OllamaStandin):
    """Ollama stand-in answering Self-Instruct prompts endlessly (see the module doc).

    ``chunk_delay`` is the upper bound of the random pause before each NDJSON line;
    ``rejects`` mixes in repeated and too-short instructions (filtered out);
    ``decorate(step, text)`` may rewrite each reply (e.g. to inject escape sequences);
    ``inject(step, reply...)`` answers the next requests of one step with faults, and
    ``queue_*`` (from the base class) answers the next requests of any step;
    ``chat_count`` counts the chat requests.
    """

    def __init__(self, *, chunk_delay: float = 0.01, seed: int = 0,
                 per_reply: tuple[int, int] = (1, 2), rejects: bool = True,
                 decorate: Callable[[str, str], str] | None = None,
                 model: str = MODEL) -> None:
        super().__init__()
        self.server.handle_error = lambda *a: None  # type: ignore[method-assign]
        self.model = model
        self.add_model(model)
        self.rejects, self.per_reply, self.decorate = rejects, per_reply, decorate
        self.chunk_delay = chunk_delay
        self.faults: dict[str, list[Reply]] = {}
        self.rng = random.Random(seed)
        self.counter = self.chat_count = 0

    @staticmethod
    def step_of(prompt: str) -> str:
        if "Is it classification?" in prompt:
            return "classify"
        if "Class label: ..." in prompt or "Input: ..." in prompt:
            return "instances"
        return "instructions"

    def inject(self, step: str, *replies: Reply) -> None:
        """Answer the next requests of ``step`` with ``replies`` (faults), in order."""
        with self.lock:
            self.faults.setdefault(step, []).extend(replies)

    def fault(self, kind: str, *args: Any, **kw: Any) -> Reply:
        """The reply ``queue_<kind>(*args, **kw)`` would queue, for :meth:`inject`."""
        getattr(self, "queue_" + kind)(*args, **kw)
        with self.lock:
            return self.queue.pop()

    def reply_text(self, step: str, prompt: str) -> str:
        """A plausible reply to one Self-Instruct prompt of ``step``."""
        with self.lock:
            rng = random.Random(self.rng.random())
            if step == "classify":
                task = prompt.rsplit("Task:", 1)[-1]
                return "Yes" if "Classify" in task or "Rank" in task else "No"
            if step == "instances" and "Class label: ..." in prompt:
                labels = rng.choice(LABELS)
                return "\n\n".join(f"Example {i}\nClass label: {lab}\nInput: {sentence(rng)}"
                                    for i, lab in enumerate(labels, 1))
            if step == "instances":
                return "\n\n".join(
                    f"Example {i}\nInput: {sentence(rng, 5) if i % 2 else '<noinput>'}\n"
                    f"Output: {sentence(rng, 12)}" for i in range(1, rng.randint(2, 4)))
            items = []
            for _ in range(rng.randint(*self.per_reply)):
                self.counter += 1
                # now and then a repeat (rejected by ROUGE-L) or a too-short one
                roll = rng.random() if self.rejects else 1.0
                if roll < 0.08 and self.counter > 2:
                    items.append(instruction_text(self.counter - 1))
                elif roll < 0.12:
                    items.append("Do it now.")
                else:
                    items.append(instruction_text(self.counter))
            return " " + items[0] + "".join(
                f"\n{i}. {t}" for i, t in enumerate(items[1:], 10)) + "\n"

    def route(self, method: str, path: str, body: Any, headers: dict[str, str]) -> Reply:
        if path != "/api/chat" or not isinstance(body, dict) or body.get("model") != self.model:
            return super().route(method, path, body, headers)
        prompt = str(body["messages"][-1]["content"])
        step = self.step_of(prompt)
        with self.lock:
            self.chat_count += 1
            pending = self.faults.get(step) or self.queue
            queued = pending.pop(0) if pending else None
        if queued is not None:
            return queued
        text = self.reply_text(step, prompt)
        if self.decorate is not None:
            text = self.decorate(step, text)
        parts: list[bytes | float] = []
        for line in self.chat_lines(text, chunk=8, model=self.model):
            if self.chunk_delay:
                parts.append(self.rng.random() * self.chunk_delay)
            parts.append(line)
        return Reply(content_type=NDJSON, parts=parts)


class SelfInstructOpenAI(OpenAIStandin):
    """The same endless Self-Instruct model behind an OpenAI-compatible ``/v1`` API, as a
    GPU server: every request is answered in its own thread, so many run at once, each
    chunk after ``chunk_delay`` seconds (fixed, so a run's time is predictable).

    ``busy(n)`` answers the next ``n`` chat requests with HTTP 503 (an overloaded server);
    ``hold`` (an Event) keeps every reply waiting before its first chunk while it is clear;
    ``prompts`` lists the instruction prompts in arrival order.
    """

    reply_text = SelfInstructStandin.reply_text
    step_of = staticmethod(SelfInstructStandin.step_of)

    def __init__(self, *, chunk_delay: float = 0.005, seed: int = 0,
                 per_reply: tuple[int, int] = (1, 2), rejects: bool = False,
                 chunk: int = 8,
                 replies: Callable[[str, str], str | None] | None = None) -> None:
        super().__init__(models=(MODEL,))
        self.server.handle_error = lambda *a: None  # type: ignore[method-assign]
        self.chunk_delay, self.per_reply, self.rejects, self.chunk = (
            chunk_delay, per_reply, rejects, chunk)
        self.replies = replies
        self.rng = random.Random(seed)
        self.counter = self.chat_count = self.busy_left = 0
        self.hold = threading.Event()
        self.hold.set()
        self.prompts: list[str] = []

    def busy(self, n: int) -> None:
        with self.lock:
            self.busy_left += n

    def route(self, method: str, path: str, body: Any, headers: dict[str, str]) -> Reply:
        if path == "/v1/_stats":  # for a benchmark running this in another process
            with self.lock:
                stats = {"max_in_flight": self.max_in_flight, "chat_count": self.chat_count}
                if method == "POST":
                    self.max_in_flight = self.in_flight - 1  # this request does not count
            return Reply(parts=[json.dumps(stats).encode()])
        if path != "/v1/chat/completions" or not isinstance(body, dict):
            return super().route(method, path, body, headers)
        prompt = str(body["messages"][-1]["content"])
        step = self.step_of(prompt)
        with self.lock:
            self.chat_count += 1
            if step == "instructions":
                self.prompts.append(prompt)
            if self.busy_left:
                self.busy_left -= 1
                err = {"error": {"message": "server overloaded", "code": 503}}
                return Reply(503, parts=[json.dumps(err).encode()])
        text = self.replies(step, prompt) if self.replies is not None else None
        if text is None:
            text = self.reply_text(step, prompt)
        self.hold.wait(30)
        parts: list[bytes | float] = []
        for event in self.chat_events(text, chunk=self.chunk, model=MODEL):
            if self.chunk_delay:
                parts.append(self.chunk_delay)
            parts.append(event)
        return Reply(content_type=SSE, parts=parts)


# -- the generate subprocess -----------------------------------------------------------

def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONUNBUFFERED", None)  # the CLI must flush what it reports by itself
    env.update(COLUMNS="200", **extra)
    return env


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    """``python -m synthstudio ARGS`` to completion, output captured as bytes."""
    return subprocess.run([sys.executable, "-m", "synthstudio", *args], cwd=ROOT,
                          env=cli_env(), capture_output=True, timeout=timeout)


#: ``python -c WARM generate ...`` imports what ``generate`` needs, then waits for a line
#: "go" on stdin before it runs the real command: the next process of a crash loop warms
#: up while the current one works.
WARM = (
    "import sys\n"
    "from synthstudio.cli import main\n"
    "import synthstudio.cli.generate_cmd, synthstudio.engine, synthstudio.recipes\n"
    "import synthstudio.backends.select, synthstudio.datasets.seeds\n"
    "if sys.stdin.readline().strip() != 'go':\n"
    "    sys.exit(3)\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


class Generate:
    """``synthstudio generate`` in a subprocess; stdout lines are collected as they come.

    With ``warm=True`` it starts via :data:`WARM` and runs only after :meth:`go`.
    """

    def __init__(self, db: Path, host: str, *, count: int = 1000, resume: bool = False,
                 auto_accept: bool = True, warm: bool = False, concurrency: int = 1) -> None:
        args = ["generate", "--recipe", "self-instruct", "--count", str(count),
                "--backend", "ollama", "--host", host, "--db", str(db),
                "--concurrency", str(concurrency)]
        args += ["--auto-accept"] * auto_accept + ["--resume"] * resume
        head = ["-c", WARM] if warm else ["-m", "synthstudio"]
        self.proc = subprocess.Popen([sys.executable, *head, *args], cwd=ROOT,
                                     env=cli_env(), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE,
                                     stdin=subprocess.PIPE if warm else subprocess.DEVNULL)
        self.lines: list[bytes] = []
        self.stderr = b""
        self._out = threading.Thread(target=self._read_out, daemon=True)
        self._err = threading.Thread(target=self._read_err, daemon=True)
        self._out.start()
        self._err.start()

    def go(self) -> None:
        """Let a warm process run the command."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.close()

    def _read_out(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            self.lines.append(line)  # one by one: readers see each line as it comes

    def _read_err(self) -> None:
        self.stderr = self.proc.stderr.read()  # type: ignore[union-attr]

    @property
    def stdout(self) -> bytes:
        return b"".join(self.lines)

    def reported(self) -> dict[int, bytes]:
        """What the process said it stored: ``{id: title}`` from ``accepted #ID: title``."""
        out = {}
        for line in list(self.lines):
            m = ACCEPTED_LINE.match(line)
            if m:
                out[int(m.group(2))] = line[m.end():].strip()
        return out

    def wait_for(self, pred: Callable[[], bool], timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if pred():
                return True
            if self.proc.poll() is not None:
                return pred()
            time.sleep(0.01)
        return False

    def wait_reports(self, n: int, timeout: float) -> bool:
        """Wait until the process has reported ``n`` stored items."""
        return self.wait_for(lambda: len(self.reported()) >= n, timeout)

    def wait_requests(self, ol: OllamaStandin, n: int, timeout: float) -> bool:
        """Wait until the stand-in has seen more than ``n`` chat requests in all."""
        return self.wait_for(lambda: len(ol.chat_bodies()) > n, timeout)

    def signal(self, sig: int) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)

    def finish(self, timeout: float = 60) -> int:
        """Wait for exit and for all output; return the exit code."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            rc = self.proc.wait(10)
        self._out.join(10)
        self._err.join(10)
        return rc


# -- what a pool must hold -------------------------------------------------------------

@dataclass
class PoolCheck:
    integrity: str = ""
    runs: list[dict[str, Any]] = field(default_factory=list)
    status: dict[int, str] = field(default_factory=dict)
    run_of: dict[int, int | None] = field(default_factory=dict)
    instruction: dict[int, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> set[int]:
        return {i for i, s in self.status.items() if s == "accepted"}


def check_pool(db: Path) -> PoolCheck:
    """Open ``db`` as a new reader would after a crash and look for damage."""
    out = PoolCheck()
    conn = sqlite3.connect(str(db), timeout=30)
    try:
        out.integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            out.problems.append(f"foreign key violations: {fk[:5]}")
        cols = ["id", "run_id", "recipe", "status", "instruction", "scores", "provenance",
                "prompt", "meta", "raw_output"]
        inst = dict(conn.execute("SELECT candidate_id, count(*) FROM instances "
                                 "WHERE candidate_id IS NOT NULL GROUP BY candidate_id"))
        # prompt, raw output and provenance live beside the item (schema 4)
        side = ("provenance", "prompt", "raw_output")
        select = ", ".join(f"p.{c}" if c in side else f"c.{c}" for c in cols)
        for row in conn.execute(f"SELECT {select} FROM candidates AS c LEFT JOIN "
                                "candidate_provenance AS p ON p.candidate_id = c.id"):
            c = dict(zip(cols, row, strict=True))
            out.status[c["id"]] = c["status"]
            out.run_of[c["id"]] = c["run_id"]
            out.instruction[c["id"]] = c["instruction"] or ""
            out.problems += _candidate_problems(c, inst.get(c["id"], 0))
        fts = conn.execute("SELECT count(*) FROM candidates_fts").fetchone()[0]
        if fts != len(out.status):
            out.problems.append(f"full-text index has {fts} rows for {len(out.status)}")
        rcols = ["id", "status", "state", "counts", "target"]
        for row in conn.execute(f"SELECT {', '.join(rcols)} FROM runs ORDER BY id"):
            r = dict(zip(rcols, row, strict=True))
            for key in ("state", "counts"):
                try:
                    r[key] = json.loads(r[key] or "{}")
                except ValueError:
                    out.problems.append(f"run {r['id']}: {key} is not JSON")
            out.runs.append(r)
    finally:
        conn.close()
    return out


def _candidate_problems(c: dict[str, Any], n_instances: int) -> list[str]:
    cid = c["id"]
    problems = []
    parsed: dict[str, Any] = {}
    for key in ("scores", "provenance", "prompt", "meta"):
        try:
            parsed[key] = json.loads(c[key])
        except (TypeError, ValueError):
            problems.append(f"#{cid}: {key} is not valid JSON")
    if problems or c["recipe"] != "self-instruct":
        return problems
    if not isinstance(parsed["scores"], list) or not parsed["scores"]:
        problems.append(f"#{cid}: no filter scores")
    if not parsed["prompt"] or not c["instruction"]:
        problems.append(f"#{cid}: no prompt or instruction")
    requests = parsed["provenance"].get("requests") or []
    steps = [r.get("step") for r in requests]
    if not steps or steps[0] != "instructions":
        problems.append(f"#{cid}: provenance lacks its requests ({steps})")
    if c["status"] == "accepted":
        if n_instances < 1:
            problems.append(f"#{cid}: accepted with no instance")
        if steps != ["instructions", "classify", "instances"]:
            problems.append(f"#{cid}: accepted but its requests are {steps}")
        if any(not r.get("raw") or not r.get("prompt") for r in requests):
            problems.append(f"#{cid}: a request lacks its prompt or raw output")
        if parsed["provenance"].get("run_id") != c["run_id"]:
            problems.append(f"#{cid}: provenance run_id differs from run_id")
    return problems

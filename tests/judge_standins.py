"""Stand-in judges: Ollama and OpenAI-compatible servers that rate what they are shown.

The score is read from the item itself: an instruction containing ``(rate N)`` gets N;
anything else gets a score derived from a hash of the prompt (0-5, in half points), so a
given item always gets the same score. ``style`` says how the reply is written:
``"json"`` (what a constrained server sends), ``"text"`` (``Score: N`` on a line, then a
sentence), or ``"garbage"`` (no score at all). Both serve many requests at once (a
thread per connection), count the judge requests they answered (``judged``) and can wait
``delay`` seconds before answering (``most_in_flight``: the most requests waiting at once).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from typing import Any

from tests.standins import NDJSON, SSE, OllamaStandin, OpenAIStandin, Reply

RATE = re.compile(r"\(rate (\d(?:\.\d)?)\)")
MODEL = "judge:7b"


def score_for(prompt: str) -> float:
    m = RATE.search(prompt)
    if m:
        return float(m.group(1))
    return int(hashlib.sha256(prompt.encode()).hexdigest()[:4], 16) % 11 / 2


def reply_text(prompt: str, style: str) -> str:
    score = score_for(prompt)
    if style == "json":
        return json.dumps({"score": score, "reason": f"Rated {score:g} by the stand-in."})
    if style == "text":
        return f"Score: {score:g}\nThe stand-in read the item and rated it {score:g}."
    return "I would rather not say."


class _JudgeMixin:
    style = "json"
    delay = 0.0

    def _judge_setup(self, style: str, delay: float) -> None:
        self.style, self.delay = style, delay
        self.judged_lock = threading.Lock()
        # small writes go out at once (Nagle plus delayed ACKs would add ~40 ms a reply)
        handler = self.server.RequestHandlerClass
        handler.disable_nagle_algorithm = True  # type: ignore[attr-defined]
        self.connections = 0  # TCP connections accepted
        setup = handler.setup
        standin = self

        def counted(h: Any) -> None:
            setup(h)
            with standin.judged_lock:
                standin.connections += 1

        handler.setup = counted  # type: ignore[method-assign]
        self.judged = 0
        self.judged_lock = threading.Lock()
        self.prompts: list[str] = []
        self.in_flight = self.most_in_flight = 0

    def _count(self, prompt: str) -> None:
        with self.judged_lock:
            self.judged += 1
            self.prompts.append(prompt)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        if self.delay:
            time.sleep(self.delay)
        with self.judged_lock:
            self.in_flight -= 1


class JudgeOllama(_JudgeMixin, OllamaStandin):
    """An Ollama stand-in whose ``/api/chat`` rates the item in the prompt."""

    def __init__(self, style: str = "json", delay: float = 0.0, model: str = MODEL) -> None:
        super().__init__()
        self._judge_setup(style, delay)
        self.add_model(model)

    def route(self, method: str, path: str, body: Any, headers: dict[str, str]) -> Reply:
        if path != "/api/chat" or not isinstance(body, dict) or self.queue:
            return super().route(method, path, body, headers)
        if body.get("model") not in self.models:
            return super().route(method, path, body, headers)
        prompt = str(body["messages"][-1]["content"])
        self._count(prompt)
        text = reply_text(prompt, self.style)
        return Reply(content_type=NDJSON,
                     parts=list(self.chat_lines(text, chunk=64, model=body["model"])))


class JudgeOpenAI(_JudgeMixin, OpenAIStandin):
    """A vLLM-like stand-in whose ``/v1/chat/completions`` rates the item in the prompt."""

    def __init__(self, style: str = "json", delay: float = 0.0, model: str = MODEL) -> None:
        super().__init__(models=(model,))
        self._judge_setup(style, delay)

    def route(self, method: str, path: str, body: Any, headers: dict[str, str]) -> Reply:
        if path != "/v1/chat/completions" or not isinstance(body, dict) or self.queue:
            return super().route(method, path, body, headers)
        prompt = str(body["messages"][-1]["content"])
        self._count(prompt)
        text = reply_text(prompt, self.style)
        return Reply(content_type=SSE, parts=list(self.chat_events(
            text, chunk=64, model=str(body.get("model") or MODEL))))


def keep_no_requests(standin: OllamaStandin | OpenAIStandin) -> None:
    """Stop recording request bodies (a long benchmark would hold them all)."""

    class _Sink(list):  # type: ignore[type-arg]
        def append(self, item: Any) -> None:
            pass

    standin.requests = _Sink()

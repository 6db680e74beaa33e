"""The one interface every model backend implements.

A backend streams a chat: it takes a :class:`ChatRequest` and yields typed chunks
(:class:`ContentDelta`, :class:`ThinkingDelta`, then exactly one :class:`Final`).
Failures are raised as :class:`synthstudio.errors.BackendError` with a plain sentence;
cancellation is the caller's: it stops iterating (or cancels the task) and keeps what it has.
Every text a backend yields has passed :func:`safe_text`: model output is untrusted.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from synthstudio.records import RequestStats, SamplingOptions

#: UTF-16 surrogates: valid in JSON (``"\ud800"``) and in a Python str, but not encodable
#: as UTF-8, so SQLite, files and the terminal all fail on a lone one
_SURROGATE = re.compile("[\ud800-\udfff]")


def safe_text(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (JSON decoding has already
    joined real pairs into one character)."""
    return _SURROGATE.sub("\ufffd", text)


@dataclass(frozen=True, slots=True)
class Message:
    role: str  # "system" | "user" | "assistant"
    content: str


@dataclass(slots=True)
class GenOptions:
    """Sampling options; ``None`` means the backend's default."""

    temperature: float | None = None
    top_p: float | None = None
    seed: int | None = None
    num_predict: int | None = None  # max new tokens
    num_ctx: int | None = None
    stop: list[str] | None = None

    def as_dict(self) -> SamplingOptions:
        """The options set, in field order (JSON data: provenance, request bodies)."""
        out = SamplingOptions()
        if self.temperature is not None:
            out["temperature"] = self.temperature
        if self.top_p is not None:
            out["top_p"] = self.top_p
        if self.seed is not None:
            out["seed"] = self.seed
        if self.num_predict is not None:
            out["num_predict"] = self.num_predict
        if self.num_ctx is not None:
            out["num_ctx"] = self.num_ctx
        if self.stop is not None:
            out["stop"] = list(self.stop)
        return out


@dataclass(slots=True)
class ChatRequest:
    messages: list[Message]
    options: GenOptions = field(default_factory=GenOptions)
    #: a JSON schema the output must follow (structured output), or None
    json_schema: dict[str, Any] | None = None
    #: None: backend default; True/False: ask for thinking on/off (thinking models)
    think: bool | None = None
    model: str | None = None  # None: the backend's configured model


@dataclass(frozen=True, slots=True)
class ContentDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ThinkingDelta:
    text: str


@dataclass(frozen=True, slots=True)
class Final:
    """The last chunk of a stream: why it stopped and what it cost."""

    done_reason: str = "stop"  # "stop" | "length" | "cancelled" | other backend words
    prompt_tokens: int | None = None
    eval_tokens: int | None = None
    eval_duration_s: float | None = None  # decode time only
    total_duration_s: float | None = None
    load_duration_s: float | None = None
    model: str = ""

    @property
    def tokens_per_second(self) -> float | None:
        if self.eval_tokens and self.eval_duration_s:
            return self.eval_tokens / self.eval_duration_s
        return None

    def as_dict(self) -> RequestStats:
        return RequestStats(
            done_reason=self.done_reason, prompt_tokens=self.prompt_tokens,
            eval_tokens=self.eval_tokens, eval_duration_s=self.eval_duration_s,
            total_duration_s=self.total_duration_s, load_duration_s=self.load_duration_s,
            model=self.model, tokens_per_second=self.tokens_per_second)


Chunk = ContentDelta | ThinkingDelta | Final


@dataclass(frozen=True, slots=True)
class ModelInfo:
    name: str
    size_bytes: int | None = None
    family: str = ""
    parameter_size: str = ""
    quantization: str = ""
    capabilities: tuple[str, ...] = ()

    @property
    def thinks(self) -> bool:
        return "thinking" in self.capabilities


@runtime_checkable
class Backend(Protocol):
    """What the recipes and the UI need of a model server."""

    #: short id: "ollama", "openai", "embedded"
    name: str
    #: the model used when a request names none
    model: str

    def stream_chat(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        """Yield content/thinking deltas, then one Final. Raise BackendError on failure."""
        ...

    async def list_models(self) -> list[ModelInfo]: ...

    async def aclose(self) -> None: ...


@dataclass(slots=True)
class Completion:
    """A whole streamed answer, gathered: what the recipes store as provenance."""

    content: str = ""
    thinking: str = ""
    final: Final | None = None
    cancelled: bool = False
    elapsed_s: float = 0.0
    first_token_s: float | None = None

    @property
    def truncated(self) -> bool:
        return self.final is not None and self.final.done_reason == "length"

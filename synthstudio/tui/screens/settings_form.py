"""Reading the settings screen's fields into a new :class:`Settings`.

Each function takes the text of the fields as typed and returns a new Settings, or raises
ValueError with one sentence naming the field; nothing is changed in place.
"""

from __future__ import annotations

from collections.abc import Sequence

from synthstudio.config.choices import AUDIENCES, STYLES, TEXTBOOK_MODES
from synthstudio.config.settings import Settings


def number(text: str, name: str, low: float, high: float, integer: bool = False) -> float:
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        raise ValueError(f"{name} must be a {'whole ' if integer else ''}number") from None
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low:g} and {high:g}")
    return value


def whole(text: str, name: str, low: int, high: int) -> int:
    return int(number(text, name, low, high, integer=True))


def apply_general(settings: Settings, recipe: str, backend: str, model: str,
                  temperature: str, count: str, concurrency: str | None = None) -> Settings:
    """``concurrency`` empty: the backend's default; None: left as it is."""
    update: dict[str, object] = {
        "recipe": recipe, "backend": backend, "model": model.strip(),
        "temperature": number(temperature, "Temperature", 0.0, 2.0),
        "count": whole(count, "Items per run", 1, 100_000),
    }
    if concurrency is not None:
        update["concurrency"] = (whole(concurrency, "Requests in flight", 1, 1024)
                                 if concurrency.strip() else None)
    return settings.model_copy(update=update)


def apply_self_instruct(settings: Settings, rouge: str, blacklist: str,
                        request_tokens: str | None = None,
                        instance_tokens: str | None = None) -> Settings:
    update: dict[str, object] = {
        "rouge_threshold": number(rouge, "ROUGE-L threshold", 0.0, 1.0),
        "blacklist": [w.strip() for w in blacklist.split(",") if w.strip()],
    }
    if request_tokens is not None:
        update["request_tokens"] = whole(request_tokens,
                                         "Self-Instruct instruction token limit", 16, 1 << 20)
    if instance_tokens is not None:
        update["instance_tokens"] = whole(instance_tokens,
                                          "Self-Instruct instance token limit", 16, 1 << 20)
    return settings.model_copy(update={
        "self_instruct": settings.self_instruct.model_copy(update=update)})


def apply_textbook(settings: Settings, audiences: Sequence[str], styles: Sequence[str],
                   mode: str, max_tokens: str) -> Settings:
    if not audiences:
        raise ValueError("Textbook audiences: choose at least one audience")
    if not styles:
        raise ValueError("Textbook styles: choose at least one style")
    if mode not in TEXTBOOK_MODES:
        raise ValueError(f"Textbook mode must be one of {', '.join(TEXTBOOK_MODES)}")
    tb = settings.textbook.model_copy(update={
        "audiences": [a for a in AUDIENCES if a in audiences],
        "styles": [s for s in STYLES if s in styles],
        "mode": mode,
        "max_tokens": whole(max_tokens, "Textbook token limit", 16, 1 << 20),
    })
    return settings.model_copy(update={"textbook": tb})


def apply_reasoning(settings: Settings, samples: str, keep_only_correct: bool,
                    max_tokens: str) -> Settings:
    rs = settings.reasoning.model_copy(update={
        "samples": whole(samples, "Samples per problem", 1, 64),
        "keep_only_correct": keep_only_correct,
        "max_tokens": whole(max_tokens, "Reasoning token limit", 16, 1 << 20),
    })
    return settings.model_copy(update={"reasoning": rs})

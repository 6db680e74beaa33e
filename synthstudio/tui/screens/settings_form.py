"""Reading the settings screen's fields into a new :class:`Settings`.

Each function takes the text of the fields as typed and returns a new Settings, or raises
ValueError with one sentence naming the field; nothing is changed in place.
"""

from __future__ import annotations

from collections.abc import Sequence

from synthstudio.choices import AUDIENCES, STYLES, TEXTBOOK_MODES
from synthstudio.config import Settings


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


def apply_form(settings: Settings, form: dict[str, str]) -> Settings:
    """The general fields and the Self-Instruct ones (token limits are optional keys)."""
    temperature = number(form["temperature"], "Temperature", 0.0, 2.0)
    count = whole(form["count"], "Items per run", 1, 100_000)
    rouge = number(form["rouge"], "ROUGE-L threshold", 0.0, 1.0)
    words = [w.strip() for w in form["blacklist"].split(",") if w.strip()]
    update: dict[str, object] = {"rouge_threshold": rouge, "blacklist": words}
    if "request_tokens" in form:
        update["request_tokens"] = whole(form["request_tokens"],
                                         "Self-Instruct instruction token limit", 16, 1 << 20)
    if "instance_tokens" in form:
        update["instance_tokens"] = whole(form["instance_tokens"],
                                          "Self-Instruct instance token limit", 16, 1 << 20)
    si = settings.self_instruct.model_copy(update=update)
    return settings.model_copy(update={
        "recipe": form["recipe"], "backend": form["backend"], "model": form["model"].strip(),
        "temperature": temperature, "self_instruct": si, "count": count,
    })


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

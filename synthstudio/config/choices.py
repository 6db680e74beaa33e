"""Named choices shared by the settings, the command line and the studio.

Each is a ``Literal`` type (what pydantic validates) with its values as a tuple (what
argparse and the settings screen offer), so a choice is spelled in one place.
"""

from __future__ import annotations

from typing import Literal, TypeGuard, get_args

BackendName = Literal["auto", "ollama", "openai", "embedded"]
#: every ``backend`` setting value, ``auto`` first
BACKEND_CHOICES: tuple[str, ...] = get_args(BackendName)
#: the concrete model servers (what ``auto`` chooses between, and more)
SERVER_BACKENDS: tuple[str, ...] = tuple(b for b in BACKEND_CHOICES if b != "auto")

#: the judge's server: empty means the generator's (typing flattens the nested Literal)
JudgeBackendName = Literal["", BackendName]

RecipeName = Literal["self-instruct", "textbook", "reasoning"]
RECIPE_CHOICES: tuple[str, ...] = get_args(RecipeName)

Audience = Literal["young_children", "high_school", "college", "researchers"]
AUDIENCES: tuple[str, ...] = get_args(Audience)
#: an audience as the studio shows it: its value with spaces for underscores (the
#: textbook prompt has longer names of its own)
AUDIENCE_SHORT_LABELS: dict[str, str] = {a: a.replace("_", " ") for a in AUDIENCES}

Style = Literal["textbook", "story", "howto", "blog"]
STYLES: tuple[str, ...] = get_args(Style)


def is_style(value: str) -> TypeGuard[Style]:
    """Whether ``value`` is one of the styles (a style read from the pool is a str)."""
    return value in STYLES


TextbookMode = Literal["even", "all_audiences"]
TEXTBOOK_MODES: tuple[str, ...] = get_args(TextbookMode)

StructuredMode = Literal["auto", "on", "off"]

NoiseFilterName = Literal["html", "keyboard_mash", "repetition", "mojibake", "emoji_flood",
                          "boilerplate"]
#: must equal the keys of ``synthstudio.filters.noise.NOISE_FILTERS`` (a test checks)
NOISE_FILTER_NAMES: tuple[str, ...] = get_args(NoiseFilterName)

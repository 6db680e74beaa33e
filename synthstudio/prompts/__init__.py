"""Prompt templates: plain text files a person can read and edit.

The shipped templates live beside this module. A file of the same name in
``<user config dir>/prompts/`` (or ``$SYNTHSTUDIO_PROMPTS``) takes precedence, so a
person can change any prompt without touching the install.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

import platformdirs

from synthstudio.boundary import files

SHIPPED = Path(__file__).parent


def user_prompt_dir() -> Path:
    env = os.environ.get("SYNTHSTUDIO_PROMPTS")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir("synthstudio")) / "prompts"


def template_path(name: str) -> Path:
    """Where the template ``name`` is read from (the user's copy wins)."""
    user = user_prompt_dir() / f"{name}.txt"
    return user if user.is_file() else SHIPPED / f"{name}.txt"


def shipped_names() -> list[str]:
    return sorted(p.stem for p in SHIPPED.glob("*.txt"))


#: how a missing template is named
_WHAT = "prompt template"


@lru_cache(maxsize=64)
def _read(path: Path, mtime: float) -> str:
    return files.read_text(path, what=_WHAT)


def load(name: str) -> str:
    path = template_path(name)
    try:
        mtime = path.stat().st_mtime
    except OSError:  # gone or unreadable: the read says which, naming the file
        return files.read_text(path, what=_WHAT)
    return _read(path, mtime)


_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def render(name: str, **values: object) -> str:
    """Fill ``{placeholder}`` fields of template ``name``; other braces stay as written.

    Values are inserted verbatim (never re-interpreted), so braces in seed tasks or
    model output are safe.
    """
    return fill(load(name), **values)


def fill(text: str, **values: object) -> str:
    """Fill ``{placeholder}`` fields of a template's ``text``, as :func:`render` does."""

    def sub(m: re.Match[str]) -> str:
        key = m.group(1)
        return str(values[key]) if key in values else m.group(0)

    return _PLACEHOLDER.sub(sub, text)

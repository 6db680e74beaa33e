"""The studio's two themes and where its stylesheets live.

Colours are defined here once, as Textual :class:`~textual.theme.Theme` objects; the
stylesheets in ``themes/*.tcss`` only use the theme variables (``$primary``, ``$surface``,
``$error`` ...), so every theme (also Textual's built-in ones) styles the whole studio.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from textual.app import App
from textual.theme import Theme

from synthstudio.boundary.shipped import themes_dir

DARK = Theme(
    name="synthstudio-dark",
    primary="#5FA8D3",
    secondary="#9D8CFF",
    accent="#F2A65A",
    warning="#E9C46A",
    error="#EF6F6C",
    success="#7BC47F",
    foreground="#DCE3EA",
    background="#13161B",
    surface="#1A1E25",
    panel="#232932",
    dark=True,
    variables={"footer-key-foreground": "#F2A65A"},
)

LIGHT = Theme(
    name="synthstudio-light",
    primary="#1E6A9E",
    secondary="#5B4BC4",
    accent="#B45309",
    warning="#A16207",
    error="#B42318",
    success="#2F7D32",
    foreground="#1F2328",
    background="#F6F7F9",
    surface="#FFFFFF",
    panel="#E7EBF0",
    dark=False,
    variables={"footer-key-foreground": "#B45309"},
)

THEMES: tuple[Theme, ...] = (DARK, LIGHT)
DEFAULT_THEME = DARK.name
STYLESHEET = "studio.tcss"


def stylesheets() -> list[str | PurePath]:
    """The studio's stylesheet first, then any other ``*.tcss`` in the themes folder."""
    folder = themes_dir()
    main = folder / STYLESHEET
    others = sorted(p for p in folder.glob("*.tcss") if p.name != STYLESHEET)
    return [main, *others]  # type: ignore[list-item]


def register_themes(app: App[Any]) -> None:
    for theme in THEMES:
        app.register_theme(theme)


def usable_theme(app: App[Any], name: str) -> str:
    """``name`` if the app knows it, else the default theme."""
    return name if name in app.available_themes else DEFAULT_THEME


def next_theme(current: str) -> str:
    """The studio theme after ``current`` (dark -> light -> dark)."""
    names = [t.name for t in THEMES]
    if current not in names:
        return names[0]
    return names[(names.index(current) + 1) % len(names)]

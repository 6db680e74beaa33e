"""Where shipped data lives: ``seeds/`` and ``themes/`` at the top of a checkout, or the
copies packed into the wheel beside the package."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).parent.parent  # the synthstudio package


def _find(name: str) -> Path:
    for candidate in (_PKG.parent / name, _PKG / f"_{name}"):
        if candidate.is_dir():
            return candidate
    return _PKG.parent / name


def seeds_dir() -> Path:
    return _find("seeds")


def themes_dir() -> Path:
    return _find("themes")

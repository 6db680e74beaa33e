"""The recipes: Self-Instruct, textbook (Phi / Cosmopedia) and reasoning (R1)."""

from __future__ import annotations

import importlib

from synthstudio.errors import InputError
from synthstudio.recipes.base import Recipe

#: recipe name -> "module:class"
RECIPES = {
    "self-instruct": "synthstudio.recipes.self_instruct:SelfInstruct",
    "textbook": "synthstudio.recipes.textbook:Textbook",
    "reasoning": "synthstudio.recipes.reasoning:Reasoning",
}


def make_recipe(name: str) -> Recipe:
    target = RECIPES.get(name)
    if target is None:
        raise InputError(f"unknown recipe '{name}'; choose one of {', '.join(RECIPES)}",
                         field="recipe")
    module, cls = target.split(":")
    try:
        return getattr(importlib.import_module(module), cls)()  # type: ignore[no-any-return]
    except (ImportError, AttributeError) as exc:
        raise InputError(f"recipe '{name}' is not available ({exc})", field="recipe") from exc

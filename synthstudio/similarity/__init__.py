"""Exact ROUGE-L similarity: rouge-score's numbers, CJK-aware tokens, a pruned index.

The names below are imported on first use: the index needs numpy, which the studio's
first screen (CJK-aware highlighting needs only the tokenizer) should not wait for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from synthstudio.similarity.index import Match, Neighbour, RougeIndex
    from synthstudio.similarity.rouge import f_from_lcs, lcs_length, rouge_l, rouge_l_text
    from synthstudio.similarity.tokens import rouge_score_tokenize, tokenize

_WHERE = {
    "Match": "index", "Neighbour": "index", "RougeIndex": "index",
    "f_from_lcs": "rouge", "lcs_length": "rouge", "rouge_l": "rouge", "rouge_l_text": "rouge",
    "rouge_score_tokenize": "tokens", "tokenize": "tokens",
}

__all__ = [
    "Match",
    "Neighbour",
    "RougeIndex",
    "f_from_lcs",
    "lcs_length",
    "rouge_l",
    "rouge_l_text",
    "rouge_score_tokenize",
    "tokenize",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)

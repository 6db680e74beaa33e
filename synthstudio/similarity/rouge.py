"""ROUGE-L F-measure, bit for bit as rouge-score computes it, with a compiled LCS.

rouge-score's ``_score_lcs(target, prediction)`` takes the LCS length ``L`` from a Python
DP table, then ``precision = L / len(prediction)``, ``recall = L / len(target)`` and
``fmeasure = 2 * precision * recall / (precision + recall)`` (0.0 when both are 0).
:func:`f_from_lcs` performs the same float operations in the same order, so the results
are identical floats; the LCS length itself comes from rapidfuzz's bit-parallel
``LCSseq``, run on token ids packed into strs (exact: no hashing).  The F-measure is
symmetric in its two arguments, bit for bit: ``2 * p`` is exact, so ``2*p*r`` and
``2*r*p`` round alike.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
from rapidfuzz.distance import LCSseq

from synthstudio.similarity.tokens import tokenize

__all__ = ["lcs_length", "f_from_lcs", "f_from_lcs_array", "rouge_l", "rouge_l_text", "encode"]

_similarity = LCSseq.similarity

#: token ids are stored as the code points of a str; the surrogates are skipped
MAX_IDS = 0x110000 - 0x800


def encode(ids: Sequence[int]) -> str:
    """Pack token ids (0 <= id < MAX_IDS) into a str, one character per token.

    rapidfuzz compares str characters natively, the fastest sequence type it takes.
    """
    return "".join(chr(i if i < 0xD800 else i + 0x800) for i in ids)


def lcs_length(a: Sequence[Hashable] | str, b: Sequence[Hashable] | str) -> int:
    """Length of the longest common subsequence of two sequences.

    rapidfuzz compares list elements by value for ints and one-character strs and by
    ``hash()`` otherwise, so pass ints or encoded strs (:func:`encode`) for exactness.
    """
    if not a or not b:
        return 0
    return int(_similarity(a, b))


def f_from_lcs(lcs: int, target_len: int, prediction_len: int) -> float:
    """rouge-score's LCS F-measure from the LCS length and the two lengths."""
    if not target_len or not prediction_len:
        return 0.0
    precision = lcs / prediction_len
    recall = lcs / target_len
    if precision + recall > 0:
        return 2 * precision * recall / (precision + recall)
    return 0.0


def f_from_lcs_array(lcs: np.ndarray, target_len: int, prediction_lens: np.ndarray
                     ) -> np.ndarray:
    """:func:`f_from_lcs` over arrays: the same IEEE operations, so the same floats."""
    if not target_len:
        return np.zeros(len(lcs))
    lengths = np.maximum(prediction_lens, 1)
    precision = lcs / lengths
    recall = lcs / target_len
    total = precision + recall
    num = 2 * precision * recall
    out = np.zeros(len(lcs))
    np.divide(num, total, out=out, where=total > 0)
    return out


def rouge_l(a_tokens: Sequence[Hashable], b_tokens: Sequence[Hashable]) -> float:
    """ROUGE-L F-measure of two token sequences (``a`` is rouge-score's target)."""
    if not a_tokens or not b_tokens:
        return 0.0
    ids: dict[Hashable, int] = {}
    a = encode([ids.setdefault(t, len(ids)) for t in a_tokens])
    b = encode([ids.setdefault(t, len(ids)) for t in b_tokens])
    return f_from_lcs(lcs_length(a, b), len(a_tokens), len(b_tokens))


def rouge_l_text(a: str, b: str) -> float:
    """ROUGE-L F-measure of two texts under :func:`~synthstudio.similarity.tokenize`."""
    return rouge_l(tokenize(a), tokenize(b))

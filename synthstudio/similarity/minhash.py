"""Near-duplicate detection: MinHash over 5-gram shingles, indexed with MinHashLSH.

Shingles are n-grams of *tokens*: a word of any alphabetic script is one token and every
CJK character is one token by itself, so English gets word 5-grams and Chinese (written
without spaces) gets character 5-grams. Text is lowercased and punctuation dropped.

The LSH index only proposes candidates (its banding is tuned a little below the
threshold, so pairs near the threshold are not missed); each candidate's Jaccard
similarity is then estimated from the two signatures and compared with the threshold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from synthstudio.filters.script import CJK_RANGES

if TYPE_CHECKING:  # datasketch pulls in scipy (seconds): imported when first used
    from datasketch import MinHash

DEFAULT_THRESHOLD = 0.7
DEFAULT_NUM_PERM = 128
DEFAULT_NGRAM = 5

_TOKEN = re.compile(f"[{CJK_RANGES}]|[^\\W_{CJK_RANGES}]+")


def tokens(text: str) -> list[str]:
    """Lowercased words; each CJK character is a token of its own."""
    return _TOKEN.findall(text.lower())


def shingles(text: str, n: int = DEFAULT_NGRAM) -> set[str]:
    """The set of token n-grams (a text shorter than ``n`` tokens is one shingle)."""
    toks = tokens(text)
    if not toks:
        return set()
    if len(toks) <= n:
        return {" ".join(toks)}
    return {" ".join(toks[i:i + n]) for i in range(len(toks) - n + 1)}


def jaccard(a: str, b: str, n: int = DEFAULT_NGRAM) -> float:
    """Exact Jaccard similarity of the two texts' shingle sets."""
    sa, sb = shingles(a, n), shingles(b, n)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def signature(text: str, num_perm: int = DEFAULT_NUM_PERM,
              n: int = DEFAULT_NGRAM) -> MinHash | None:
    """The MinHash of the text's shingles, or None for a text without words."""
    from datasketch import MinHash

    sh = shingles(text, n)
    if not sh:
        return None
    m = MinHash(num_perm=num_perm)
    m.update_batch([s.encode("utf-8") for s in sh])
    return m


@dataclass(slots=True)
class DupMatch:
    """The most similar indexed text (estimated Jaccard) and the other close ones."""

    score: float = 0.0
    key: str = ""
    text: str = ""
    #: (key, estimated Jaccard), most similar first, at most ``k``
    nearest: list[tuple[str, float]] = field(default_factory=list)


class MinHashIndex:
    """Texts by key; ``query`` finds the indexed text most similar to a new one."""

    def __init__(self, threshold: float = DEFAULT_THRESHOLD,
                 num_perm: int = DEFAULT_NUM_PERM, ngram: int = DEFAULT_NGRAM) -> None:
        from datasketch import MinHashLSH

        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        self.threshold = threshold
        self.num_perm = num_perm
        self.ngram = ngram
        lsh_threshold = max(0.1, min(0.95, threshold * 0.8))
        self._lsh = MinHashLSH(threshold=lsh_threshold, num_perm=num_perm)
        self._sigs: dict[str, MinHash] = {}
        self._texts: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._texts)

    def __contains__(self, key: object) -> bool:
        return key in self._texts

    def add(self, key: str, text: str) -> None:
        """Index ``text`` under ``key`` (replacing what the key held)."""
        if key in self._texts:
            self.remove(key)
        self._texts[key] = text
        sig = signature(text, self.num_perm, self.ngram)
        if sig is not None:
            self._sigs[key] = sig
            self._lsh.insert(key, sig)

    def add_many(self, items: Iterable[tuple[str, str]]) -> None:
        for key, text in items:
            self.add(key, text)

    def remove(self, key: str) -> None:
        self._texts.pop(key, None)
        if self._sigs.pop(key, None) is not None:
            self._lsh.remove(key)

    def query(self, text: str, k: int = 3) -> DupMatch:
        sig = signature(text, self.num_perm, self.ngram)
        if sig is None or not self._sigs:
            return DupMatch()
        scored = sorted(((key, float(sig.jaccard(self._sigs[key])))
                         for key in self._lsh.query(sig)), key=lambda x: (-x[1], x[0]))
        if not scored:
            return DupMatch()
        best_key, best = scored[0]
        return DupMatch(best, best_key, self._texts[best_key], scored[:k])

    def is_duplicate(self, text: str) -> bool:
        return self.query(text, k=1).score >= self.threshold

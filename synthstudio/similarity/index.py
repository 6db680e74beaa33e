"""An exact ROUGE-L near-duplicate index: the same scores as rouge-score, without brute force.

Items keep their tokens as strings of token ids (one character per token: what rapidfuzz
compares fastest); an inverted index maps each token id to the ascending slots (insertion
numbers) holding it, with its count in each.  No LCS is computed for an item that provably
cannot matter:

* **Prefix filter.** Query tokens are taken rarest first.  An item sharing none of the first
  ``e`` query tokens (as a multiset) has LCS <= ``R = la - e``, so F <= 2R / (la + R); once
  that is at most the cutoff (the threshold, or the current k-th best) the postings of the
  remaining, frequent tokens ("the", "a") are never read.
* **Count and length bound.** Items in the scanned postings are counted (one numpy sort of
  the concatenated postings); shared scanned tokens + ``R`` bounds the overlap, hence the
  LCS, and F <= 2 * min(overlap, la, lb) / (la + lb): a per-query table gives, for each item
  length, the overlap needed to reach the cutoff.
* **Refinement.** While many candidates survive, their membership in the postings of the
  unscanned tokens is looked up by binary search, tightening the bound token by token.
* Survivors are verified with rapidfuzz's bit-parallel LCS, best bound first: a threshold
  test stops at the first hit, a top-k search when the bound drops below the k-th best.
  Every pruning comparison keeps a 1e-9 margin, far above the F-measure's float error, so
  pruning never changes a result; scores are rouge-score's floats.

``remove`` marks the slot dead (length 0); a token's postings are compacted once more than
half are dead.  Ties in top-k go to the earlier inserted item.
"""

from __future__ import annotations

import heapq
from array import array
from collections import Counter
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import LCSseq

from synthstudio.similarity.rouge import f_from_lcs
from synthstudio.similarity.tokens import tokenize

__all__ = ["RougeIndex", "Match", "Neighbour"]

SLACK = 1e-9        # pruning margin; the F-measure's own float error is below 1e-15
REFINE_MIN = 128    # below this many candidates, verifying beats tightening the bound
UNKNOWN = 0x10FFFF  # the id of query tokens the index has never seen
_NEVER = 1 << 40    # an overlap no item can have
_sim = LCSseq.similarity

Plan = list[tuple[int, int, int]]  # (df, token id, count in the query), rarest first


@dataclass(frozen=True, slots=True)
class Neighbour:
    key: Hashable
    text: str
    score: float


@dataclass(slots=True)
class Match:
    """The best score against the index and the nearest items (score > 0), best first."""

    max_score: float = 0.0
    nearest: list[Neighbour] = field(default_factory=list)

    def exceeds(self, threshold: float) -> bool:
        return self.max_score > threshold


class RougeIndex:
    """Items (key, text) searchable by exact ROUGE-L F-measure (see the module docstring)."""

    def __init__(self) -> None:
        self._vocab: dict[str, int] = {}
        self._df: list[int] = []        # live items holding each token id
        self._post: list[array] = []    # token id -> slots, ascending (dead ones too)
        self._cnt: list[array] = []     # token id -> its count in each slot (255: or more)
        self._keys: list[Hashable] = []
        self._texts: list[str | None] = []
        self._seqs: list[str] = []      # token ids as characters (ids skip the surrogates)
        self._slot: dict[Hashable, int] = {}
        self._lens = np.zeros(1024, np.int64)   # tokens per slot; 0 when dead
        self._stamp = np.zeros(1024, np.uint32)
        self._maxlen = 0
        self._qid = 0
        self._last: tuple[str, list[str]] = ("", [])
        self._tables: dict[tuple[int, float, int], np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._slot)

    def __contains__(self, key: object) -> bool:
        return key in self._slot

    def __iter__(self) -> Iterator[Hashable]:
        return iter(list(self._slot))

    def text(self, key: Hashable) -> str:
        return self._texts[self._slot[key]] or ""

    def _tokens(self, text: str) -> list[str]:
        if self._last[0] != text:
            self._last = (text, tokenize(text))
        return self._last[1]

    def _new_id(self, tok: str) -> int:
        tid = len(self._df)
        if tid == 0xD800:  # ids are characters of a str: skip the surrogates
            self._df.extend([0] * 0x800)
            self._post.extend(array("i") for _ in range(0x800))
            self._cnt.extend(array("B") for _ in range(0x800))
            tid = 0xE000
        if tid >= UNKNOWN:
            raise ValueError("the index holds too many distinct tokens")
        self._vocab[tok] = tid
        self._df.append(0)
        self._post.append(array("i"))
        self._cnt.append(array("B"))
        return tid

    def add(self, key: Hashable, text: str) -> None:
        """Add an item, or replace the item under ``key`` (it then counts as the newest)."""
        if key in self._slot:
            self.remove(key)
        vocab = self._vocab
        ids = [vocab[t] if t in vocab else self._new_id(t) for t in self._tokens(text)]
        slot = len(self._keys)
        if slot >= len(self._lens):
            self._lens = np.concatenate([self._lens, np.zeros_like(self._lens)])
            self._stamp = np.concatenate([self._stamp, np.zeros_like(self._stamp)])
        self._keys.append(key)
        self._texts.append(text)
        self._seqs.append("".join(map(chr, ids)))
        self._lens[slot] = len(ids)
        self._maxlen = max(self._maxlen, len(ids))
        self._slot[key] = slot
        for tid, c in Counter(ids).items():
            self._post[tid].append(slot)
            self._cnt[tid].append(min(c, 255))
            self._df[tid] += 1

    def remove(self, key: Hashable) -> None:
        """Remove an item (KeyError if absent); nothing is rebuilt."""
        slot = self._slot.pop(key)
        self._lens[slot] = 0
        for tid in set(map(ord, self._seqs[slot])):
            self._df[tid] -= 1
            if len(self._post[tid]) > 2 * self._df[tid] + 8:  # compact the postings
                slots, cnt = (np.frombuffer(a, t) for a, t in
                              ((self._post[tid], np.int32), (self._cnt[tid], np.uint8)))
                live = self._lens[slots] > 0
                self._post[tid] = array("i", slots[live].tobytes())
                self._cnt[tid] = array("B", cnt[live].tobytes())
                del slots, cnt
        self._keys[slot] = None
        self._texts[slot] = None
        self._seqs[slot] = ""

    def query(self, text: str, k: int = 10, threshold: float | None = None) -> Match:
        """Exact max score and the top-k items by score (ties: earlier first).

        Only items scoring above 0 (and above ``threshold`` when given) are listed;
        ``max_score`` is exact either way.
        """
        best = self._top(text, max(k, 1))
        nearest = [Neighbour(self._keys[s], self._texts[s] or "", f)
                   for f, s in best[:k] if threshold is None or f > threshold]
        return Match(best[0][0] if best else 0.0, nearest)

    def max_score(self, text: str) -> float:
        best = self._top(text, 1)
        return best[0][0] if best else 0.0

    def any_above(self, text: str, threshold: float) -> tuple[bool, float, Hashable | None]:
        """Whether some item scores above ``threshold``; stops at the first one found.

        Returns (True, its score, its key), or (False, best score verified, its key): that
        score is then a lower bound of :meth:`max_score` (0.0 and None if none verified).
        """
        if not threshold >= 0.0:
            raise ValueError("threshold must be a number >= 0")
        q, la, plan = self._plan(text)
        cut = threshold - SLACK
        n_scan, r = 0, sum(c for _, _, c in plan)  # query elements an item may share
        while n_scan < len(plan) and 2 * r > cut * (la + r):
            r -= plan[n_scan][2]
            n_scan += 1
        slots, bounds = self._candidates(plan[:n_scan], plan[n_scan:], r, la, threshold,
                                         False)
        best, best_slot = 0.0, -1
        for chunk in self._chunks(slots, bounds, lambda: threshold):
            lcs, lb = self._lcs(q, chunk)
            twice = 2 * lcs  # F = 2 * lcs / (la + lb), up to rounding
            for pos in np.flatnonzero(twice > cut * (la + lb)).tolist():
                f = f_from_lcs(int(lcs[pos]), la, int(lb[pos]))
                if f > threshold:
                    return True, f, self._keys[int(chunk[pos])]
            pos = int(np.argmax(twice / (la + lb)))
            f = f_from_lcs(int(lcs[pos]), la, int(lb[pos]))
            if f > best:
                best, best_slot = f, int(chunk[pos])
        return False, best, (self._keys[best_slot] if best_slot >= 0 else None)

    def _plan(self, text: str) -> tuple[str, int, Plan]:
        """The query as an id string, its length and its live tokens, rarest first."""
        vocab, df = self._vocab, self._df
        ids = [vocab.get(t, UNKNOWN) for t in self._tokens(text)]
        counts = Counter(ids)
        counts.pop(UNKNOWN, None)
        plan = sorted((df[t], t, c) for t, c in counts.items() if df[t])
        return "".join(map(chr, ids)), len(ids), plan

    def _needed(self, la: int, cutoff: float) -> np.ndarray:
        """For each length lb: the least overlap with which F could exceed ``cutoff``."""
        key = (la, cutoff, self._maxlen)
        if key not in self._tables:
            if len(self._tables) > 4096:
                self._tables.clear()
            lb = np.arange(self._maxlen + 1)
            need = np.maximum(np.floor((cutoff - SLACK) * (la + lb) / 2).astype(np.int64) + 1, 1)
            need[need > np.minimum(lb, la)] = _NEVER  # also every dead slot (length 0)
            self._tables[key] = need
        return self._tables[key]

    def _candidates(self, toks: Plan, rest: Plan, r: int, la: int, cutoff: float,
                    fresh_only: bool) -> tuple[np.ndarray, np.ndarray]:
        """Live slots in the postings of ``toks`` whose F bound reaches ``cutoff``, best first.

        ``r`` counts the query elements (of the tokens ``rest``) that were not scanned.
        """
        parts: list[array] = []
        for _, tid, c in toks:
            parts.extend([self._post[tid]] * c)
        if not parts:
            return np.empty(0, np.intp), np.empty(0)
        cat = np.frombuffer(b"".join(parts), np.int32)
        if len(parts) > 1:
            cat = np.sort(cat)
            starts = np.flatnonzero(np.concatenate(([True], cat[1:] != cat[:-1])))
            shared = np.diff(np.append(starts, len(cat)))
            cat = cat[starts]
        else:
            shared = np.ones(len(cat), np.int64)
        idx = cat.astype(np.intp)
        if fresh_only:
            new = self._stamp[idx] != self._qid
            cat, idx, shared = cat[new], idx[new], shared[new]
            self._stamp[idx] = self._qid
        need = self._needed(la, cutoff)[self._lens[idx]]
        keep = shared + r >= need
        for _, tid, c in rest:
            if np.count_nonzero(keep) <= REFINE_MIN:
                break
            cat, idx, shared, need = cat[keep], idx[keep], shared[keep], need[keep]
            post = np.frombuffer(self._post[tid], np.int32)
            at = np.searchsorted(post, cat)
            at[at == len(post)] = 0
            has = np.frombuffer(self._cnt[tid], np.uint8)[at] * (post[at] == cat)
            shared = shared + (np.minimum(has, c) if c < 255 else c * (has > 0))
            r -= c
            keep = shared + r >= need
            del post
        idx = idx[keep]
        lb = self._lens[idx]
        bound = 2.0 * np.minimum(np.minimum(shared[keep] + r, lb), la) / (la + lb)
        order = np.argsort(-bound, kind="stable")
        return idx[order], bound[order]

    @staticmethod
    def _chunks(slots: np.ndarray, bounds: np.ndarray,
                cutoff: Callable[[], float]) -> Iterator[np.ndarray]:
        """Slots in growing chunks, stopping where the bound falls below ``cutoff()``."""
        start, size, n = 0, 16, len(slots)
        while start < n:
            c = cutoff() - SLACK
            if bounds[start] <= c:
                return
            end = min(start + size, n)
            if bounds[end - 1] <= c:
                end = start + int(np.searchsorted(-bounds[start:end], -c, side="left"))
            yield slots[start:end]
            start, size = end, min(size * 4, 4096)

    def _lcs(self, q: str, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """LCS lengths of the query with each slot, and the slots' lengths."""
        seqs = self._seqs
        if len(slots) >= 32:
            lcs = process.cdist([q], [seqs[s] for s in slots.tolist()], scorer=_sim,
                                dtype=np.int64)[0]
        else:
            lcs = np.array([_sim(q, seqs[s]) for s in slots.tolist()], np.int64)
        return lcs, self._lens[slots]

    def _top(self, text: str, k: int) -> list[tuple[float, int]]:
        """The k best (score, slot) with score > 0, best first, ties by slot."""
        q, la, plan = self._plan(text)
        self._qid = self._qid % 0xFFFFFFFF + 1  # stamps mark slots seen by this query
        if self._qid == 1:
            self._stamp[:] = 0
        heap: list[tuple[float, int]] = []  # (score, -slot): heap[0] is the worst kept

        def cutoff() -> float:
            return heap[0][0] if len(heap) >= k else 0.0

        r, i, budget = sum(c for _, _, c in plan), 0, 4096
        while i < len(plan):
            if len(heap) >= k and 2 * r < (cutoff() - SLACK) * (la + r):
                break
            j, size = i, 0
            while j < len(plan) and (j == i or size + plan[j][0] <= budget):
                size += plan[j][0]
                r -= plan[j][2]
                j += 1
            slots, bounds = self._candidates(plan[i:j], plan[j:], r, la, cutoff(), True)
            for chunk in self._chunks(slots, bounds, cutoff):
                lcs, lb = self._lcs(q, chunk)
                low = cutoff() - SLACK
                for pos in np.flatnonzero(2 * lcs > low * (la + lb)).tolist():
                    f, s = f_from_lcs(int(lcs[pos]), la, int(lb[pos])), int(chunk[pos])
                    if f > 0.0 and len(heap) < k:
                        heapq.heappush(heap, (f, -s))
                    elif f > 0.0 and (f, -s) > heap[0]:
                        heapq.heapreplace(heap, (f, -s))
            i, budget = j, budget * 2
        return [(f, -ns) for f, ns in sorted(heap, reverse=True)]

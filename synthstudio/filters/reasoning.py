"""Rule-based checks of a reasoning trace (as DeepSeek-R1's rejection sampling used).

* :func:`split_reasoning` gathers thinking and answer the same way whether the thinking
  came in the backend's thinking channel or inline as ``<think>...</think>``.
* ``format``: non-empty thinking, a closed ``<think>`` block and a final answer.
* ``accuracy``: math answers are compared with math-verify (``1/2`` = ``0.5``,
  ``x = 7`` = ``7``), taking ``\\boxed{}`` or else the last number of a long answer;
  logic and word answers must match exactly after case, punctuation and articles are
  normalised.
* ``language``: share of thinking tokens not in the problem's script (CJK vs the rest).
* ``repetition``: share of repeated sentences, and a block of tokens looping at the end.
* ``length``: thinking length in words (each CJK character is a word).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass

from synthstudio.backends.thinksplit import CLOSE_TAG, OPEN_TAG, split_all
from synthstudio.filters.script import CJK_CHAR, count_words
from synthstudio.records import FilterResult
from synthstudio.similarity.minhash import tokens

#: kinds whose answers are words, compared as text
TEXT_KINDS = frozenset({"logic", "word", "text", "riddle", "multiple_choice", "choice"})
MAX_VERIFY_CHARS = 2000

_ANSWER = re.compile(r"<answer>(.*?)(?:</answer>|$)", re.DOTALL | re.IGNORECASE)
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:\s*/\s*\d+)?|-?\.\d+")


@dataclass(slots=True)
class SplitTrace:
    thinking: str = ""
    answer: str = ""
    #: a ``<think>`` was opened and never closed (format failure)
    unterminated: bool = False
    #: where the thinking came from: "native", "inline", "both" or "none"
    source: str = "none"


def split_reasoning(content: str, thinking: str = "") -> SplitTrace:
    """Thinking and final answer from a completion's content and thinking channel."""
    native = thinking.strip()
    text = content
    unterminated = text.rfind(OPEN_TAG) > text.rfind(CLOSE_TAG)
    inline = ""
    if OPEN_TAG in text or CLOSE_TAG in text:
        # a chat template may open <think> in the prompt: the output only closes it
        starts_inside = CLOSE_TAG in text and (
            OPEN_TAG not in text or text.find(CLOSE_TAG) < text.find(OPEN_TAG))
        text, inline = split_all(text, start_in_think=starts_inside)
        inline = inline.strip()
    answer = text.strip()
    found = list(_ANSWER.finditer(answer))
    if found:
        answer = found[-1].group(1).strip()
    joined = "\n\n".join(t for t in (native, inline) if t)
    source = ("both" if native and inline else "native" if native
              else "inline" if inline else "none")
    return SplitTrace(joined, answer, unterminated, source)


def export_text(thinking: str, answer: str) -> str:
    return f"<think>\n{thinking}\n</think>\n<answer>\n{answer}\n</answer>"


# -- format ---------------------------------------------------------------------------


def format_check(trace: SplitTrace, truncated: bool = False) -> FilterResult:
    problems = []
    if trace.unterminated:
        problems.append("unterminated <think>")
    if not trace.thinking.strip():
        problems.append("no thinking")
    if not trace.answer.strip():
        problems.append("no final answer")
    if truncated and problems:
        problems.append("output cut at the token limit")
    return FilterResult("format", not problems, "; ".join(problems) or "ok", "ok",
                        "; ".join(problems), {"source": trace.source})


# -- accuracy -------------------------------------------------------------------------


def last_boxed(text: str) -> str | None:
    """The content of the last ``\\boxed{...}`` (braces balanced), if any."""
    start = text.rfind("\\boxed")
    while start >= 0:
        i = text.find("{", start)
        if i >= 0 and not text[start + 6:i].strip():
            depth = 0
            for j in range(i, len(text)):
                if text[j] == "{":
                    depth += 1
                elif text[j] == "}":
                    depth -= 1
                    if depth == 0:
                        return text[i + 1:j].strip()
        start = text.rfind("\\boxed", 0, start)
    return None


def last_number(text: str) -> str | None:
    found = _NUMBER.findall(text)
    return found[-1].replace(",", "").replace(" ", "") if found else None


def final_answer(answer: str) -> str:
    """The part of an answer to grade: ``\\boxed{}``, else a short answer whole, else
    its last number."""
    boxed = last_boxed(answer)
    if boxed is not None:
        return boxed
    short = answer.strip()
    if len(short.split()) <= 6 or not _NUMBER.search(short):
        return short
    return last_number(short) or short


def normalize_text_answer(text: str) -> str:
    """Lowercase, without punctuation, articles, "answer:" prefixes or extra spaces."""
    t = unicodedata.normalize("NFKC", text).lower().strip()
    t = re.sub(r"^(?:the\s+)?(?:final\s+)?answer\s*(?:is|:)\s*", "", t)
    t = re.sub(r"\\text\{([^}]*)\}", r"\1", t)
    t = "".join(" " if unicodedata.category(c)[0] in "PS" else c for c in t)
    words = [w for w in t.split() if w not in {"the", "a", "an"}]
    return " ".join(words)


def is_math(reference: str, kind: str = "") -> bool:
    if kind.lower() in TEXT_KINDS:
        return False
    return bool(re.search(r"\d", reference))


def _timeout() -> int | None:
    # math-verify's timeout uses signal.alarm, which works only in the main thread
    return 5 if threading.current_thread() is threading.main_thread() else None


def math_equal(pred: str, reference: str) -> bool | None:
    """math-verify's verdict, or None when either side is not a math expression."""
    from math_verify import parse, verify

    t = _timeout()
    gold = parse(reference[:MAX_VERIFY_CHARS], parsing_timeout=t)  # type: ignore[arg-type]
    target = parse(pred[:MAX_VERIFY_CHARS], parsing_timeout=t)  # type: ignore[arg-type]
    if not gold or not target:
        return None
    return bool(verify(gold, target, timeout_seconds=t))


def accuracy_check(answer: str, reference: str, kind: str = "") -> FilterResult:
    """Is the final answer right? (``value`` is what was graded.)"""
    pred = final_answer(answer)
    if not pred:
        return FilterResult("accuracy", False, "", reference, "no answer")
    if is_math(reference, kind):
        verdict = math_equal(pred, reference)
        if verdict is None:  # not parseable as math: compare as text
            ok = normalize_text_answer(pred) == normalize_text_answer(reference)
            method = "exact"
        else:
            ok, method = verdict, "math-verify"
    else:
        ok = normalize_text_answer(pred) == normalize_text_answer(reference)
        if not ok:
            boxed = last_boxed(answer)
            ok = boxed is not None and normalize_text_answer(boxed) == \
                normalize_text_answer(reference)
        method = "exact"
    return FilterResult("accuracy", ok, pred[:200], reference,
                        "" if ok else f"expected {reference}", {"method": method})


# -- language -------------------------------------------------------------------------


def script_counts(text: str) -> tuple[int, int]:
    """(CJK characters, other words of two letters or more)."""
    cjk = len(CJK_CHAR.findall(text))
    other = sum(1 for t in tokens(CJK_CHAR.sub(" ", text))
                if len(t) > 1 and not t.isdigit())
    return cjk, other


def language_check(thinking: str, problem: str, max_foreign: float = 0.1) -> FilterResult:
    """Share of thinking tokens in the other script than the problem's."""
    p_cjk, p_other = script_counts(problem)
    lang = "cjk" if p_cjk > p_other else "latin"
    cjk, other = script_counts(thinking)
    total = cjk + other
    foreign = (other if lang == "cjk" else cjk) / total if total else 0.0
    ok = foreign <= max_foreign
    return FilterResult("language", ok, round(foreign, 4), max_foreign,
                        "" if ok else f"mixed languages: {foreign:.0%} of the thinking is "
                        f"not in the problem's {'CJK' if lang == 'cjk' else 'Latin'} script",
                        {"problem_script": lang, "cjk": cjk, "other": other})


# -- repetition -----------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*|\n+")


def repeated_sentence_ratio(text: str, min_tokens: int = 4) -> float:
    """Share of sentences (of ``min_tokens`` tokens or more) that repeat an earlier one."""
    seen: set[str] = set()
    total = repeats = 0
    for sent in _SENTENCE_END.split(text):
        toks = tokens(sent)
        if len(toks) < min_tokens:
            continue
        total += 1
        key = " ".join(toks)
        if key in seen:
            repeats += 1
        seen.add(key)
    return repeats / total if total else 0.0


def tail_loop(toks: list[str], max_period: int = 60, window: int = 800) -> tuple[int, int]:
    """(period, repeats) of the longest-covering block of tokens repeating at the end.

    A loop may be cut mid-block by the token limit, so the last partial block is skipped.
    """
    t = toks[-window:]
    n = len(t)
    best = (0, 1)
    for p in range(1, min(max_period, n // 2) + 1):
        for o in range(p):
            end = n - o
            if end < 2 * p:
                break
            block = t[end - p:end]
            r = 1
            while end - (r + 1) * p >= 0 and t[end - (r + 1) * p:end - r * p] == block:
                r += 1
            if r > 1 and r * p > best[0] * best[1]:
                best = (p, r)
    return best


def repetition_check(thinking: str, max_repeated: float = 0.3, min_loop_tokens: int = 24,
                     min_loop_repeats: int = 3) -> FilterResult:
    ratio = repeated_sentence_ratio(thinking)
    period, repeats = tail_loop(tokens(thinking))
    looping = repeats >= min_loop_repeats and period * repeats >= min_loop_tokens
    ok = ratio <= max_repeated and not looping
    detail = []
    if ratio > max_repeated:
        detail.append(f"{ratio:.0%} of sentences repeat")
    if looping:
        detail.append(f"ends in a loop: {period} tokens repeated {repeats} times")
    return FilterResult("repetition", ok, round(ratio, 4), max_repeated, "; ".join(detail),
                        {"loop_period": period, "loop_repeats": repeats})


# -- length ---------------------------------------------------------------------------


def length_check(thinking: str, min_words: int = 10, max_words: int = 8000) -> FilterResult:
    n = count_words(thinking)
    ok = min_words <= n <= max_words
    return FilterResult("length", ok, n, f"{min_words}..{max_words}",
                        "" if ok else ("thinking too short" if n < min_words
                                       else "thinking too long"))

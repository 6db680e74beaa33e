"""Noise filters: cheap heuristics that catch text no one should train on.

Each filter maps a text to a score (higher is noisier) and passes while the score is at
most its threshold; ``NOISE_FILTERS`` holds them by name and :func:`run_noise_filters` runs
them all. They look only at Latin-script words, markup and symbols, or at n-grams whose
unit is a word or one CJK character, so Chinese and Japanese prose is never flagged.

* ``html``: markup left over from web pages: tags of real HTML elements, comments and
  character entities, outside code blocks. Score: how many.
* ``keyboard_mash``: share of words that look mashed (plain ASCII-letter words only, so
  paths, code and notation are left alone): 6+ keys along one keyboard row (``asdfgh``),
  7+ consonants in a row, one letter 6+ times, a 3-4 letter chunk 3+ times
  (``jkljkljkl``) or a 2-letter one 5+ times. Short texts fail on one such word.
* ``repetition``: share of tokens inside a loop: a unit repeated back to back 4 or more
  times (found from n-grams that occur 4+ times; n = 3 words, 5 from 50 tokens on; twice
  as many characters when CJK dominates). A refrain between verses, table rows or list
  items that share words are structure, not a loop. 8 or more repeats fail whatever
  the share.
* ``mojibake``: U+FFFD and UTF-8 read as Latin-1/cp1252 (``Ã©``, ``â€™``, ``ä¸­``).
  Score: how many.
* ``emoji_flood``: share of emoji among non-space characters; a run of 5 or more emoji
  fails whatever the share.
* ``boilerplate``: share of lines with web boilerplate (cookie banners, "subscribe to our
  newsletter", "all rights reserved", "click here", shop calls to action).

Given the ``task`` a text answers (its instruction and input), a filter passes what the
task asked for: HTML in an answer to a coding or web task, a cookie notice when asked
for one, emoji when asked for emoji, a repeated line when asked to repeat.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache

from synthstudio.filters.task_cues import asks_for
from synthstudio.records import FilterResult

# -- html ---------------------------------------------------------------------------------
_TAGS = ("a abbr address article aside audio b blockquote body br button canvas caption "
         "center cite code col dd details div dl dt em embed fieldset figure font footer "
         "form h1 h2 h3 h4 h5 h6 head header hr html i iframe img input label li link main "
         "meta nav noscript ol option p pre s script section select small source span "
         "strong style sub summary sup svg table tbody td textarea tfoot th thead title tr "
         "u ul video").split()
_MARKUP = re.compile(
    r"</?(?:" + "|".join(_TAGS) + r")(?:\s[^<>]{0,300})?/?>"
    r"|<!--.{0,300}?-->|&(?:#\d{1,6}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});",
    re.IGNORECASE | re.DOTALL)


_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]+`", re.DOTALL)


def _html(text: str) -> tuple[float, str]:
    found = _MARKUP.findall(_CODE.sub(" ", text) if "`" in text else text)
    return float(len(found)), ", ".join(dict.fromkeys(m[:20] for m in found[:20]))


# -- keyboard mash --------------------------------------------------------------------------
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
_ROW_RUNS = {row[i:i + 6] for row in _ROWS for i in range(len(row) - 5)}
_ROW_RUNS |= {r[::-1] for r in _ROW_RUNS}
_ROW_OK = {"qwerty", "qwertz", "azerty", "ytrewq"}
_PUNCT = "\"'`.,;:!?()[]{}<>«»“”‘’*_-"
_ANY_WORD = re.compile(r"[A-Za-z]+")
_CONSONANTS = re.compile(r"[bcdfghjklmnpqrstvwxz]{7,}")
_SAME = re.compile(r"([a-z])\1{5,}")
_CHUNK = re.compile(r"([a-z]{3,4})\1{2,}|([a-z]{2})\2{4,}")


def _mashed(word: str) -> bool:
    if word.isupper():  # acronyms, shouting
        return False
    w = word.lower()
    if any(w[i:i + 6] in _ROW_RUNS for i in range(len(w) - 5)) and w not in _ROW_OK:
        return True
    return bool(_CONSONANTS.search(w) or _SAME.search(w) or _CHUNK.search(w))


#: every mashed word has a run of 6+ ASCII letters; runs are checked once each (cached,
#: so common words cost a lookup) before the word-by-word pass
_LETTER_RUN = re.compile(r"[a-z]{6,}")


@lru_cache(maxsize=65536)
def _maybe_mashed(run: str) -> bool:
    return _mashed(run)


def _keyboard_mash(text: str) -> tuple[float, str]:
    if not any(map(_maybe_mashed, _LETTER_RUN.findall(text.lower()))):
        return 0.0, ""
    words, bad = 0, []
    for tok in text.split():
        if not _ANY_WORD.search(tok):
            continue
        words += 1
        core = tok.strip(_PUNCT)
        # only plain words: paths, URLs, code and notation like "rnbqkbnr/pppppppp" are not
        if len(core) >= 5 and core.isascii() and core.isalpha() and _mashed(core):
            bad.append(core)
    return (len(bad) / words if words else 0.0), ", ".join(bad[:5])


# -- repetition ---------------------------------------------------------------------------
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


MIN_REPEATS = 4


MAX_LOOP = 8


def _loops(tokens: list[str], starts: list[int], covered: bytearray) -> int:
    """Mark the back-to-back repeats that begin at ``starts``; the most repeats seen."""
    most = 0
    for p, q in zip(starts, starts[1:], strict=False):
        if covered[q]:
            continue
        d, k, end = q - p, p, len(tokens)
        while k + d < end and tokens[k] == tokens[k + d]:
            k += 1
        repeats = (k - p + d) // d
        if repeats >= MIN_REPEATS:
            covered[p:k + d] = b"\x01" * (k + d - p)
            most = max(most, repeats)
    return most


def _gram_size(tokens: list[str], cjk: int) -> int:
    n = 3 if len(tokens) < 50 else 5
    return n * 2 if cjk * 2 > len(tokens) else n


def _looped(tokens: list[str], n: int) -> tuple[int, int, str]:
    """Tokens inside back-to-back loops of n-grams, the most repeats of one loop and its
    unit (0, 0, "" when nothing loops)."""
    # an n-gram seen MIN_REPEATS times in a loop needs n + MIN_REPEATS - 2 repeated tokens
    if len(tokens) < n + MIN_REPEATS - 1 or (
            len(tokens) - len(set(tokens)) < n + MIN_REPEATS - 2):
        return 0, 0, ""
    grams = list(zip(*(tokens[i:] for i in range(n)), strict=False))
    counts = Counter(grams)
    if counts.most_common(1)[0][1] < MIN_REPEATS:
        return 0, 0, ""
    starts: dict[tuple[str, ...], list[int]] = {}
    for i, g in enumerate(grams):
        if counts[g] >= MIN_REPEATS:
            starts.setdefault(g, []).append(i)
    covered = bytearray(len(tokens))
    worst, unit = 0, ""
    for g, where in starts.items():
        most = _loops(tokens, where, covered)
        if most > worst:
            worst, unit = most, " ".join(g)
    return sum(covered), worst, unit


def _repetition(text: str) -> tuple[float, str]:
    tokens = _TOKEN.findall(text.lower())
    cjk = 0 if text.isascii() else len(_IS_CJK.findall(text))  # a CJK character: a token
    covered, worst, unit = _looped(tokens, _gram_size(tokens, cjk))
    if not worst:
        return 0.0, ""
    share = covered / len(tokens)
    detail = f"'{unit}' x{worst} back to back"
    return (max(share, 1.0) if worst >= MAX_LOOP else share), detail


def repetition_doomed(text: str, max_tokens: int, threshold: float | None = None) -> str:
    """Why a reply that begins with ``text`` will fail ``repetition`` whatever follows
    within ``max_tokens`` model tokens ("" while it still may pass).

    More text does not undo a loop already made: a unit repeated MAX_LOOP times back to
    back fails the reply outright (score 1), and the tokens inside loops are a lower
    bound for the whole reply's; the whole reply has at most ``max_tokens`` words (a word
    is at least one model token), twice that many when CJK characters dominate (a model
    token holds at most two of them, counted one by one here). Once even that many tokens
    would leave the share above the threshold, the reply is certain to fail. Needs 50
    tokens, so that the n-gram size is the one the whole reply is checked with.
    """
    limit = NOISE_FILTERS["repetition"].threshold if threshold is None else threshold
    tokens = _TOKEN.findall(text.lower())
    if len(tokens) < 50:
        return ""
    n = _gram_size(tokens, len(_IS_CJK.findall(text)))
    covered, worst, unit = _looped(tokens, n)
    if not worst:
        return ""
    if worst >= MAX_LOOP and limit < 1.0:
        return (f"'{unit}' x{worst} back to back in repeated {n}-grams (a loop of "
                f"{MAX_LOOP} fails the reply): above {limit:g} whatever follows")
    most = max(len(tokens), max_tokens * (2 if n == 10 else 1))
    if covered / most <= limit:
        return ""
    return (f"{covered} of at most {most} tokens are in repeated {n}-grams "
            f"('{unit}' x{worst} back to back): above {limit:g} whatever follows")


# -- mojibake -----------------------------------------------------------------------------
# bytes 0x80-0xBF as Latin-1, and as cp1252 where that differs
_CONT = "\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039" \
        "\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a" \
        "\u0153\u017e\u0178"
# a 3-byte sequence's first continuation; not NBSP or guillemets (French "é\u00a0»")
_CONT_FIRST = _CONT.replace("\u0080-\u00bf", "\u0080-\u009f\u00a1-\u00aa\u00ac-\u00ba\u00bc-\u00bf")
_MOJIBAKE = re.compile(rf"\ufffd|[\u00c2\u00c3\u00c5\u00c6\u00cb][{_CONT}]"
                       rf"|[\u00e0-\u00ef][{_CONT_FIRST}][{_CONT}]|\u00ef\u00bb\u00bf")


def _mojibake(text: str) -> tuple[float, str]:
    found = _MOJIBAKE.findall(text)
    return float(len(found)), " ".join(dict.fromkeys(found[:10]))


# -- emoji ----------------------------------------------------------------------------------
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff]")
_EMOJI_GLUE = re.compile("[\ufe0f\u200d\U0001f3fb-\U0001f3ff\\s]")
MAX_EMOJI_RUN = 5


def _emoji_flood(text: str) -> tuple[float, str]:
    if not _EMOJI.search(text):
        return 0.0, ""
    bare = _EMOJI_GLUE.sub("", text)
    if not bare:
        return 0.0, ""
    flags = [bool(_EMOJI.match(ch)) for ch in bare]
    run = best = 0
    for f in flags:
        run = run + 1 if f else 0
        best = max(best, run)
    share = sum(flags) / len(flags)
    if best >= MAX_EMOJI_RUN:
        return max(share, 1.0), f"a run of {best} emoji"
    return share, f"{sum(flags)} emoji, longest run {best}" if best else ""


# -- boilerplate ----------------------------------------------------------------------------
_BOILER = re.compile("|".join([
    r"\bsubscribe to (?:our|the|my) (?:newsletter|channel|blog|mailing list|podcast)",
    r"\bsign up for (?:our|the) newsletter", r"\ball rights reserved\b",
    r"\b(?:we|this (?:web)?site|our (?:web)?site) uses? cookies\b",
    r"\baccept (?:all )?cookies\b", r"\bcookie (?:settings|preferences|consent|banner)\b",
    r"\bby (?:continuing to )?(?:use|using|browse|browsing) (?:this|our) (?:web)?site\b",
    r"\bclick here\b", r"\b(?:sign|join) up (?:now|today)\b", r"\bfollow us on\b",
    r"\blike us on facebook\b", r"\bshare (?:this|on) (?:facebook|twitter|linkedin)\b",
    r"(?:©|\(c\)|copyright)\s*(?:19|20)\d\d\b", r"\b(?:buy|order|shop) now\b",
    r"\blimited[- ]time offer\b", r"\bfree shipping\b", r"\badd to (?:cart|basket)\b",
    r"\bdon'?t miss out\b", r"\bunsubscribe\b",
    r"\b(?:proudly )?powered by (?:wordpress|shopify|wix|squarespace|blogger|discourse|"
    r"phpbb|vbulletin|jekyll|hugo|ghost|drupal|joomla|weebly|tumblr|mailchimp)\b",
    r"\bskip to (?:main )?content\b", r"\bback to top\b",
    r"\b(?:related|recent|popular) (?:posts|articles)\b", r"\bleave a (?:comment|reply)\b",
    r"\bterms and conditions apply\b", r"\bread more\s*(?:»|>>|…|\.\.\.)",
    "版权所有", "未经(?:许可|授权)不得转载", "点击这里", "关注我们", "订阅我们", "立即购买",
]), re.IGNORECASE)


#: a word every boilerplate pattern contains: texts without one are not searched
_BOILER_WORDS = ("subscri", "sign up", "rights", "cookie", "by continuing", "by us",
                 "by brows", "click", "join up", "follow us", "like us", "share ", "©", "(c)",
                 "copyright", "now", "limited", "shipping", "add to", "miss out", "powered",
                 "skip to", "back to top", "posts", "articles", "leave a", "terms", "read more",
                 "版权", "未经", "点击", "关注", "订阅", "立即")


def _boilerplate(text: str) -> tuple[float, str]:
    low = text.lower()
    if not any(map(low.__contains__, _BOILER_WORDS)):
        return 0.0, ""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return 0.0, ""
    hits = [m.group(0) for ln in lines if (m := _BOILER.search(ln))]
    return len(hits) / len(lines), ", ".join(dict.fromkeys(h.lower() for h in hits[:5]))


# -- registry -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class NoiseFilter:
    """A named noise check: ``filter(text)`` gives its :class:`FilterResult`."""

    name: str
    score: Callable[[str], tuple[float, str]]
    threshold: float
    description: str
    #: a cheap test that is False only when ``score`` would give ``(0.0, "")``
    possible: Callable[[str], bool] | None = None

    def judge(self, text: str, limit: float, task: str = "") -> tuple[bool, float, str]:
        """``(passed, score rounded to 4 places, detail)`` of ``text``: what
        :meth:`__call__` puts in its result, without building one."""
        value, detail = (0.0, "") if self.possible is not None and not self.possible(
            text) else self.score(text)
        passed = value <= limit
        if not passed and task and asks_for(task, self.name):
            passed, detail = True, f"the task asks for it ({detail})"
        return passed, round(value, 4), detail

    def __call__(self, text: str, threshold: float | None = None, task: str = "",
                 ) -> FilterResult:
        """Score ``text``; with ``task`` (what the text answers), pass what it asked for."""
        limit = self.threshold if threshold is None else float(threshold)
        passed, value, detail = self.judge(text or "", limit, task)
        return FilterResult(name=self.name, passed=passed, value=value, threshold=limit,
                            detail=detail)


def _markup_possible(text: str) -> bool:
    return "<" in text or "&" in text  # every markup pattern starts with one


def _not_ascii(text: str) -> bool:
    return not text.isascii()  # mojibake and emoji are never ASCII


NOISE_FILTERS: dict[str, NoiseFilter] = {f.name: f for f in (
    NoiseFilter("html", _html, 2, "HTML tags, comments or entities (count)", _markup_possible),
    NoiseFilter("keyboard_mash", _keyboard_mash, 0.05, "share of mashed Latin words"),
    NoiseFilter("repetition", _repetition, 0.3, "share of tokens in back-to-back loops"),
    NoiseFilter("mojibake", _mojibake, 0, "broken encoding sequences (count)", _not_ascii),
    NoiseFilter("emoji_flood", _emoji_flood, 0.1, "share of emoji characters", _not_ascii),
    NoiseFilter("boilerplate", _boilerplate, 0.2, "share of web-boilerplate lines"),
)}


def run_noise_filters(text: str, thresholds: Mapping[str, float] | None = None, *,
                      disable: Collection[str] = (),
                      task: str = "") -> list[FilterResult]:
    """Every enabled noise filter's verdict on ``text``, in registry order.

    ``thresholds`` overrides thresholds by filter name; unknown names raise ``KeyError``.
    ``task`` is what the text answers (instruction and input, or the topic): a filter
    passes noise of its kind when the task asks for it (HTML for a web page).
    """
    thresholds = dict(thresholds or {})
    unknown = (set(thresholds) | set(disable)) - set(NOISE_FILTERS)
    if unknown:
        raise KeyError(f"unknown noise filter(s): {', '.join(sorted(unknown))}")
    return [f(text, thresholds.get(name), task) for name, f in NOISE_FILTERS.items()
            if name not in disable]

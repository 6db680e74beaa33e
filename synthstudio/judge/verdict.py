"""Read a score and a reason out of a judge's reply: JSON first, then plain text.

A constrained reply is a JSON object (``{"score": 4.5, "reason": "..."}``); models
asked in plain text answer in many shapes (``4``, ``Score: 4/5``, ``Rating - 3.5 out of
5``, ``评分：4``, a JSON object inside a code fence). Whatever does not give exactly one
number from 0 to 5 is ``unscored``: :func:`parse_reply` never raises, and the caller
keeps the raw reply.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

MAX_SCORE = 5.0
_SCORE_KEYS = ("score", "rating", "grade", "评分", "分数", "得分")
_REASON_KEYS = ("reason", "explanation", "rationale", "justification", "comment", "理由")
_THINK = re.compile(r"<think>.*?</think>", re.S | re.I)
_NUM = r"(-?\d+(?:[.,]\d+)?)"
_LABELLED = re.compile(
    r"(?:score|rating|grade|评分|分数|得分)\s*\**\s*(?:is|of|[:：=\-])?\s*\**\s*" + _NUM
    + r"(\s*(?:/|out of)\s*" + _NUM + r")?", re.I)
_LEADING = re.compile(r"^\W{0,3}" + _NUM + r"(\s*(?:/|out of)\s*" + _NUM + r")?(?!\d)", re.I)
_OUT_OF = re.compile(_NUM + r"\s*(?:/|out of)\s*(5|10)(?:\.0)?\b", re.I)
_MAX_REASON = 500


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a reply said: a score (None: unscored) and one sentence of reason."""

    score: float | None
    reason: str = ""
    #: why there is no score (empty when there is one)
    problem: str = ""


def _number(text: Any) -> float | None:
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return float(text)
    if isinstance(text, str):
        m = re.fullmatch(r"\s*" + _NUM + r"(?:\s*(?:/|out of)\s*" + _NUM + r")?\s*", text)
        if m:
            return _scaled(m.group(1), m.group(2))
    return None


def _scaled(value: str, out_of: str | None) -> float | None:
    try:
        v = float(value.replace(",", "."))
        top = float(out_of.replace(",", ".")) if out_of else MAX_SCORE
    except ValueError:
        return None
    if top <= 0:
        return None
    return v if top == MAX_SCORE else v * MAX_SCORE / top


def _first_sentence(text: str) -> str:
    text = " ".join(text.split()).strip(" -*:#\"'。，：")
    m = re.search(r"(?<=[.!?。！？])\s", text)
    text = text[:m.start()] if m else text
    return text if len(text) <= _MAX_REASON else text[:_MAX_REASON - 1] + "…"


def _json_objects(text: str) -> list[dict[str, Any]]:
    """JSON objects in ``text``: the whole of it, else each one starting at a brace."""
    try:
        whole = json.loads(text)
        return [whole] if isinstance(whole, dict) else []
    except ValueError:
        pass
    found: list[dict[str, Any]] = []
    decoder = json.JSONDecoder()
    start = text.find("{")
    tries = 0
    while start != -1 and tries < 20:
        tries += 1
        try:
            obj, end = decoder.raw_decode(text, start)
        except ValueError:
            start = text.find("{", start + 1)
            continue
        if isinstance(obj, dict):
            found.append(obj)
        start = text.find("{", end)
    return found


def _from_json(obj: dict[str, Any]) -> Verdict | None:
    lowered = {str(k).strip().lower(): v for k, v in obj.items()}
    key = next((k for k in _SCORE_KEYS if k in lowered), None)
    if key is None:
        return None
    reason = next((str(lowered[k]) for k in _REASON_KEYS if k in lowered), "")
    score = _number(lowered[key])
    if score is None:
        return Verdict(None, _first_sentence(reason), f"the score {lowered[key]!r} is not a number")
    return _checked(score, _first_sentence(reason))


def _checked(score: float, reason: str) -> Verdict:
    if not 0.0 <= score <= MAX_SCORE:
        return Verdict(None, reason, f"the score {score:g} is outside 0-5")
    return Verdict(score, reason)


def parse_reply(text: str) -> Verdict:
    """The score and reason in a judge's reply; ``score`` None when there is none."""
    text = _THINK.sub("", text or "").strip()
    if not text:
        return Verdict(None, "", "the reply is empty")
    for obj in _json_objects(text):
        verdict = _from_json(obj)
        if verdict is not None:
            return verdict
    m = _LABELLED.search(text) or _LEADING.search(text) or _OUT_OF.search(text)
    if m is None:
        return Verdict(None, "", "the reply holds no score")
    score = _scaled(m.group(1), m.group(2) if m.re is _OUT_OF else m.group(3))
    if score is None:
        return Verdict(None, "", "the reply holds no score")
    rest = (text[:m.start()] + " " + text[m.end():]).strip()
    rest = re.sub(r"^(?:\W*(?:reason|explanation|理由)\s*[:：])", "", rest.lstrip(" .\n*-"),
                  flags=re.I)
    return _checked(score, _first_sentence(rest))

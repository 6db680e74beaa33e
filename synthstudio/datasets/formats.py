"""The record formats of instruction datasets, mapped to one shape: instruction + instances.

* ``alpaca``: ``{"instruction", "input"?, "output", "system"?}`` (``history`` with earlier
  turns is refused: a pool item holds one exchange).
* ``self-instruct``: the seed schema ``{"instruction", "instances": [{"input",
  "output"}], "is_classification"?, "id"?, "name"?}``.
* ``sharegpt``: ``{"conversations": [{"from": "system"|"human"|"gpt", "value"}]}``.
* ``messages``: ``{"messages": [{"role": "system"|"user"|"assistant", "content"}]}``.

A chat record must be one exchange: an optional system turn, one user turn, one
assistant turn (several exchanges are refused, never cut). An assistant turn's
``reasoning_content`` (or ``reasoning``) is kept as a ``<think>`` block before the reply.
Whatever cannot be mapped raises ``InputError`` naming the field; ``auto`` picks the
format by the keys of each record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from synthstudio.errors import InputError
from synthstudio.records import Instance, SeedTask

FORMATS = ("alpaca", "self-instruct", "sharegpt", "messages")
CHOICES = ("auto", *FORMATS)
_USER = {"human", "user"}
_ASSISTANT = {"gpt", "assistant", "chatgpt", "model", "bard", "bing"}


@dataclass(slots=True)
class Example:
    """One record as the pool can hold it."""

    format: str
    instruction: str
    instances: list[Instance] = field(default_factory=list)
    system: str = ""
    is_classification: bool | None = None
    name: str = ""
    key: str = ""


def detect(obj: Any) -> str:
    """The format of one decoded record, by its keys."""
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object, found {type(obj).__name__}")
    for key, fmt in (("conversations", "sharegpt"), ("messages", "messages"),
                     ("instances", "self-instruct"), ("instruction", "alpaca")):
        if key in obj:
            return fmt
    keys = ", ".join(list(obj)[:5]) or "none"
    raise InputError(f"is no record of a known format (keys: {keys}); expected instruction"
                     " and output, instances, conversations or messages")


def _text(obj: dict[str, Any], name: str, *, required: bool = False,
          where: str = "") -> str:
    value = obj.get(name)
    path = f"{where}.{name}" if where else name
    if value is None:
        if required:
            raise InputError("missing", field=path)
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InputError(f"must be text, not {type(value).__name__}", field=path)
    return value if isinstance(value, str) else str(value)


def _reply(turn: dict[str, Any], key: str, where: str) -> str:
    """The assistant's text, with its reasoning as a ``<think>`` block when it has one."""
    text = _text(turn, key, required=True, where=where)
    thinking = ""
    for name in ("reasoning_content", "reasoning"):
        thinking = _text(turn, name, where=where).strip()
        if thinking:
            break
    return f"<think>\n{thinking}\n</think>\n\n{text}" if thinking else text


def _alpaca(obj: dict[str, Any]) -> Example:
    instruction = _text(obj, "instruction", required=True)
    output = _text(obj, "output", required=True)
    history = obj.get("history")
    if history:
        raise InputError("holds earlier turns; a pool item holds one exchange, so this "
                         "record cannot be imported whole", field="history")
    return Example("alpaca", instruction, [Instance(_text(obj, "input"), output)],
                   system=_text(obj, "system"))


def seed_from_obj(obj: Any) -> SeedTask:
    """Validate one decoded line; raise InputError(reason, field=...) when it is bad."""
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object, found {type(obj).__name__}")
    instr = obj.get("instruction")
    if not isinstance(instr, str):
        raise InputError("missing or not a string", field="instruction")
    if not instr.strip():
        raise InputError("is empty", field="instruction")
    raw_instances = obj.get("instances", [])
    if not isinstance(raw_instances, list):
        raise InputError("must be a list of {input, output} objects", field="instances")
    instances = []
    for n, inst in enumerate(raw_instances):
        where = f"instances[{n}]"
        if not isinstance(inst, dict):
            raise InputError("must be an object with input and output", field=where)
        inp, out = inst.get("input", ""), inst.get("output")
        if inp is None:
            inp = ""
        if not isinstance(inp, str):
            raise InputError("must be a string", field=f"{where}.input")
        if not isinstance(out, str):
            raise InputError("missing or not a string", field=f"{where}.output")
        instances.append(Instance(inp, out))
    is_cls = obj.get("is_classification", False)
    if is_cls is None:
        is_cls = False
    if not isinstance(is_cls, bool | int) or is_cls not in (0, 1, True, False):
        raise InputError("must be true or false", field="is_classification")
    key, name = obj.get("id", ""), obj.get("name", "")
    if not isinstance(key, str | int) or isinstance(key, bool):
        raise InputError("must be a string", field="id")
    if not isinstance(name, str):
        raise InputError("must be a string", field="name")
    return SeedTask(instruction=instr, instances=instances, is_classification=bool(is_cls),
                    name=name, key=str(key))


def _self_instruct(obj: dict[str, Any]) -> Example:
    seed = seed_from_obj(obj)
    return Example("self-instruct", seed.instruction, seed.instances,
                   is_classification=seed.is_classification, name=seed.name, key=seed.key)


def _chat(obj: dict[str, Any], fmt: str) -> Example:
    list_key, role_key, text_key = (("conversations", "from", "value") if fmt == "sharegpt"
                                    else ("messages", "role", "content"))
    turns = obj.get(list_key)
    if not isinstance(turns, list) or not turns:
        raise InputError("must be a non-empty list of turns", field=list_key)
    system, user, reply = "", None, None
    for n, turn in enumerate(turns):
        where = f"{list_key}[{n}]"
        if not isinstance(turn, dict):
            raise InputError("must be an object", field=where)
        role = turn.get(role_key)
        if role is not None and not isinstance(role, str):  # a list or an object is no role
            raise InputError(f"{role_key} must be a string, found {type(role).__name__}",
                             field=f"{where}.{role_key}")
        if role == "system" and n == 0:
            system = _text(turn, text_key, where=where)
        elif role in _USER and user is None:
            user = _text(turn, text_key, required=True, where=where)
        elif role in _ASSISTANT and user is not None and reply is None:
            reply = _reply(turn, text_key, where)
        elif reply is not None:
            raise InputError("holds more than one exchange; a pool item holds one user turn "
                             "and one reply, so this record cannot be imported whole",
                             field=list_key)
        else:
            raise InputError(f"unexpected {role_key} {str(role)[:20]!r} here",
                             field=f"{where}.{role_key}")
    if user is None or reply is None:
        raise InputError("needs a user turn and a reply", field=list_key)
    return Example(fmt, user, [Instance("", reply)], system=system)


def check_format(fmt: str) -> None:
    if fmt not in CHOICES:
        raise InputError(f"unknown format '{fmt}'", field="format",
                         hint=f"Choose one of: {', '.join(CHOICES)}.")


def to_example(obj: Any, fmt: str = "auto") -> Example:
    """Map one decoded record; ``InputError`` (with the field) when it cannot be."""
    check_format(fmt)
    if fmt == "auto":
        fmt = detect(obj)
    elif not isinstance(obj, dict):
        raise InputError(f"expected a JSON object, found {type(obj).__name__}")
    if fmt == "alpaca":
        return _alpaca(obj)
    if fmt == "self-instruct":
        return _self_instruct(obj)
    return _chat(obj, fmt)

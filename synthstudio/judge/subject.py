"""What the judge sees of an item: an instruction, an input and a response.

Self-Instruct items with one instance are the (instruction, input, output) triple that
AlpaGasus rated; with several, every example is shown as the response. Textbook items
are the prompt that asked for them and the text; reasoning items are the problem and
the final answer (the thinking is left out: the rubric rates the answer).
"""

from __future__ import annotations

from synthstudio.records import Candidate, CandidateMeta

NONE = "(none)"


def textbook_request(meta: CandidateMeta, fallback: str = "") -> str:
    style = str(meta.get("style") or "text").strip()
    topic = str(meta.get("topic") or fallback).strip()
    audience = str(meta.get("audience") or "").strip()
    text = f"Write {'an' if style[:1].lower() in 'aeiou' else 'a'} {style}"
    text += f" about {topic}" if topic else ""
    text += f" for {audience}" if audience else ""
    return text + "."


def judged_parts(c: Candidate) -> tuple[str, str, str]:
    """``(instruction, input, response)`` of ``c`` for the rubric."""
    if c.recipe == "textbook":
        return textbook_request(c.meta, c.instruction), NONE, c.text or NONE
    if c.recipe == "reasoning":
        return c.instruction, NONE, c.answer or c.text or NONE
    if len(c.instances) == 1:
        inst = c.instances[0]
        return c.instruction, inst.input.strip() or NONE, inst.output or NONE
    if c.instances:
        examples = "\n\n".join(
            f"Example {i}\nInput: {inst.input.strip() or NONE}\nOutput: {inst.output}"
            for i, inst in enumerate(c.instances, 1))
        return c.instruction, "(each example below has its own input)", examples
    return c.instruction, NONE, c.answer or c.text or NONE

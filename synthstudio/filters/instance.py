"""Instance rules: drop bad input/output pairs; a task keeps whatever remains.

Each rule reports how many instances it dropped; the task fails (``instances``) only
when no instance survives.
"""

from __future__ import annotations

from collections import defaultdict

from synthstudio.records import FilterResult, Instance


def _ends_with_colon(s: str) -> bool:
    return s.rstrip().endswith((":", "："))


def filter_instances(instances: list[Instance]) -> tuple[list[Instance], list[FilterResult]]:
    """Apply the rules in order; return the kept instances and one result per rule."""
    dropped: dict[str, int] = defaultdict(int)
    kept: list[Instance] = []
    for inst in instances:
        i, o = inst.input.strip(), inst.output.strip()
        if not o:
            dropped["instance_empty_output"] += 1
        elif i and i == o:
            dropped["instance_input_equals_output"] += 1
        elif _ends_with_colon(o) or (i and _ends_with_colon(i)):
            dropped["instance_ends_with_colon"] += 1
        else:
            kept.append(Instance(i, o))
    # exact duplicates: keep the first
    seen: set[tuple[str, str]] = set()
    unique: list[Instance] = []
    for inst in kept:
        pair = (inst.input, inst.output)
        if pair in seen:
            dropped["instance_duplicate"] += 1
        else:
            seen.add(pair)
            unique.append(inst)
    # one input with different outputs: ambiguous, drop all of them (non-empty inputs)
    outputs: dict[str, set[str]] = defaultdict(set)
    for inst in unique:
        outputs[inst.input].add(inst.output)
    final = []
    for inst in unique:
        if inst.input and len(outputs[inst.input]) > 1:
            dropped["instance_conflicting_outputs"] += 1
        else:
            final.append(inst)
    rules = ["instance_empty_output", "instance_input_equals_output",
             "instance_ends_with_colon", "instance_duplicate", "instance_conflicting_outputs"]
    results = [FilterResult(r, True, dropped[r], "dropped",
                            f"dropped {dropped[r]}" if dropped[r] else "") for r in rules]
    results.append(FilterResult("instances", bool(final), len(final), ">= 1",
                                "" if final else "no valid instance"))
    return final, results

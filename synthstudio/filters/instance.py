"""Instance rules: drop bad input/output pairs; a task keeps whatever remains.

Each rule reports how many instances it dropped; the task fails (``instances``) only
when no instance survives. ``instance_symbols_only`` drops a pair whose input or output
has no letter at all (``}[1]{``, ``...``, ``1``) unless the task is about numbers or
symbols ("How many legs does a spider have?" "8"; "Which mark ends a question?" "?").
The dataset filters judge each pair too: an output that is a placeholder
(``<nooutput>``), a model's refusal or runs on into more tasks, and an input that is
missing or that the model cannot see (a link, "the photo below"), drop the pair.
"""

from __future__ import annotations

import re
from collections import defaultdict

from synthstudio.filters.outputs import (
    merged_instructions_filter,
    no_output_filter,
    refusal_filter,
)
from synthstudio.filters.references import missing_input_filter, unseen_content_filter
from synthstudio.records import FilterResult, Instance

_NUMERIC_TASK = re.compile(
    r"\d|\b(?:numbers?|numeric|numerals?|digits?|calculat\w*|comput\w*|sum|add|adds|"
    r"subtract|multipl\w*|divid\w*|count|how (?:many|much|old|long|far)|math\w*|"
    r"arithmetic|equation|solve|year|date|age|price|cost|percent\w*|rate|rating|score|"
    r"scale|total|average|mean|median|convert|sort|order|rank|phone|zip|times|square|root|"
    r"power|factorial|prime|fibonacci|sequence|integer|decimal|fraction|binary|hex\w*|"
    r"temperature|degrees?|distance|weight|measure\w*|quantity|amount|when|celsius|"
    r"fahrenheit|population|speed|height|length|width|area|volume|size|capacity|hours?|"
    r"minutes?|seconds?|days?|weeks?|months?|zip code|postal code)\b"
    r"|几|多少|计算|数(?![据码])|相加|加法|加上|减去|相减|减法|乘以|相乘|乘法|除以|除法|求和|求出|"
    r"求解|年份|哪一?年|排序|次方|平方|总和|平均|价格|温度|评分|打分",
    re.IGNORECASE)
_SYMBOL_TASK = re.compile(
    r"\b(?:punctuation|symbols?|brackets?|parenthes[ie]s|braces?|emoticons?|emoji\w*|"
    r"smiley|ascii|regex|regular expression|code|python|javascript|java|json|array|"
    r"tuple|dict\w*|operators?|special characters?|marks?|syntax|markdown|html|sign for|"
    r"sign of|minus|dash|hyphen|ellipsis|full stop|morse|"
    r"latex|notation)\b|标点|符号|括号|表情|代码|字符|运算符",
    re.IGNORECASE)


_QUESTION = re.compile(r"[?？]\s*$|^\s*(?:what|which|who|when|where|how)\b|多少|几|哪",
                       re.IGNORECASE)


def ends_with_colon(s: str) -> bool:
    return s.rstrip().endswith((":", "："))


def symbols_only(text: str, instruction: str, input: str = "") -> bool:
    """Whether ``text`` has no letter and the task gives no reason for that: digits
    need a task about numbers, a question, or an ``input`` that holds the number (an
    option picked by its label); bare punctuation needs a task about symbols or code."""
    s = text.strip()
    if not s or any(ch.isalpha() for ch in s):
        return False
    if any(ch.isdigit() for ch in s):  # a question may be answered with a number
        return not (_NUMERIC_TASK.search(instruction) or _SYMBOL_TASK.search(instruction)
                    or _QUESTION.search(instruction)
                    or (input and re.search(rf"(?<!\d){re.escape(s)}(?!\d)", input)))
    return not _SYMBOL_TASK.search(instruction)


def filter_instances(instances: list[Instance], instruction: str = "",
                     ) -> tuple[list[Instance], list[FilterResult]]:
    """Apply the rules in order; return the kept instances and one result per rule.

    ``instruction`` is the task's text; the symbols-only rule needs it to tell a numeric
    or symbol task from a junk instance.
    """
    dropped: dict[str, int] = defaultdict(int)
    kept: list[Instance] = []
    for inst in instances:
        i, o = inst.input.strip(), inst.output.strip()
        if not o or not no_output_filter(o, instruction).passed:
            dropped["instance_empty_output"] += 1
        elif i and i == o:
            dropped["instance_input_equals_output"] += 1
        elif ends_with_colon(o) or (i and ends_with_colon(i)):
            dropped["instance_ends_with_colon"] += 1
        elif symbols_only(o, instruction, i) or symbols_only(i, instruction):
            dropped["instance_symbols_only"] += 1
        elif not refusal_filter(o).passed:
            dropped["instance_refusal"] += 1
        elif not merged_instructions_filter(o).passed:
            dropped["instance_merged_instructions"] += 1
        elif not missing_input_filter(instruction, i).passed:
            dropped["instance_missing_input"] += 1
        elif not unseen_content_filter(instruction, i, input_only=True).passed:
            dropped["instance_unseen_content"] += 1
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
             "instance_ends_with_colon", "instance_symbols_only", "instance_refusal",
             "instance_merged_instructions", "instance_missing_input",
             "instance_unseen_content", "instance_duplicate", "instance_conflicting_outputs"]
    results = [FilterResult(r, True, dropped[r], "dropped",
                            f"dropped {dropped[r]}" if dropped[r] else "") for r in rules]
    results.append(FilterResult("instances", bool(final), len(final), ">= 1",
                                "" if final else "no valid instance"))
    return final, results

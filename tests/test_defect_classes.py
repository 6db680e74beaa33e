"""The labelled defect examples: each class caught at >= 90 %, < 3 % false alarms.

tests/data/defects/*.jsonl hold records written for this project (English and Chinese):
each has ``instruction``, ``input``, ``output`` and a ``label``: the defect class, or
``clean`` for a record that resembles a defect but is fine. A defect counts as caught
only when the filter of its class fails it; a clean record is a false alarm when any
filter fails it.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from synthstudio.filters.dataset import check_record

DATA = Path(__file__).parent / "data" / "defects"
#: label -> the filter that must catch it
FILTER_OF = {"symbols_only": "instance_symbols_only"}
MIN_CAUGHT = 0.90
MAX_FALSE_ALARMS = 0.03


def _records() -> list[dict[str, str]]:
    out = []
    for path in sorted(DATA.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                rec = json.loads(line)
                rec["where"] = f"{path.name}:{n}"
                out.append(rec)
    return out


RECORDS = _records()
CLASSES = sorted({r["label"] for r in RECORDS} - {"clean"})


def test_every_class_has_english_and_chinese_examples_and_near_misses():
    def chinese(r):
        return any("\u4e00" <= ch <= "\u9fff" for ch in r["instruction"])

    for label in ("unseen_content", "merged_instructions", "no_output", "refusal",
                  "input_placeholder", "non_text_output", "missing_input", "symbols_only"):
        mine = [r for r in RECORDS if r["label"] == label]
        assert sum(map(chinese, mine)) >= 5 and sum(not chinese(r) for r in mine) >= 5, label
        path = DATA / f"{label}.jsonl"
        assert sum(1 for r in RECORDS if r["where"].startswith(path.name)
                   and r["label"] == "clean") >= 8, label
    assert sum(r["label"] == "clean" for r in RECORDS) >= 150


@pytest.mark.parametrize("label", CLASSES)
def test_each_class_is_caught(label):
    name = FILTER_OF.get(label, label)
    mine = [r for r in RECORDS if r["label"] == label]
    missed = [r["where"] for r in mine
              if name not in check_record(r["instruction"], r["input"], r["output"]).failed]
    assert 1 - len(missed) / len(mine) >= MIN_CAUGHT, missed


def test_clean_records_rarely_fail():
    alarms: Counter[str] = Counter()
    clean = [r for r in RECORDS if r["label"] == "clean"]
    for r in clean:
        for name in check_record(r["instruction"], r["input"], r["output"]).failed:
            alarms[f"{r['where']} {name}"] += 1
    assert len({k.split()[0] for k in alarms}) / len(clean) < MAX_FALSE_ALARMS, alarms

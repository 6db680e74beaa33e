"""check_record: one verdict per instruction-data record, with stable score types."""

from __future__ import annotations

import pytest

from synthstudio.filters.dataset import check_record
from synthstudio.filters.placeholder import normalise_input


def test_clean_record_passes_with_a_score_per_filter():
    v = check_record("Give three tips for staying healthy.", "",
                     "1. Eat well.\n2. Sleep enough.\n3. Move every day.")
    assert v.passed and v.failed == []
    assert {"bad_start", "input_placeholder", "html", "repetition"} <= set(v.scores)


def test_score_types_are_the_same_for_every_record():
    a = check_record("Give three tips for staying healthy.", "", "Eat well and sleep.")
    b = check_record("<b>x</b>", "<noinput>", "<p>a</p><p>b</p><br/>" * 3)
    assert not b.passed
    assert a.scores.keys() == b.scores.keys()
    for k in a.scores:
        assert type(a.scores[k]) is type(b.scores[k]), k


def test_failed_names_match_results():
    v = check_record("Translate the sentence into French.", "No input", "")
    assert "input_placeholder" in v.failed
    assert v.failed == [r.name for r in v.results if not r.passed]
    assert not v.passed


@pytest.mark.parametrize("text", ["<noinput>", "No input", "No input.", "N/A", "(none)",
                                  "<No Input>", "无输入", "无", "none", "—", "..."])
def test_normalise_input_empties_placeholders(text):
    assert normalise_input(text) == ""


@pytest.mark.parametrize("text", ["No", "None of the above is true.", "Nothing else matters",
                                  "The input is empty", "null pointer", "没有人知道"])
def test_normalise_input_keeps_real_inputs(text):
    assert normalise_input(f"  {text} ") == text


def test_disable_leaves_a_filter_out():
    v = check_record("Say good morning in French.", "No input", "Bonjour.",
                     disable=["input_placeholder"])
    assert v.passed and "input_placeholder" not in v.scores


def test_generation_rules_only_on_request():
    from synthstudio.config.settings import Settings

    record = ("Plot the file sizes.", "", "Use a bar chart with one bar per file.")
    plain = check_record(*record)
    assert "blacklist" not in plain.scores and "words" not in plain.scores
    strict = check_record(*record, settings=Settings(check={"generation_rules": True}))
    assert "blacklist" in strict.failed and strict.scores["words"] == 4.0


def test_settings_can_disable_filters():
    from synthstudio.config.settings import Settings

    v = check_record("Name a colour.", "", "", settings=Settings(check={"disable": ["no_output"]}))
    assert "no_output" not in v.scores and v.passed


def test_records_in_other_languages_start_as_they_should():
    for instruction in ("¿Qué hora es?", "Écris un poème sur la mer.",
                        "“春眠不觉晓”的下一句是什么？"):
        assert "bad_start" not in check_record(instruction, "", "Una respuesta.").failed
    assert "bad_start" in check_record("- Explain tides.", "", "Tides are...").failed

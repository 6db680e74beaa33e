"""Settings from defaults, the TOML file and the environment; bad values named."""

from __future__ import annotations

import pytest

from synthstudio.config import Settings, load_settings, save_settings
from synthstudio.errors import ConfigError


def test_defaults_follow_the_paper(tmp_path):
    s = load_settings(tmp_path / "none.toml")
    assert s.self_instruct.rouge_threshold == 0.7
    assert (s.self_instruct.human_tasks, s.self_instruct.machine_tasks) == (6, 2)
    assert "go to" in s.blacklist and s.backend == "auto"


def test_file_then_env(tmp_path, monkeypatch):
    f = tmp_path / "c.toml"
    f.write_text('temperature = 0.3\nmodel = "qwen3:8b"\n[self_instruct]\n'
                 'extra_blacklist = ["spreadsheet"]\n', encoding="utf-8")
    monkeypatch.setenv("SYNTHSTUDIO_MODEL", "llama3.2")
    s = load_settings(f)
    assert s.temperature == 0.3 and s.model == "llama3.2"
    assert s.blacklist[-1] == "spreadsheet"


@pytest.mark.parametrize("text, field", [
    ("temperature = 9", "temperature"),
    ('backend = "cloud"', "backend"),
    ("[self_instruct]\nrouge_threshold = 1.5", "self_instruct.rouge_threshold"),
])
def test_bad_values_name_the_field(tmp_path, text, field):
    f = tmp_path / "c.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(f)
    assert info.value.field == field and str(f) in str(info.value)


def test_bad_toml_names_the_file(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("temperature = = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(f)


def test_save_round_trip_writes_only_changes(tmp_path):
    s = Settings()
    s.theme = "synthstudio-light"
    s.keys = {"accept": "a,enter"}
    s.self_instruct.rouge_threshold = 0.65
    path = save_settings(s, tmp_path / "sub" / "c.toml")
    text = path.read_text(encoding="utf-8")
    assert "temperature" not in text
    again = load_settings(path)
    assert again.theme == "synthstudio-light" and again.keys == {"accept": "a,enter"}
    assert again.self_instruct.rouge_threshold == 0.65

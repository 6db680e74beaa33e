"""Settings from defaults, the TOML file and the environment; bad values named."""

from __future__ import annotations

import pytest

from synthstudio.config.settings import Settings, load_settings, save_settings
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
    ('[textbook]\naudiences = ["toddlers"]', "textbook.audiences.0"),
    ("[textbook]\nnoise_thresholds = {nope = 1}", "textbook.noise_thresholds"),
    ("[textbook]\nmin_words = {essay = 20}", "textbook.min_words"),
    ('[textbook]\nmax_words = {story = "many"}', "textbook.max_words.story"),
    ("[reasoning]\nsamples = 0", "reasoning.samples"),
    ("count = 0", "count"),
])
def test_bad_values_name_the_field(tmp_path, text, field):
    f = tmp_path / "c.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(f)
    assert info.value.field == field and str(f) in str(info.value)


def test_word_bounds_are_keyed_by_style(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("[textbook]\nmin_words = {story = 20}\nmax_words = {blog = 99}\n",
                 encoding="utf-8")
    assert load_settings(f).textbook.lengths() == {
        "textbook": (250, 3000), "story": (20, 2500), "howto": (150, 2500), "blog": (150, 99)}
    f.write_text("[textbook]\nmax_words = {essay = 20}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(f)
    # the table is named and the wrong key in it, as a sentence a person can act on
    assert info.value.full() == (
        f"{f}, field 'textbook.max_words': 'essay' is not a valid key here: Input should "
        "be 'textbook', 'story', 'howto' or 'blog'. Fix the value or remove it to use "
        "the default.")


def test_bad_toml_names_the_file(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("temperature = = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(f)


def test_a_config_file_that_is_not_utf8_is_named_with_its_line(tmp_path):
    f = tmp_path / "c.toml"
    f.write_bytes(b'model = "a"\ntheme = "\xff"\n')
    with pytest.raises(ConfigError, match=r"c.toml, line 2: is not valid UTF-8$"):
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


def test_old_recipes_tables_still_load(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('[recipes.studio]\ncount = 25\n[recipes.textbook]\nmode = "all_audiences"\n'
                 '[recipes.reasoning]\nsamples = 2\n', encoding="utf-8")
    s = load_settings(f)
    assert (s.count, s.textbook.mode, s.reasoning.samples) == (25, "all_audiences", 2)
    save_settings(s, f)
    text = f.read_text(encoding="utf-8")
    assert "recipes" not in text and "[textbook]" in text
    assert load_settings(f).model_dump() == s.model_dump()


def test_save_keeps_comments_and_unknown_keys_and_drops_defaults(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("# my settings\ntemperature = 0.3  # cooler\nmy_note = 1\n"
                 "[textbook]\n# keep this\nmax_tokens = 1000\n", encoding="utf-8")
    s = load_settings(f)
    s.temperature = 0.7  # back to the default: removed from the file
    s.count = 3
    s.textbook.mode = "all_audiences"
    s.reasoning.samples = 2
    save_settings(s, f)
    text = f.read_text(encoding="utf-8")
    assert "# my settings" in text and "# keep this" in text and "my_note = 1" in text
    assert "temperature" not in text
    again = load_settings(f)
    assert (again.count, again.textbook.mode, again.textbook.max_tokens,
            again.reasoning.samples) == (3, "all_audiences", 1000, 2)


def test_every_setting_has_a_docstring():
    """As posting does: each field says what it is for (shown to people who configure)."""
    import ast
    import inspect

    from synthstudio.config import recipes as recipe_settings
    from synthstudio.config import settings as config

    for module in (config, recipe_settings):
        tree = ast.parse(inspect.getsource(module))
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            body = cls.body
            for i, node in enumerate(body):
                if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                        and node.target.id != "model_config":
                    nxt = body[i + 1] if i + 1 < len(body) else None
                    documented = isinstance(nxt, ast.Expr) and isinstance(
                        getattr(nxt, "value", None), ast.Constant)
                    assert documented, f"{cls.name}.{node.target.id} has no docstring"


def test_choices_match_the_registries():
    from synthstudio.config.choices import NOISE_FILTER_NAMES, RECIPE_CHOICES
    from synthstudio.filters.noise import NOISE_FILTERS
    from synthstudio.recipes import RECIPES

    assert set(NOISE_FILTER_NAMES) == set(NOISE_FILTERS)
    assert set(RECIPE_CHOICES) == set(RECIPES)


def test_the_judge_backend_is_empty_or_a_backend():
    from typing import get_args

    from synthstudio.config.choices import BACKEND_CHOICES, JudgeBackendName
    from synthstudio.config.settings import JudgeSettings

    assert get_args(JudgeBackendName) == ("", *BACKEND_CHOICES)
    assert JudgeSettings(backend="").backend == ""
    assert JudgeSettings(backend="embedded").backend == "embedded"
    with pytest.raises(ValueError, match="'', 'auto', 'ollama', 'openai' or 'embedded'"):
        JudgeSettings(backend="nope")

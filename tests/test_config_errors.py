"""Configuration and arguments: a bad environment variable, config key or flag is named in
one sentence, never a traceback (issue 15)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from synthstudio.cli import main
from synthstudio.config.settings import load_settings
from synthstudio.errors import ConfigError

pytestmark = pytest.mark.timeout(60)


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture
def nothing_running(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHSTUDIO_OLLAMA_HOST", dead_url())
    monkeypatch.setenv("SYNTHSTUDIO_OPENAI_BASE_URL", dead_url() + "/v1")


@pytest.mark.parametrize("var, value", [
    ("SYNTHSTUDIO_KEYS", "garbage"),
    ("SYNTHSTUDIO_SELF_INSTRUCT", "rouge_threshold=0.5"),
    ("SYNTHSTUDIO_TEXTBOOK", "[oops"),
    ("SYNTHSTUDIO_TEMPERATURE", "hot"),
    ("SYNTHSTUDIO_TEXTBOOK__MAX_TOKENS", "many"),
])
def test_a_bad_environment_variable_is_named(monkeypatch, tmp_path, var, value):
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path / "absent.toml")
    assert var in str(info.value) and "absent.toml" not in str(info.value)


def test_generate_blames_the_variable_not_a_missing_file(monkeypatch, capsys):
    monkeypatch.setenv("SYNTHSTUDIO_TEMPERATURE", "hot")
    assert main(["generate", "--count", "1"]) == 1
    err = capsys.readouterr().err
    assert "environment variable SYNTHSTUDIO_TEMPERATURE" in err
    assert "config.toml" not in err and "Traceback" not in err


@pytest.mark.parametrize("var, value", [("SYNTHSTUDIO_TEMPERATURE", "hot"),
                                        ("SYNTHSTUDIO_KEYS", "garbage")])
def test_doctor_names_the_variable_and_still_reports(nothing_running, monkeypatch, capsys,
                                                     var, value):
    monkeypatch.setenv(var, value)
    assert main(["doctor", "--quick"]) == 0  # the defaults (auto: embedded) still work
    out = capsys.readouterr().out
    assert var in out and "embedded" in out


def test_unknown_config_keys_are_warned_with_the_closest_key(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('temprature = 0.3\nbakend = "ollama"\nmy_note = 1\n'
                 '[self_instruct]\nrouge_treshold = 0.5\n[textbook]\nmode = "even"\n',
                 encoding="utf-8")
    warnings: list[str] = []
    s = load_settings(f, warnings=warnings)
    assert s.temperature == 0.7  # ignored, as before
    assert any("'temprature'" in w and "'temperature'" in w for w in warnings)
    assert any("'bakend'" in w and "'backend'" in w for w in warnings)
    assert any("'self_instruct.rouge_treshold'" in w
               and "'self_instruct.rouge_threshold'" in w for w in warnings)
    assert any("'my_note'" in w and "did you mean" not in w for w in warnings)
    assert len(warnings) == 4 and all(str(f) in w for w in warnings)


def test_commands_warn_about_unknown_keys_on_stderr(nothing_running, capsys):
    cfg = Path(__import__("os").environ["SYNTHSTUDIO_CONFIG"])
    cfg.write_text("rouge_treshold = 0.5\n", encoding="utf-8")
    assert main(["doctor", "--quick", "--json"]) == 0
    captured = capsys.readouterr()
    json.loads(captured.out)  # stdout stays machine-readable
    assert "'rouge_treshold'" in captured.err and "warning" in captured.err
    assert "did you mean 'self_instruct.rouge_threshold'" in captured.err


@pytest.mark.parametrize("value", ["99", "-5", "nan", "inf"])
def test_cli_temperature_follows_the_config_rules(value, capsys):
    assert main(["generate", "--count", "1", "--temperature", value]) == 1
    err = capsys.readouterr().err
    assert "--temperature" in err and "Traceback" not in err


def test_max_requests_below_one_names_the_flag(capsys):
    assert main(["generate", "--count", "1", "--max-requests", "-1"]) == 1
    err = capsys.readouterr().err
    assert "--max-requests" in err and "filter" not in err


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_db_path_is_refused(value, capsys):
    default = Path(__import__("os").environ["SYNTHSTUDIO_DB"])
    assert main(["pool", "stats", "--db", value]) == 1
    assert "--db" in capsys.readouterr().err
    assert not default.exists()  # the default pool was not opened


def test_doctor_exits_1_when_the_configured_backend_is_broken(nothing_running, monkeypatch,
                                                              capsys):
    monkeypatch.setenv("SYNTHSTUDIO_BACKEND", "openai")
    assert main(["doctor", "--quick"]) == 1
    assert "OpenAI-compatible" in capsys.readouterr().out
    assert main(["doctor", "--quick", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["usable"] is False


async def test_the_studio_shows_unknown_config_keys_as_notifications(tmp_path, pool):
    from synthstudio.config.settings import Settings
    from synthstudio.tui.app import SynthStudio
    from tests.fakes import ScriptedBackend
    from tests.tui_kit import replies

    line = "c.toml: unknown setting 'temprature' is ignored; did you mean 'temperature'?"
    app = SynthStudio(pool=pool, settings=Settings(), config_path=tmp_path / "c.toml",
                      backend=ScriptedBackend(default=replies()), config_warnings=[line])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.1)
        assert any(n.message == line and n.severity == "warning" for n in app._notifications)

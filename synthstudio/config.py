"""Settings: defaults, then the TOML config file, then ``SYNTHSTUDIO_*`` environment variables.

The config file lives at ``$SYNTHSTUDIO_CONFIG`` or ``config.toml`` in the user config dir;
the studio writes back what a person changes in its settings screen.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import BaseModel, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from synthstudio.errors import ConfigError

DEFAULT_BLACKLIST = [
    "image", "images", "graph", "graphs", "picture", "pictures", "file", "files",
    "map", "maps", "draw", "plot", "go to",
]


class SelfInstructSettings(BaseModel):
    """Knobs of the Self-Instruct recipe (defaults follow the paper)."""

    rouge_threshold: float = Field(0.7, ge=0.0, le=1.0)
    """Reject an instruction whose ROUGE-L F-measure with any pool instruction exceeds this."""
    min_words: int = Field(4, ge=0)
    """Reject instructions with fewer words (the paper rejects 3 words or fewer)."""
    max_words: int = Field(150, ge=1)
    """Reject instructions with more words than this."""
    blacklist: list[str] = Field(default_factory=lambda: list(DEFAULT_BLACKLIST))
    """Words and phrases a text model cannot act on; matched as whole words, any case."""
    extra_blacklist: list[str] = Field(default_factory=list)
    """Words added to the blacklist without replacing the defaults."""
    reject_non_ascii_start: bool = True
    """Reject instructions that start with a non-ASCII character, as the paper does, except
    CJK letters (so Chinese instructions pass). Punctuation and symbols at the start are
    always rejected."""
    structured: str = Field("auto", pattern="^(auto|on|off)$")
    """Ask the model for JSON-schema constrained answers for classification and instances:
    auto (only for the tiny embedded model), on, off (plain text, as in the paper)."""
    max_requests_per_item: int = Field(12, ge=1)
    """A headless run gives up after this many instruction requests per wanted item."""
    human_tasks: int = Field(6, ge=0)
    """Seed tasks in each instruction-generation prompt."""
    machine_tasks: int = Field(2, ge=0)
    """Accepted machine tasks in each prompt (seeds fill in while there are fewer)."""
    max_instances: int = Field(5, ge=1)
    """Instances kept per generated task."""
    request_tokens: int = Field(512, ge=16)
    """Token limit of one instruction-generation request."""
    instance_tokens: int = Field(384, ge=16)
    """Token limit of one instance-generation request."""


class Settings(BaseSettings):
    """Everything a person can set; each field can also come from ``SYNTHSTUDIO_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="SYNTHSTUDIO_", env_nested_delimiter="__",
                                      extra="ignore")

    backend: str = Field("auto", pattern="^(auto|ollama|openai|embedded)$")
    """Which model server: auto (Ollama if it answers, else embedded), ollama, openai,
    embedded."""
    model: str = ""
    """Model name; empty means the backend's default (the embedded model, or the first
    Ollama model installed)."""
    ollama_host: str = ""
    """Ollama URL; empty means $OLLAMA_HOST or http://127.0.0.1:11434."""
    openai_base_url: str = "http://127.0.0.1:8000/v1"
    """Base URL of an OpenAI-compatible server (vLLM, llama.cpp server, LM Studio, TGI)."""
    openai_api_key: str = ""
    """API key for the OpenAI-compatible server, if it needs one."""
    embedded_model_path: str = ""
    """A GGUF file for the embedded backend; empty means the bundled SmolLM2-135M."""
    connect_timeout: float = Field(5.0, gt=0)
    """Seconds to wait for a connection to a model server."""
    read_timeout: float = Field(600.0, gt=0)
    """Seconds to wait for the next chunk of a stream (long enough for a model to load)."""
    concurrency: int | None = Field(None, ge=0, le=1024)
    """Requests kept in flight at once; empty or 0 means the backend's default (1 for the
    embedded model, 4 for Ollama, 8 for an OpenAI-compatible server such as vLLM)."""
    temperature: float = Field(0.7, ge=0.0, le=2.0)
    """Sampling temperature."""
    top_p: float = Field(0.95, gt=0.0, le=1.0)
    """Nucleus sampling."""
    seed: int | None = None
    """Random seed for sampling prompts and the model; empty means a fresh one per run."""
    think: bool | None = None
    """Ask thinking models to think (None: the model's default)."""
    keep_alive: str = "10m"
    """How long Ollama keeps the model loaded after a request."""
    recipe: str = "self-instruct"
    """The recipe the studio opens with."""
    theme: str = "synthstudio-dark"
    """The studio's theme."""
    keys: dict[str, str] = Field(default_factory=dict)
    """Key remapping: binding id to keys, e.g. {"accept" = "a,enter"}."""
    self_instruct: SelfInstructSettings = Field(default_factory=lambda: SelfInstructSettings())
    """Self-Instruct recipe settings."""
    recipes: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Settings of the other recipes, by recipe name."""

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings,  # type: ignore[no-untyped-def, override]
                                   dotenv_settings, file_secret_settings):
        # the environment overrides the config file (passed in as init values)
        return env_settings, init_settings

    @property
    def blacklist(self) -> list[str]:
        return [*self.self_instruct.blacklist, *self.self_instruct.extra_blacklist]


#: requests in flight when ``concurrency`` is not set, by backend
DEFAULT_CONCURRENCY = {"embedded": 1, "ollama": 4, "openai": 8}


def concurrency_for(settings: Settings, backend: str) -> int:
    """The requests to keep in flight against ``backend`` (the setting, else its default)."""
    return settings.concurrency or DEFAULT_CONCURRENCY.get(backend, 1)


def default_config_path() -> Path:
    env = os.environ.get("SYNTHSTUDIO_CONFIG")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir("synthstudio")) / "config.toml"


def load_settings(path: Path | None = None) -> Settings:
    """Read the config file (if any) and the environment; bad values raise ConfigError."""
    path = path or default_config_path()
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"not valid TOML ({exc})", path=str(path),
                              hint="Fix the file or delete it to start from defaults.") from exc
        except OSError as exc:
            raise ConfigError(f"cannot be read ({exc.strerror})", path=str(path)) from exc
    try:
        return Settings(**data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise ConfigError(err["msg"], path=str(path), field=field,
                          hint="Fix the value or remove it to use the default.") from exc


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f'"{k}" = {_toml_value(x)}' for k, x in v.items()) + "}"
    raise TypeError(type(v))


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write the settings that differ from the defaults, atomically."""
    path = path or default_config_path()
    defaults = Settings.model_construct()
    lines: list[str] = []
    tables: list[str] = []
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if isinstance(value, BaseModel):
            sub = value.model_dump()
            base = getattr(defaults, name).model_dump() if isinstance(
                getattr(defaults, name, None), BaseModel) else {}
            changed = {k: v for k, v in sub.items() if v != base.get(k) and v is not None}
            if changed:
                tables.append(f"\n[{name}]")
                tables += [f"{k} = {_toml_value(v)}" for k, v in changed.items()]
            continue
        if value is None or value == getattr(defaults, name, None):
            continue
        lines.append(f"{name} = {_toml_value(value)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text("\n".join(lines + tables) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path

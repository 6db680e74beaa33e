"""Settings: defaults, then the TOML config file, then ``SYNTHSTUDIO_*`` environment variables.

The config file lives at ``$SYNTHSTUDIO_CONFIG`` or ``config.toml`` in the user config dir;
the studio writes back what a person changes in its settings screen.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import BaseModel, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from synthstudio.boundary.files import atomic_writer, read_text
from synthstudio.config.choices import BackendName, JudgeBackendName, RecipeName
from synthstudio.config.recipes import ReasoningSettings, SelfInstructSettings, TextbookSettings
from synthstudio.errors import ConfigError, InputError

#: how many items the studio asks a run for when the config sets none
DEFAULT_COUNT = 10
#: every setting can also come from ``SYNTHSTUDIO_<NAME>`` (``__`` between nested names)
ENV_PREFIX = "SYNTHSTUDIO_"
#: the table of recipe settings in config files written before typed settings
LEGACY_TABLE = "recipes"



class CheckSettings(BaseModel):
    """Which filters ``synthstudio check`` and ``synthstudio import`` run on a record."""

    generation_rules: bool = False
    """Also apply the Self-Instruct rules meant for a newly generated instruction (word
    count, blacklist, "Write a program") to existing records."""
    disable: list[str] = Field(default_factory=list)
    """Filter names to leave out of the verdict, e.g. ["html", "repetition"]."""


class JudgeSettings(BaseModel):
    """A model that rates each item, AlpaGasus-style; its server may differ from the
    generator's (a small local model generates, a larger one on a vLLM server judges)."""

    enabled: bool = False
    """Rate every new candidate in the studio (``synthstudio judge`` works either way)."""
    backend: JudgeBackendName = ""
    """The judge's model server: empty means the generator's (``backend``); else auto,
    ollama, openai or embedded."""
    model: str = ""
    """The judge's model; empty means the generator's ``model`` when the server is the
    same, else the server's default."""
    host: str = ""
    """Ollama URL of the judge; empty means ``ollama_host``."""
    base_url: str = ""
    """OpenAI-compatible base URL of the judge (e.g. a vLLM server); empty means
    ``openai_base_url``."""
    api_key: str = ""
    """API key of the judge's OpenAI-compatible server; empty means ``openai_api_key``."""
    threshold: float = Field(4.5, ge=0.0, le=5.0)
    """An item passes the judge with a score at or above this (AlpaGasus kept 4.5 and up)."""
    gate: bool = False
    """Make the judge a filter: an item below the threshold does not pass (``A`` in the
    studio accepts only what the judge passed)."""
    concurrency: int = Field(4, ge=1, le=256)
    """Requests a judge pass keeps in flight at once."""
    rubric: str = ""
    """A rubric template file; empty means the ``judge_rubric`` prompt (a copy in the
    user's prompt directory wins). Placeholders: {instruction}, {input}, {response}."""
    structured: bool = True
    """Ask for JSON-schema constrained replies (Ollama ``format``, OpenAI
    ``response_format``, llama.cpp JSON schema); off: plain text, parsed leniently."""
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    """Sampling temperature of the judge (0: the same item gets the same score)."""
    max_tokens: int = Field(256, ge=16)
    """Token limit of one judge reply."""


class Settings(BaseSettings):
    """Everything a person can set; each field can also come from ``SYNTHSTUDIO_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__",
                                      extra="ignore")

    backend: BackendName = "auto"
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
    check_timeout: float = Field(5.0, gt=0)
    """Seconds a model server has to answer a quick question (Ollama's version, the
    OpenAI-compatible server's model list): asked before a run starts, so a server that
    accepts connections but never answers is reported at once, not after read_timeout."""
    headers_timeout: float = Field(600.0, gt=0)
    """Seconds to wait for a server to start answering a chat request (its response
    headers). vLLM answers at once; Ollama and LM Studio only once the model is loaded."""
    read_timeout: float = Field(600.0, gt=0)
    """Seconds to wait for the first token of an answer (long enough for a big model to
    load from a slow disk and read the prompt)."""
    stall_timeout: float = Field(120.0, gt=0)
    """Seconds without a new chunk, once tokens flow, before a stream counts as stuck
    (never more than read_timeout)."""
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
    recipe: RecipeName = "self-instruct"
    """The recipe the studio opens with."""
    count: int = Field(DEFAULT_COUNT, ge=1)
    """How many items that pass the filters one studio run asks for."""
    theme: str = "synthstudio-dark"
    """The studio's theme."""
    keys: dict[str, str] = Field(default_factory=dict)
    """Key remapping: binding id to keys, e.g. {"accept" = "a,enter"}."""
    self_instruct: SelfInstructSettings = Field(default_factory=lambda: SelfInstructSettings())
    """Self-Instruct recipe settings."""
    textbook: TextbookSettings = Field(default_factory=lambda: TextbookSettings())
    """Textbook recipe settings."""
    reasoning: ReasoningSettings = Field(default_factory=lambda: ReasoningSettings())
    """Reasoning recipe settings."""
    check: CheckSettings = Field(default_factory=lambda: CheckSettings())
    """Filters run by ``check`` and ``import`` on existing records."""
    judge: JudgeSettings = Field(default_factory=lambda: JudgeSettings())
    """The judge: a model that rates items 0-5 (``[judge]`` in the config file)."""

    @model_validator(mode="before")
    @classmethod
    def _old_recipes_table(cls, data: Any) -> Any:
        """Read the ``[recipes.*]`` tables of config files written before typed settings."""
        if not isinstance(data, dict) or "recipes" not in data:
            return data
        data = dict(data)
        old = data.pop("recipes") or {}
        if not isinstance(old, dict):
            return data
        for name in ("textbook", "reasoning"):
            if isinstance(old.get(name), dict):
                data.setdefault(name, old[name])
        studio = old.get("studio")
        if isinstance(studio, dict) and "count" in studio:
            data.setdefault("count", studio["count"])
        return data

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings,  # type: ignore[no-untyped-def, override]
                                   dotenv_settings, file_secret_settings):
        # the environment overrides the config file (passed in as init values)
        return env_settings, init_settings

    def override(self, field: str, value: Any, flag: str) -> None:
        """Set ``field`` from a command-line ``flag`` under the same rules as the config file;
        a bad value raises ConfigError naming the flag."""
        try:
            self.__pydantic_validator__.validate_assignment(self, field, value)
        except ValidationError as exc:
            raise ConfigError(exc.errors()[0]["msg"], field=flag,
                              hint="Give a value the config file would accept.") from exc

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


def load_settings(path: Path | None = None, *, warnings: list[str] | None = None) -> Settings:
    """Read the config file (if any) and the environment; bad values raise ConfigError
    naming the file and field, or the environment variable. Keys the settings do not know
    are ignored, with a sentence each (naming the closest known key) added to ``warnings``."""
    path = path or default_config_path()
    data: dict[str, Any] = {}
    if path.exists():
        try:
            text = read_text(path)
        except InputError as exc:  # the same sentence, as the config's own kind of error
            raise ConfigError(exc.reason, path=exc.path, line=exc.line,
                              hint=exc.hint) from exc
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"not valid TOML ({exc})", path=str(path),
                              hint="Fix the file or delete it to start from defaults.") from exc
        if warnings is not None:
            warnings.extend(unknown_keys(data, path))
    try:
        return Settings(**data)
    except SettingsError as exc:
        match = re.search(r'field "(\w+)"', str(exc))
        names = env_names(match.group(1) if match else "")
        raise ConfigError(
            "not valid JSON (this setting holds a table or a list)",
            path=f"environment variable {', '.join(names) or 'SYNTHSTUDIO_*'}",
            hint='Give it as JSON, e.g. SYNTHSTUDIO_KEYS=\'{"accept": "a,enter"}\', '
                 "or unset it and set the value in the config file.") from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        loc, msg = [str(p) for p in err["loc"]], err["msg"]
        if len(loc) > 1 and loc[-1] == "[key]":  # a table's key, not its value, is wrong
            msg = f"'{loc[-2]}' is not a valid key here: {msg}"
            loc = loc[:-2]
        field = ".".join(loc)
        var = env_var_for(tuple(str(p) for p in err["loc"]))
        if var:
            error = ConfigError(msg, path=f"environment variable {var}",
                                hint="Fix the value or unset the variable.")
            error.field = field
            raise error from exc
        raise ConfigError(msg, path=str(path), field=field,
                          hint="Fix the value or remove it to use the default.") from exc


def _environ() -> dict[str, str]:
    return {k.upper(): k for k in os.environ}


def env_names(field: str) -> list[str]:
    """The set ``SYNTHSTUDIO_*`` variables that feed ``field`` (itself or its sub-keys)."""
    if not field:
        return []
    prefix = ENV_PREFIX + field.upper()
    return sorted(v for k, v in _environ().items() if k == prefix or k.startswith(prefix + "__"))


def env_var_for(loc: tuple[str, ...]) -> str:
    """The environment variable that set the value at ``loc``, or "" (the file set it)."""
    env = _environ()
    for depth in range(len(loc), 0, -1):
        name = ENV_PREFIX + "__".join(loc[:depth]).upper()
        if name in env:
            return env[name]
    return ""


def _tables() -> dict[str, type[BaseModel]]:
    """The settings that are tables of their own in the config file, by name."""
    return {name: info.annotation for name, info in Settings.model_fields.items()
            if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel)}


def unknown_keys(data: dict[str, Any], path: Path) -> list[str]:
    """A sentence for each key of the config file that no setting has (typos, mostly)."""
    out: list[str] = []

    def walk(values: dict[str, Any], model: type[BaseModel], where: str) -> None:
        fields = model.model_fields
        for key, value in values.items():
            info = fields.get(key)
            if info is None:
                if model is Settings and key == LEGACY_TABLE:
                    continue
                known = {name: where + name for name in fields}
                if model is Settings:  # a table's key written at the top level
                    for table, sub in _tables().items():
                        for name in sub.model_fields:
                            known.setdefault(name, f"{table}.{name}")
                close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
                hint = f"; did you mean '{known[close[0]]}'?" if close else ""
                out.append(f"{path}: unknown setting '{where}{key}' is ignored{hint}")
                continue
            nested = _tables().get(key) if model is Settings else None
            if isinstance(value, dict) and nested is not None:
                walk(value, nested, f"{where}{key}.")

    walk(data, Settings, "")
    return out


def _changed(value: BaseModel, default: BaseModel) -> dict[str, Any]:
    """The fields of ``value`` that differ from ``default``, as TOML-ready data."""
    out: dict[str, Any] = {}
    new, old = value.model_dump(mode="json"), default.model_dump(mode="json")
    for name, v in new.items():
        if v is None or v == old.get(name):
            continue
        sub, base = getattr(value, name), getattr(default, name)
        if isinstance(sub, BaseModel) and isinstance(base, BaseModel):
            nested = _changed(sub, base)
            if nested:
                out[name] = nested
        else:
            out[name] = v
    return out


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write the settings that differ from the defaults, atomically.

    The file is edited, not replaced: the person's comments and layout stay, values set
    back to their default are removed, and old ``[recipes.*]`` tables become the typed ones.
    """
    import tomlkit
    from tomlkit.items import Table

    path = path or default_config_path()
    doc = tomlkit.document()
    if path.exists():
        try:
            doc = tomlkit.parse(read_text(path))
        except (InputError, tomlkit.exceptions.ParseError):
            doc = tomlkit.document()  # the settings screen only saves what loaded fine
    doc.pop("recipes", None)
    changed = _changed(settings, Settings.model_construct())

    def merge(table: Any, values: dict[str, Any], model: BaseModel) -> None:
        for name in type(model).model_fields:
            if name not in values:
                table.pop(name, None)
                continue
            sub = getattr(model, name)
            if isinstance(sub, BaseModel):  # a table of its own: edit it in place
                if not isinstance(table.get(name), Table):
                    table[name] = tomlkit.table()
                merge(table[name], values[name], sub)
            else:
                table[name] = values[name]

    merge(doc, changed, settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_writer(path) as fh:
        fh.write(tomlkit.dumps(doc))
    return path

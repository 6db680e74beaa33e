"""Recipe, model and options; saved to the config file so the next start remembers them."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from synthstudio.choices import BACKEND_CHOICES as BACKENDS
from synthstudio.config import Settings
from synthstudio.recipes import RECIPES
from synthstudio.tui import bindings


def _number(text: str, name: str, low: float, high: float, integer: bool = False) -> float:
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        raise ValueError(f"{name} must be a {'whole ' if integer else ''}number") from None
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low:g} and {high:g}")
    return value


def apply_form(settings: Settings, form: dict[str, str]) -> Settings:
    """A new Settings with the form's values; ValueError names the first bad field."""
    temperature = _number(form["temperature"], "Temperature", 0.0, 2.0)
    count = int(_number(form["count"], "Items per run", 1, 100_000, integer=True))
    rouge = _number(form["rouge"], "ROUGE-L threshold", 0.0, 1.0)
    words = [w.strip() for w in form["blacklist"].split(",") if w.strip()]
    concurrency = (int(_number(form["concurrency"], "Requests in flight", 1, 1024,
                               integer=True)) if form.get("concurrency", "").strip() else None)
    si = settings.self_instruct.model_copy(update={"rouge_threshold": rouge,
                                                   "blacklist": words})
    return settings.model_copy(update={
        "recipe": form["recipe"], "backend": form["backend"], "model": form["model"].strip(),
        "temperature": temperature, "self_instruct": si, "count": count,
        "concurrency": concurrency,
    })


class SettingsScreen(ModalScreen[Settings | None]):
    BINDINGS = [*bindings.MODAL, *bindings.EDIT[:1]]

    def __init__(self, settings: Settings) -> None:
        super().__init__(classes="dialog-screen")
        self.settings = settings

    def compose(self) -> ComposeResult:
        s = self.settings
        with Vertical(classes="dialog wide-dialog"):
            yield Static(Content("Settings — ctrl+s saves, Escape cancels"),
                         classes="dialog-question")
            with Grid(id="settings-grid"):
                yield Label("Recipe")
                yield Select([(r, r) for r in RECIPES], value=s.recipe, allow_blank=False,
                             id="set-recipe", compact=True)
                yield Label("Backend")
                yield Select([(b, b) for b in BACKENDS], value=s.backend, allow_blank=False,
                             id="set-backend", compact=True)
                yield Label("Model")
                yield Input(s.model, placeholder="the backend's default", id="set-model",
                            compact=True)
                yield Label("Temperature")
                yield Input(str(s.temperature), id="set-temperature", compact=True)
                yield Label("Items per run")
                yield Input(str(s.count), id="set-count", compact=True)
                yield Label("Requests in flight")
                yield Input(str(s.concurrency or ""), id="set-concurrency", compact=True,
                            placeholder="backend default: 1 embedded, 4 Ollama, 8 OpenAI")
                yield Label("ROUGE-L threshold")
                yield Input(str(s.self_instruct.rouge_threshold), id="set-rouge",
                            compact=True)
                yield Label("Blacklist")
                yield Input(", ".join(s.self_instruct.blacklist), id="set-blacklist",
                            compact=True)
            yield Static(id="settings-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", id="settings-save", variant="primary", compact=True)
                yield Button("Cancel", id="settings-cancel", compact=True)

    def form(self) -> dict[str, str]:
        def val(name: str) -> str:
            return self.query_one(f"#set-{name}", Input).value

        return {
            "recipe": str(self.query_one("#set-recipe", Select).value),
            "backend": str(self.query_one("#set-backend", Select).value),
            "model": val("model"), "temperature": val("temperature"), "count": val("count"),
            "rouge": val("rouge"), "blacklist": val("blacklist"),
            "concurrency": val("concurrency"),
        }

    def action_save(self) -> None:
        try:
            new = apply_form(self.settings, self.form())
        except ValueError as exc:
            self.query_one("#settings-error", Static).update(Content(str(exc)))
            return
        self.dismiss(new)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#settings-save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#settings-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

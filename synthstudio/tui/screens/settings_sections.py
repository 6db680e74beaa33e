"""The settings screen's sections: general, then one per recipe, each its own tab.

A section composes its fields from the current settings and reads them back with
:meth:`SettingsSection.apply`. To add settings, add a field to a section, or a section
to :data:`SECTIONS` (it becomes a tab).
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Grid
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, SelectionList

from synthstudio.config.choices import (
    AUDIENCE_SHORT_LABELS,
    AUDIENCES,
    BACKEND_CHOICES,
    RECIPE_CHOICES,
    STYLES,
    TEXTBOOK_MODES,
)
from synthstudio.config.settings import Settings
from synthstudio.tui.screens.settings_form import (
    apply_general,
    apply_reasoning,
    apply_self_instruct,
    apply_textbook,
)

MODE_LABELS = {"even": "even: one text a step, least covered first",
               "all_audiences": "all audiences: one topic for every audience a step"}


class SettingsSection(Grid):
    """One tab of the settings screen: labels and fields in two columns."""

    TITLE: ClassVar[str] = ""
    KEY: ClassVar[str] = ""

    def __init__(self, settings: Settings) -> None:
        super().__init__(id=f"section-{self.KEY}", classes="settings-grid")
        self.settings = settings

    def text(self, name: str) -> str:
        return self.query_one(f"#set-{name}", Input).value

    def choice(self, name: str) -> str:
        return str(self.query_one(f"#set-{name}", Select).value)

    def apply(self, settings: Settings) -> Settings:
        """A new Settings with this section's fields; ValueError names a bad field."""
        raise NotImplementedError


def field(label: str, widget: Widget) -> ComposeResult:
    yield Label(label)
    yield widget


class GeneralSection(SettingsSection):
    TITLE, KEY = "General", "general"

    def compose(self) -> ComposeResult:
        s = self.settings
        yield from field("Recipe", Select([(r, r) for r in RECIPE_CHOICES], value=s.recipe,
                                          allow_blank=False, id="set-recipe", compact=True))
        yield from field("Backend", Select([(b, b) for b in BACKEND_CHOICES], value=s.backend,
                                           allow_blank=False, id="set-backend",
                                           compact=True))
        yield from field("Model", Input(s.model, placeholder="the backend's default",
                                        id="set-model", compact=True))
        yield from field("Temperature", Input(str(s.temperature), id="set-temperature",
                                              compact=True))
        yield from field("Items per run", Input(str(s.count), id="set-count", compact=True))
        yield from field("Requests in flight", Input(
            str(s.concurrency or ""), id="set-concurrency", compact=True,
            placeholder="backend default: 1 embedded, 4 Ollama, 8 OpenAI"))

    def apply(self, settings: Settings) -> Settings:
        return apply_general(settings, self.choice("recipe"), self.choice("backend"),
                             self.text("model"), self.text("temperature"),
                             self.text("count"), self.text("concurrency"))


class SelfInstructSection(SettingsSection):
    TITLE, KEY = "Self-Instruct", "self-instruct"

    def compose(self) -> ComposeResult:
        si = self.settings.self_instruct
        yield from field("ROUGE-L threshold", Input(str(si.rouge_threshold), id="set-rouge",
                                                    compact=True))
        yield from field("Blacklist", Input(", ".join(si.blacklist), id="set-blacklist",
                                            compact=True))
        yield from field("Instruction tokens", Input(str(si.request_tokens),
                                                     id="set-request-tokens", compact=True))
        yield from field("Instance tokens", Input(str(si.instance_tokens),
                                                  id="set-instance-tokens", compact=True))

    def apply(self, settings: Settings) -> Settings:
        return apply_self_instruct(settings, self.text("rouge"), self.text("blacklist"),
                                   self.text("request-tokens"), self.text("instance-tokens"))


class TextbookSection(SettingsSection):
    TITLE, KEY = "Textbook", "textbook"

    def compose(self) -> ComposeResult:
        tb = self.settings.textbook
        yield from field("Audiences", SelectionList[str](
            *[(AUDIENCE_SHORT_LABELS[a], a, a in tb.audiences) for a in AUDIENCES],
            id="set-audiences", compact=True))
        yield from field("Styles", SelectionList[str](
            *[(s, s, s in tb.styles) for s in STYLES], id="set-styles", compact=True))
        yield from field("Mode", Select([(MODE_LABELS[m], m) for m in TEXTBOOK_MODES],
                                        value=tb.mode, allow_blank=False,
                                        id="set-textbook-mode", compact=True))
        yield from field("Token limit", Input(str(tb.max_tokens), id="set-textbook-tokens",
                                              compact=True))

    def apply(self, settings: Settings) -> Settings:
        return apply_textbook(
            settings, self.query_one("#set-audiences", SelectionList).selected,
            self.query_one("#set-styles", SelectionList).selected,
            self.choice("textbook-mode"),
            self.text("textbook-tokens"))


class ReasoningSection(SettingsSection):
    TITLE, KEY = "Reasoning", "reasoning"

    def compose(self) -> ComposeResult:
        rs = self.settings.reasoning
        yield from field("Samples per problem", Input(str(rs.samples), id="set-samples",
                                                      compact=True))
        yield from field("Keep only correct", Checkbox(
            "reject answers that miss the reference", rs.keep_only_correct,
            id="set-keep-correct", compact=True))
        yield from field("Token limit", Input(str(rs.max_tokens), id="set-reasoning-tokens",
                                              compact=True))

    def apply(self, settings: Settings) -> Settings:
        return apply_reasoning(settings, self.text("samples"),
                               self.query_one("#set-keep-correct", Checkbox).value,
                               self.text("reasoning-tokens"))


SECTIONS: tuple[type[SettingsSection], ...] = (
    GeneralSection, SelfInstructSection, TextbookSection, ReasoningSection)

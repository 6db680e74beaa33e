"""Every key binding of the studio, each with an ``id`` so it can be remapped.

A person remaps keys in the config file (``[keys]`` table, binding id to a comma separated
key list, e.g. ``accept = "a,enter"``); :func:`keymap` checks the ids and the app hands
the result to Textual's ``App.set_keymap``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.binding import Binding, BindingType

APP: list[BindingType] = [
    Binding("1", "focus_pane('seeds')", "Seeds", id="focus-seeds", show=False),
    Binding("2", "focus_pane('generation')", "Generation", id="focus-generation", show=False),
    Binding("3", "focus_pane('scores')", "Scores", id="focus-scores", show=False),
    Binding("4", "focus_pane('pool')", "Pool", id="focus-pool", show=False),
    Binding("g", "generate", "Generate", id="generate"),
    Binding("space", "pause", "Pause", id="pause"),
    Binding("C", "cancel_request", "Cancel the request in flight", id="cancel-request",
            show=False),
    Binding("escape", "leave", "Leave zoom", id="leave", show=False),
    Binding("x", "stop_run", "Stop run", id="stop-run", show=False),
    Binding("a", "accept", "Accept", id="accept"),
    Binding("r", "reject", "Reject", id="reject"),
    Binding("R", "reject_with_reason", "Reject with reason", id="reject-reason", show=False),
    Binding("e", "edit", "Edit", id="edit"),
    Binding("s", "skip", "Skip", id="skip"),
    Binding("u", "unaccept", "Un-accept", id="unaccept", show=False),
    Binding("A", "accept_all", "Accept all passing", id="accept-all", show=False),
    Binding("f", "toggle_filtered", "Show filtered", id="toggle-filtered", show=False),
    Binding("j", "judge", "Judge it", id="judge", show=False),
    Binding("S", "sort_by_score", "Order by judge score", id="sort-score", show=False),
    Binding("p", "show_prompt", "Prompt", id="show-prompt", show=False),
    Binding("v", "coverage", "Coverage grid", id="coverage", show=False),
    Binding("V", "audiences", "Same topic, all audiences", id="audiences", show=False),
    Binding("D", "report", "Data report", id="report", show=False),
    Binding("T", "topics", "Textbook topics", id="topics", show=False),
    Binding("B", "problems", "Reasoning problems", id="problems", show=False),
    Binding("z", "zoom", "Zoom pane", id="zoom", show=False),
    Binding("right_square_bracket", "resize(1)", "Grow pane", id="grow", show=False),
    Binding("left_square_bracket", "resize(-1)", "Shrink pane", id="shrink", show=False),
    Binding("l", "cycle_layout", "Layout", id="layout", show=False),
    Binding("t", "toggle_theme", "Theme", id="theme", show=False),
    Binding("o", "settings", "Settings", id="settings", show=False),
    Binding("E", "export", "Export", id="export", show=False),
    Binding("question_mark", "help", "Keys", id="help"),
    Binding("q", "quit", "Quit", id="quit", show=False),
]

CHOOSE_RUN: list[BindingType] = [
    Binding("r", "choose('resume')", "Resume the unfinished run", id="run-resume"),
    Binding("n", "choose('new')", "Start the chosen recipe", id="run-new"),
    Binding("escape", "dismiss_none", "Neither", id="run-neither", show=False),
]

SEEDS: list[BindingType] = [
    Binding("n", "new_seed", "New seed", id="seed-new"),
    Binding("c", "duplicate_seed", "Duplicate", id="seed-duplicate", show=False),
    Binding("d", "delete_seed", "Delete", id="seed-delete"),
    Binding("u", "undo_delete", "Undo delete", id="seed-undo", show=False),
    Binding("i", "add_instance", "Add instance", id="seed-add-instance", show=False),
    Binding("slash", "search", "Search", id="seed-search", show=False),
    Binding("escape", "clear_search", "Clear the search", id="seed-clear-search",
            show=False),
]

SEARCH: list[BindingType] = [
    Binding("escape", "leave", "Back to the list (the filter stays)", id="search-leave",
            show=False),
]

EDITOR: list[BindingType] = [
    Binding("escape", "leave", "Back to the seed list", id="seed-leave", show=False),
]

GENERATION: list[BindingType] = [
    Binding("h", "toggle_thinking", "Thinking", id="toggle-thinking", show=False),
    Binding("greater_than_sign", "app.follow_stream(1)", "Next request in flight",
            id="stream-next", show=False),
    Binding("less_than_sign", "app.follow_stream(-1)", "Previous request in flight",
            id="stream-previous", show=False),
]

POOL: list[BindingType] = [
    Binding("slash", "search", "Search", id="pool-search", show=False),
    Binding("escape", "clear_search", "Clear the search", id="pool-clear-search",
            show=False),
    Binding("enter", "open_item", "Open", id="pool-open", show=False),
]

MODAL: list[BindingType] = [
    Binding("escape", "dismiss_none", "Close", id="modal-close"),
]

EDIT: list[BindingType] = [
    Binding("ctrl+s", "save", "Save", id="edit-save"),
    Binding("escape", "dismiss_none", "Cancel", id="edit-cancel"),
]

ROWS: list[BindingType] = [
    Binding("n", "new_row", "New", id="rows-new"),
    Binding("d", "delete_row", "Delete", id="rows-delete"),
    Binding("slash", "search", "Search", id="rows-search", show=False),
    Binding("escape", "leave", "Back to the list, or close", id="rows-close"),
]

CONFIRM: list[BindingType] = [
    Binding("y", "answer(True)", "Yes", id="confirm-yes"),
    Binding("n", "answer(False)", "No", id="confirm-no"),
    Binding("escape", "answer(False)", "No", id="confirm-cancel", show=False),
]


@dataclass(frozen=True, slots=True)
class Scope:
    title: str
    bindings: list[BindingType]

    @property
    def items(self) -> list[Binding]:
        return only(self.bindings)


def only(bindings: list[BindingType]) -> list[Binding]:
    """The Binding objects of a BINDINGS list (every entry here is one)."""
    return [b for b in bindings if isinstance(b, Binding)]


SCOPES: tuple[Scope, ...] = (
    Scope("Everywhere", APP),
    Scope("Seeds pane", SEEDS),
    Scope("Seed editor", EDITOR),
    Scope("Search boxes", SEARCH),
    Scope("Generation pane", GENERATION),
    Scope("Pool pane", POOL),
    Scope("Editor", EDIT),
    Scope("Topics and problems", ROWS),
    Scope("Questions", CONFIRM),
    Scope("Resume or new run", CHOOSE_RUN),
    Scope("Dialogs", MODAL),
)


def binding_ids() -> set[str]:
    return {b.id for scope in SCOPES for b in scope.items if b.id}


def keymap(keys: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The valid part of a ``settings.keys`` remap and the unknown ids it names."""
    known = binding_ids()
    good = {k: v for k, v in keys.items() if k in known and str(v).strip()}
    return good, sorted(k for k in keys if k not in known)


def keys_for(binding: Binding, remap: Mapping[str, str]) -> str:
    """The keys that trigger ``binding`` once ``remap`` is applied."""
    if binding.id and binding.id in remap:
        return remap[binding.id]
    return binding.key

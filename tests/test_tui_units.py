"""The studio's parts that need no running app: review logic, messages, text, bindings."""

from __future__ import annotations

import pytest

from synthstudio.backends.base import Completion, ContentDelta, Final, ThinkingDelta
from synthstudio.config.settings import Settings
from synthstudio.curation import Curator
from synthstudio.records import ACCEPTED, PROPOSED, REJECTED, Candidate
from synthstudio.tui import bindings
from synthstudio.tui.messages import RequestEnded, TokensStreamed
from synthstudio.tui.panes.generation import StreamBuffer
from synthstudio.tui.panes.scores import nearest, reasoning, verdict
from synthstudio.tui.screens.settings_form import apply_general, apply_self_instruct
from synthstudio.tui.text import candidate_line, highlight_overlap, safe
from tests.tui_kit import fill


class Recorder:
    name = "self-instruct"

    def __init__(self) -> None:
        self.changes: list[tuple[int | None, str, str]] = []

    def on_status_changed(self, c: Candidate, old: str) -> None:
        self.changes.append((c.id, old, c.status))


def test_curator_decisions_reach_pool_and_recipe(pool):
    fill(pool)
    recipe = Recorder()
    cur = Curator(pool, recipe)  # type: ignore[arg-type]
    queue = cur.load()
    assert [c.status for c in queue] == [PROPOSED, PROPOSED]
    first, second = queue
    assert cur.after(first) is second and cur.after(second) is first
    cur.accept(first)
    assert pool.get_candidate(first.id).status == ACCEPTED
    assert recipe.changes == [(first.id, PROPOSED, ACCEPTED)]
    assert cur.queue == [second]
    cur.unaccept(first)
    assert [c.id for c in cur.queue] == [first.id, second.id]
    cur.reject(second, "dull")
    assert pool.get_candidate(second.id).reason == "user: dull"
    assert cur.toggle_filtered() and cur.load()[-1].reason == "filter:rouge_l"
    accepted = cur.accept_all_passing()
    assert [c.id for c in accepted] == [first.id]  # the filtered one fails a filter
    assert not cur.arrived(pool.get_candidate(first.id))  # accepted: not queued
    fresh = Candidate("self-instruct", "New task", status=PROPOSED)
    pool.add_candidate(fresh)
    assert cur.arrived(fresh) and not cur.arrived(fresh)


def test_token_messages_coalesce():
    a, b = TokensStreamed("instructions"), TokensStreamed("instructions")
    assert b.can_replace(a)
    assert not RequestEnded("x", Completion()).can_replace(a)


def test_stream_buffer_keeps_thinking_apart_and_measures_rate():
    buf = StreamBuffer()
    buf.begin("instructions", [{"role": "user", "content": "hi"}])
    for chunk in (ThinkingDelta("hmm"), ContentDelta("1. A"), ContentDelta(" task")):
        buf.feed(chunk)
    assert (buf.thinking_text, buf.text, buf.chunks) == ("hmm", "1. A task", 3)
    final = Final(eval_tokens=20, eval_duration_s=0.5)
    buf.end(Completion(content="1. A task", thinking="hmm", final=final, cancelled=True))
    assert buf.cancelled and buf.rate == 40.0


def test_text_is_inert_and_never_markup():
    shown = safe("[bold]x[/bold]\x1b[2J\x07")
    assert shown.plain == "[bold]x[/bold]␛[2J␇" and not shown.spans
    line = candidate_line(Candidate("self-instruct", "Say \x1b[31m[red]hi", id=4))
    assert "␛[31m[red]hi" in line.plain


def test_overlap_highlight_latin_and_cjk():
    out = highlight_overlap("Write a poem about the sea. 写一首关于海的诗", "write about 海")
    marked = {out.plain[s.start:s.end] for s in out.spans}
    assert marked == {"Write", "about", "海"}


def test_scores_views():
    c = Candidate("reasoning", "What is 2+2?", thinking="two and two", answer="4",
                  meta={"reference": "4"}, status=REJECTED, reason="filter:accuracy", id=9)
    text = reasoning(c).plain
    assert text.index("Thinking") < text.index("two and two") < text.index("Answer")
    assert "reference: 4" in text
    assert "✗ rejected: filter:accuracy" in verdict(c).plain
    from tests.tui_kit import rouge

    c.scores = [rouge(0.8, [("What is 3+3?", 0.8)])]
    assert "0.800  What is 3+3?" in nearest(c).plain


def test_bindings_have_ids_and_keymap_checks_them():
    for scope in bindings.SCOPES:
        assert all(b.id for b in scope.items), scope.title
    app_ids = [b.id for b in bindings.only(bindings.APP)]
    assert len(app_ids) == len(set(app_ids))
    good, unknown = bindings.keymap({"accept": "y", "nope": "k", "skip": " "})
    assert good == {"accept": "y"} and unknown == ["nope"]
    accept = next(b for b in bindings.only(bindings.APP) if b.id == "accept")
    assert bindings.keys_for(accept, good) == "y"


def test_settings_form_validates():
    base = Settings()
    new = apply_self_instruct(apply_general(base, "self-instruct", "auto", " m ", "0.3", "7"),
                              "0.5", "a, b")
    assert (new.model, new.temperature, new.count) == ("m", 0.3, 7)
    assert new.self_instruct.blacklist == ["a", "b"] and base.temperature == 0.7
    with pytest.raises(ValueError, match="ROUGE-L threshold"):
        apply_self_instruct(base, "2", "a, b")
    with pytest.raises(ValueError, match="Items per run"):
        apply_general(base, "self-instruct", "auto", "m", "0.3", "x")

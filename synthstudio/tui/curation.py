"""Walking the queue: accept, reject, edit then accept, skip, un-accept, accept all.

The "candidate in focus" is the one last highlighted in the queue (Generation pane) or
in the pool list; the Scores pane shows it and the keys act on it. The decisions
themselves live in :class:`synthstudio.curation.Curator`: each changes the queue in
memory, the screen follows at once, and the write goes to the pool thread.
"""

from __future__ import annotations

from synthstudio.records import ACCEPTED, Candidate
from synthstudio.tui.messages import CandidateFocused
from synthstudio.tui.pool_sync import PoolSync
from synthstudio.tui.screens.confirm import AskScreen
from synthstudio.tui.screens.edit import EditScreen


class CurationActions(PoolSync):
    def on_candidate_focused(self, event: CandidateFocused) -> None:
        """A list highlighted a candidate: follow it if that list is the one in use."""
        if not self.ui_ready():
            return
        pane = self.list_pane(event.source)
        in_use = pane is not None and pane.has_focus_within
        if in_use or event.source == self.focus_source:
            self.focus_on(event.candidate, event.source)

    def action_reload_queue(self) -> None:
        self.request_queue()
        self.check_counts()

    def _follow_highlight(self) -> None:
        """Make the candidate highlighted in the focused list the one in focus. Its
        ``CandidateFocused`` message may still be on its way when a key comes right after
        the one that moved the highlight (a frame can be drawn in between), and a key
        must act on the candidate the person sees highlighted."""
        for pane, source in ((self.generation, "queue"), (self.pool_pane, "pool")):
            if self.focused is pane.listing:
                shown = pane.highlighted()
                now = self.focus_candidate
                if shown is not None and (now is None or shown.id != now.id):
                    self.focus_on(shown, source)
                return

    def before_frame(self) -> None:
        """Called before each frame of the studio screen: the highlight and the candidate
        it puts in focus (the Scores pane) are drawn in the same frame, not one after
        the other."""
        if self.ui_ready():
            self._follow_highlight()

    def _target(self) -> Candidate | None:
        self._follow_highlight()
        c = getattr(self, "focus_candidate", None)
        if c is None:
            self.notify("No candidate in focus: pick one in the queue or the pool.")
        return c

    def _after(self, c: Candidate, nxt: Candidate | None, was_accepted: bool) -> None:
        """Show the decision on ``c``; show ``nxt`` next when it came from the queue."""
        from_queue = self.focus_source == "queue"
        queue = self.curator.queue
        if from_queue:
            target = nxt if self.curator.index_of(nxt) is not None else (
                queue[0] if queue else None)
        else:
            target = c
        gen = self.generation
        index = self.curator.index_of(c)
        if index is None:
            gen.drop(c, target if from_queue else None)
        elif c.id is not None and str(c.id) in gen.listing.records:
            gen.listing.update(c)
        else:  # back in the queue, at its place in the queue's order
            gen.insert(index, c, target if from_queue else None)
        if c.status == ACCEPTED:
            self.pool_pane.accepted(c)
        elif was_accepted:
            now = self.pool_pane.left(c)
            if not from_queue:
                # the item the Pool pane highlights now, shown in the same screen update
                # (its message saying so comes after the screen was drawn)
                self.focus_on(now, "pool")
                return
        self.focus_on(target, self.focus_source, again=target is c)

    # -- decisions -------------------------------------------------------------------------

    def action_accept(self) -> None:
        c = self._target()
        if c is None:
            return
        if c.status == ACCEPTED:
            self.notify(f"#{c.id} is already accepted.")
            return
        nxt = self.curator.after(c)
        self.curator.accept(c)
        self._after(c, nxt, False)

    def action_reject(self, reason: str = "") -> None:
        c = self._target()
        if c is None:
            return
        nxt = self.curator.after(c)
        was = c.status == ACCEPTED
        self.curator.reject(c, reason)
        self._after(c, nxt, was)

    def action_reject_with_reason(self) -> None:
        c = self._target()
        if c is None:
            return

        def done(reason: str | None) -> None:
            if reason is not None and self.focus_candidate is c:
                self.action_reject(reason.strip())

        self.push_screen(AskScreen(f"Why reject #{c.id}? (optional)",
                                   placeholder="e.g. off-topic, wrong output"), done)

    def action_edit(self) -> None:
        c = self._target()
        if c is not None:
            self.open_editor(c, accept=c.status != ACCEPTED)

    def open_editor(self, c: Candidate, accept: bool = True) -> None:
        """Edit ``c`` in a dialog; saving stores it (and accepts it if ``accept``)."""

        def done(edited: Candidate | None) -> None:
            if edited is None:
                return
            nxt = self.curator.after(c) if accept else None
            was = edited.status == ACCEPTED
            self.curator.save_edit(edited, accept=accept)
            self.notify(f"Saved #{edited.id}" + (" and accepted it." if accept else "."))
            self._after(edited, nxt, was)
            if was and edited.status == ACCEPTED:
                self.pool_pane.changed(edited)

        self.push_screen(EditScreen(c, accept=accept), done)

    def action_skip(self) -> None:
        c = self._target()
        if c is None:
            return
        nxt = self.curator.after(c)
        if nxt is None or nxt.id == c.id:
            self.notify("That was the last candidate in the queue.")
            return
        self.generation.listing.highlight(nxt.id)
        self.focus_on(nxt, "queue")

    def action_unaccept(self) -> None:
        c = self._target()
        if c is None:
            return
        if not self.curator.unaccept(c):
            self.notify(f"#{c.id} is not accepted.")
            return
        # said in the Pool pane's bottom line, not in a toast (mounting one and taking it
        # down again costs more than the rest of the key press)
        self.pool_pane.note = f"#{c.id} is back in the queue"
        self._after(c, None, True)

    def action_accept_all(self) -> None:
        gate = self.settings.judge.gate
        chosen = self.curator.accept_all_passing(self.may_accept if gate else None)
        self.notify(f"Accepted {len(chosen)} candidates that pass every filter"
                    + (" and the judge." if gate else "."))
        self.focus_source = "queue"
        queue = self.curator.queue
        first = queue[0] if queue else None
        self.generation.set_queue(queue, first, self.curator.show_filtered)
        if chosen:
            self.pool_pane.reload()
        self.focus_on(first, "queue")

    def action_toggle_filtered(self) -> None:
        shown = self.curator.toggle_filtered()
        self.request_queue()
        self.notify("Showing candidates the filters rejected too: accept one to overrule "
                    "its filter." if shown else "Hiding filtered-out candidates.")

"""What the two panes that list candidates (the queue, the pool) share: one line per
candidate with its judge score, redrawing only the lines whose score changed, and saying
which candidate is in focus when the list's highlight moves or the list gets the focus."""

from __future__ import annotations

from collections.abc import Callable

from textual.content import Content
from textual.events import DescendantFocus
from textual.widgets import OptionList

from synthstudio.records import Candidate
from synthstudio.tui.messages import CandidateFocused
from synthstudio.tui.panes import Pane
from synthstudio.tui.record_list import RecordList
from synthstudio.tui.text import candidate_line


class CandidateListPane(Pane):
    #: the id of the pane's list (a RecordList of candidates)
    LIST_ID = ""
    #: the pane a candidate in focus came from, as ``CandidateFocused`` names it
    SOURCE = ""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        #: a candidate's judge score for its row (the app sets it)
        self.judge_label: Callable[[Candidate], str] = lambda c: ""

    @property
    def listing(self) -> RecordList[Candidate]:
        return self.query_one(f"#{self.LIST_ID}", RecordList)

    def highlighted(self) -> Candidate | None:
        return self.listing.current()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id != self.LIST_ID:
            return
        event.stop()
        # the highlight as it is now: an event of an option removed since is stale
        self.post_message(CandidateFocused(self.listing.current(), self.SOURCE))

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        if event.widget.id == self.LIST_ID:
            self.post_message(CandidateFocused(self.highlighted(), self.SOURCE))

    def _line(self, c: Candidate) -> Content:
        return candidate_line(c, judge=self.judge_label(c))

    def rescored(self, ids: set[int]) -> None:
        """The judge's scores of ``ids`` changed: redraw their lines (only theirs)."""
        for c in list(self.listing.records.values()):
            if c.id in ids:
                self.listing.update(c)

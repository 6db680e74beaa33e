"""What the two panes that list candidates (the queue, the pool) share: one line per
candidate with its judge score, and redrawing only the lines whose score changed."""

from __future__ import annotations

from collections.abc import Callable

from textual.content import Content

from synthstudio.records import Candidate
from synthstudio.tui.panes import Pane
from synthstudio.tui.record_list import RecordList
from synthstudio.tui.text import candidate_line


class CandidateListPane(Pane):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        #: a candidate's judge score for its row (the app sets it)
        self.judge_label: Callable[[Candidate], str] = lambda c: ""

    @property
    def listing(self) -> RecordList[Candidate]:
        raise NotImplementedError

    def _line(self, c: Candidate) -> Content:
        return candidate_line(c, judge=self.judge_label(c))

    def rescored(self, ids: set[int]) -> None:
        """The judge's scores of ``ids`` changed: redraw their lines (only theirs)."""
        for c in list(self.listing.records.values()):
            if c.id in ids:
                self.listing.update(c)

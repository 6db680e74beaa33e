"""``T`` and ``B``: the textbook topics and the reasoning problems, listed and edited.

One screen serves both tables (:data:`TOPICS`, :data:`PROBLEMS`): a searchable list and an
editor for the selected row. Like the seed editor, every change is saved to the pool
shortly after typing stops, when focus leaves a field, when another row is selected and
when the screen closes, so nothing typed is lost. Empty required fields are flagged
inline and do not block saving. ``n`` adds a row, ``d`` deletes one (after a question).
Every read and write goes to the studio's pool thread (``jobs``), in order; the list
comes back as :class:`RowsRead`. Rows are typed records (:class:`Topic`,
:class:`Problem`); the editor shows a field's attribute by its name (``Field.column``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.events import DescendantBlur
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static, TextArea

from synthstudio.boundary.inert import inert
from synthstudio.records import Problem, Topic
from synthstudio.store import Pool
from synthstudio.tui import bindings
from synthstudio.tui.debounce import Debouncer
from synthstudio.tui.pool_thread import PoolThread
from synthstudio.tui.record_list import RecordList
from synthstudio.tui.screens.confirm import ConfirmScreen
from synthstudio.tui.text import one_line

SAVE_DELAY_S = 0.4

#: a topic or a problem: the rows this screen edits
R = TypeVar("R", Topic, Problem)


@dataclass(frozen=True, slots=True)
class Field:
    column: str
    label: str
    required: bool = False


@dataclass(frozen=True, slots=True)
class RowKind(Generic[R]):
    """One editable table: its words, its fields and how the pool reads and writes it."""

    table: str
    title: str
    noun: str
    fields: tuple[Field, ...]
    #: the column shown dimmed after the main text in the list
    extra: str
    #: what ``n`` adds
    blank: R
    read: Callable[[Pool], list[R]]
    add: Callable[[Pool, list[R]], list[int]]
    update: Callable[[Pool, R], bool]
    delete: Callable[[Pool, int], bool]


TOPICS = RowKind("topics", "Textbook topics", "topic", (
    Field("topic", "Topic", required=True),
    Field("field", "Field (science, history, practical, …)"),
    Field("extract", "Extract (optional source text)"),
), extra="field", blank=Topic(topic=""), read=Pool.topics, add=Pool.add_topics,
    update=Pool.update_topic, delete=Pool.delete_topic)
PROBLEMS = RowKind("problems", "Reasoning problems", "problem", (
    Field("problem", "Problem", required=True),
    Field("answer", "Answer", required=True),
    Field("kind", "Kind (arithmetic, logic, …)"),
), extra="kind", blank=Problem(problem=""), read=Pool.problems, add=Pool.add_problems,
    update=Pool.update_problem, delete=Pool.delete_problem)


def text_of(row: Topic | Problem, column: str) -> str:
    """The text of one of ``row``'s fields, by its name."""
    return str(getattr(row, column) or "")


def row_problems(kind: RowKind[R], row: R) -> list[str]:
    """What is wrong with a row, in plain words (empty when it is fine)."""
    return [f"The {f.column} is empty." for f in kind.fields
            if f.required and not text_of(row, f.column).strip()]


def row_label(kind: RowKind[R], row: R) -> Content:
    main = one_line(text_of(row, kind.fields[0].column), 100)
    extra = one_line(text_of(row, kind.extra), 30)
    return Content.assemble(
        ("⚠ ", "bold $warning") if row_problems(kind, row) else "",
        (f"#{row.id} ", "dim"),
        main or (f"(empty {kind.noun})", "italic $warning"),
        (f"  {extra}" if extra else "", "dim"))


def matches(row: Topic | Problem, search: str) -> bool:
    """Whether any of the row's fields (its id, source and date too) holds ``search``."""
    needle = search.casefold()
    return any(needle in text_of(row, f.name).casefold() for f in fields(row))


@dataclass
class RowsRead(Message, Generic[R]):
    """The rows read for ``search``; select ``select``; ``then``: "edit" focuses the
    editor, any other text is said to the person."""

    rows: list[R]
    search: str
    select: int | None = None
    then: str = ""


class RowsScreen(ModalScreen[None], Generic[R]):
    BINDINGS = bindings.ROWS

    def __init__(self, pool: Pool, kind: RowKind[R], jobs: PoolThread) -> None:
        super().__init__(classes="dialog-screen")
        self.pool = pool
        self.kind: RowKind[R] = kind
        self.jobs = jobs
        self.loaded = False
        self.rows: list[R] = []
        #: the row in the editor as the pool has it (or will, once the save queued runs)
        self.shown: R | None = None
        self._saver = Debouncer(self, SAVE_DELAY_S, self.flush)

    @property
    def selected_id(self) -> int | None:
        return self.shown.id if self.shown is not None else None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog rows-dialog"):
            yield Static(Content(f"{self.kind.title} — n new, d delete, / search, "
                                 f"Enter edit, Escape back or close"),
                         classes="dialog-question")
            yield Input(placeholder=f"search {self.kind.table} (/)", id="rows-search",
                        compact=True)
            yield RecordList(lambda r: r.id, lambda r: row_label(self.kind, r),
                             id="rows-list")
            yield Static(Content(f"No {self.kind.table}. Press n to add one."),
                         id="rows-empty")
            with VerticalScroll(id="rows-editor"):
                for f in self.kind.fields:
                    yield Label(f.label, classes="rows-label")
                    yield TextArea(id=f"rows-{f.column}", compact=True, classes="rows-area",
                                   placeholder=f.column)
                yield Static(id="rows-errors")

    def on_mount(self) -> None:
        self.reload()
        self.listing.focus()

    @property
    def listing(self) -> RecordList[R]:
        return self.query_one("#rows-list", RecordList)

    def area(self, column: str) -> TextArea:
        return self.query_one(f"#rows-{column}", TextArea)

    # -- the list -----------------------------------------------------------------------

    def reload(self, select: int | None = None) -> None:
        """Re-read the rows (with the search) and select ``select`` or the same one."""
        self.flush()
        self._read("read the rows", select=select, key="rows")

    def _read(self, what: str, change: Callable[[], Any] | None = None,
              select: int | None = None, then: str = "", key: str | None = None) -> None:
        """On the pool thread: ``change()`` (may return the id to select), then the rows."""
        pool, read = self.pool, self.kind.read
        search = self.query_one("#rows-search", Input).value.strip()

        def job() -> None:
            chosen = change() if change is not None else None
            rows = [r for r in read(pool) if not search or matches(r, search)]
            self.post_message(RowsRead(rows, search, chosen if chosen is not None
                                       else select, then))

        self.jobs.submit(what, job, key=key)

    @on(RowsRead)
    def _rows_read(self, event: RowsRead[R]) -> None:
        if event.search != self.query_one("#rows-search", Input).value.strip():
            return  # typed on since: a newer read is on its way
        self.loaded = True
        self.flush()
        select = event.select
        self.rows = event.rows
        self.query_one("#rows-empty").display = not self.rows
        self.listing.show(self.rows, select if select is not None else self.selected_id)
        self.load(self.listing.current())
        if event.then == "edit":
            self.area(self.kind.fields[0].column).focus()
        elif event.then:
            self.listing.focus()
            self.notify(event.then)

    def load(self, row: R | None) -> None:
        """Show ``row`` in the editor (saving the one shown before)."""
        self.flush()
        self.shown = None
        self.query_one("#rows-editor").display = row is not None
        if row is not None:
            for f in self.kind.fields:
                self.area(f.column).load_text(inert(text_of(row, f.column)))
            # what the widgets hold (made inert) is what a save would write
            self.shown = self._edited(row)
        self.show_problems()

    def _edited(self, row: R) -> R:
        """``row`` with its editable fields as the widgets show them."""
        # Any: mypy checks one value type of a ``**`` argument against every field (id too)
        texts: dict[str, Any] = {f.column: self.area(f.column).text for f in self.kind.fields}
        return replace(row, **texts)

    def current(self) -> R | None:
        """The row in the editor with its fields as the widgets show them now."""
        return self._edited(self.shown) if self.shown is not None else None

    def show_problems(self) -> None:
        now = self.current()
        found = row_problems(self.kind, now) if now is not None else []
        errors = self.query_one("#rows-errors", Static)
        errors.update(Content("\n".join(f"⚠ {p}" for p in found)))
        errors.display = bool(found)

    @on(OptionList.OptionHighlighted, "#rows-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option_id == str(self.selected_id):
            return
        self.load(self.listing.record(event.option_id))

    @on(OptionList.OptionSelected, "#rows-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.area(self.kind.fields[0].column).focus()

    @on(Input.Changed, "#rows-search")
    def _search(self, event: Input.Changed) -> None:
        event.stop()
        self.reload()

    @on(Input.Submitted, "#rows-search")
    def _search_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.listing.focus()

    # -- saving --------------------------------------------------------------------------

    @on(TextArea.Changed)
    def _changed(self, event: TextArea.Changed) -> None:
        event.stop()
        if self.shown is None or self.current() == self.shown:
            return
        self.show_problems()
        self._saver.poke()

    def flush(self) -> bool:
        """Save what is typed now if it differs from the pool; True if it wrote."""
        self._saver.cancel()
        if self.shown is None or not self.is_mounted:
            return False
        now = self.current()
        if now is None or now == self.shown:
            return False
        self.jobs.submit(f"save the {self.kind.noun}", self.kind.update, self.pool, now)
        self.shown = now
        for index, row in enumerate(self.rows):
            if row.id == now.id:
                self.rows[index] = now
                self.listing.update(now)
        return True

    def on_descendant_blur(self, event: DescendantBlur) -> None:
        self.flush()

    def on_unmount(self) -> None:
        with contextlib.suppress(NoMatches):
            self.flush()

    # -- actions ------------------------------------------------------------------------

    def action_new_row(self) -> None:
        self.flush()
        pool, kind = self.pool, self.kind
        with self.prevent(Input.Changed):
            self.query_one("#rows-search", Input).value = ""
        self._read(f"add a {kind.noun}", lambda: kind.add(pool, [kind.blank])[0],
                   then="edit")

    def action_delete_row(self) -> None:
        self.flush()
        row = next((r for r in self.rows if r.id == self.selected_id), None)
        if row is None or row.id is None:
            return
        row_id = row.id
        text = one_line(text_of(row, self.kind.fields[0].column), 60)
        question = f"Delete {self.kind.noun} #{row_id}: {text!r}?"

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            pool, delete = self.pool, self.kind.delete
            ids = [int(r.id or 0) for r in self.rows]
            index = ids.index(row_id) if row_id in ids else 0
            rest = ids[index + 1:] + ids[:index][::-1]
            self.shown = None
            self._read(f"delete the {self.kind.noun}", lambda: delete(pool, row_id)
                       and None, select=rest[0] if rest else None,
                       then=f"Deleted {self.kind.noun} #{row_id}.")

        self.app.push_screen(ConfirmScreen(question), answer)

    def action_search(self) -> None:
        self.query_one("#rows-search", Input).focus()

    def action_leave(self) -> None:
        self.flush()
        if self.focused is None or self.focused is self.listing:
            self.dismiss(None)
        else:
            self.listing.focus()

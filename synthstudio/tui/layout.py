"""Arranging the panes: focus one by number, grow or shrink it, zoom it, switch layouts.

Two layouts: ``grid`` (2 x 2, the default, fits 80 x 24) and ``columns`` (four side by
side, for wide terminals). Growing a pane raises the weight of its column (and, in the
grid, its row); the weights become the grid's ``fr`` sizes.
"""

from __future__ import annotations

from textual.containers import Grid

from synthstudio.tui.base import StudioBase
from synthstudio.tui.panes import Pane

PANES = ("seeds", "generation", "scores", "pool")
LAYOUTS = ("grid", "columns")
MIN_WEIGHT, MAX_WEIGHT = 1, 6


class LayoutActions(StudioBase):
    layout_mode: str
    col_weights: list[int]
    row_weights: list[int]

    def init_layout(self) -> None:
        self.layout_mode = "grid"
        self.col_weights = [2, 2, 2, 2]
        self.row_weights = [2, 2]

    def focused_pane(self) -> Pane | None:
        node = self.focused
        while node is not None:
            if isinstance(node, Pane):
                return node
            node = node.parent  # type: ignore[assignment]
        return None

    def action_focus_pane(self, name: str) -> None:
        if self.screen.maximized is not None:
            self.screen.minimize()
        pane = self.query_one(f"#{name}", Pane)
        pane.focus_primary()

    def action_zoom(self) -> None:
        if self.screen.maximized is not None:
            self.screen.minimize()
            return
        pane = self.focused_pane()
        if pane is not None:
            self.screen.maximized = pane

    def _cell(self, pane: Pane) -> tuple[int, int]:
        index = PANES.index(str(pane.id))
        if self.layout_mode == "columns":
            return index, 0
        return index % 2, index // 2

    def action_resize(self, delta: int) -> None:
        pane = self.focused_pane()
        if pane is None:
            self.notify("Focus a pane first (1-4).")
            return
        col, row = self._cell(pane)
        clamp = lambda v: max(MIN_WEIGHT, min(MAX_WEIGHT, v))  # noqa: E731
        self.col_weights[col] = clamp(self.col_weights[col] + delta)
        if self.layout_mode == "grid":
            self.row_weights[row] = clamp(self.row_weights[row] + delta)
        self.apply_layout()

    def action_cycle_layout(self) -> None:
        i = LAYOUTS.index(self.layout_mode)
        self.layout_mode = LAYOUTS[(i + 1) % len(LAYOUTS)]
        self.apply_layout()

    def apply_layout(self) -> None:
        grid = self.query_one("#panes", Grid)
        grid.set_classes(self.layout_mode)
        if self.layout_mode == "columns":
            cols = self.col_weights
            grid.styles.grid_size_columns = 4
            grid.styles.grid_size_rows = 1
            grid.styles.grid_rows = "1fr"
        else:
            cols = self.col_weights[:2]
            grid.styles.grid_size_columns = 2
            grid.styles.grid_size_rows = 2
            grid.styles.grid_rows = " ".join(f"{w}fr" for w in self.row_weights)
        grid.styles.grid_columns = " ".join(f"{w}fr" for w in cols)

"""A compositor that draws, after a change, only the widgets and rows the change touched.

Textual's partial update takes the rectangle around every changed region and asks every
widget that overlaps it for all of its visible lines. After a decision the changed
regions (the queue, the Pool list, the Scores sheet, the status bar) span the whole
screen, so every widget, the untouched Seeds pane among them, was drawn again in full:
each line through its styles cache and line filters, then cut at every widget edge.

Here a widget is drawn only if a changed region overlaps it, and only the rows from the
first to the last changed row inside it, across its whole width (so the pieces still
meet Textual's cuts at widget edges). Every piece of screen a changed row shows is still
drawn, front to back, by the same widget as before: a changed region that shows through
at a cut overlaps the widget in front there. The full update (a new layout, a resize) is
Textual's own.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip


def rows_to_draw(visible: Region, dirty: Iterable[Region]) -> Region | None:
    """The part of ``visible`` (a widget's region on screen) to draw again: its whole
    width, from the first to the last row of it that a ``dirty`` region overlaps."""
    top = bottom = -1
    for region in dirty:
        hit = visible.intersection(region)
        if hit:
            if top < 0 or hit.y < top:
                top = hit.y
            if hit.bottom > bottom:
                bottom = hit.bottom
    if top < 0:
        return None
    return Region(visible.x, top, visible.width, bottom - top)


class DirtyRowsCompositor(Compositor):
    """:class:`textual._compositor.Compositor`, its partial update limited to what changed
    (see the module's docstring)."""

    #: the changed regions while a partial update is drawn, else None
    _changed: list[Region] | None = None

    def render_partial_update(self):  # type: ignore[no-untyped-def]
        self._changed = list(self._dirty_regions)
        try:
            return super().render_partial_update()
        finally:
            self._changed = None

    def _get_renders(self, crop: Region | None = None
                     ) -> Iterable[tuple[Region, Region, list[Strip]]]:
        changed = self._changed
        if changed is None:  # a full update, or the screen drawn whole: Textual's own
            yield from super()._get_renders(crop)
            return
        for widget, (region, clip) in self.visible_widgets.items():
            part = rows_to_draw(region.intersection(clip), changed)
            if part is not None:
                yield part, part, widget.render_lines(
                    Region(part.x - region.x, part.y - region.y, part.width, part.height))

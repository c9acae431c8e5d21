"""The graph widget: the recipe drawn as a layered diagram, scrolled to follow the selection."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui import overview
from tui.drawing import Drawing, Picture, lay_out
from tui.layout import Arrangement
from tui.scene import Scene, empty_scene


class GraphView(ScrollView, can_focus=True):
    """Boxes for inputs and nodes, wires between them; arrows move the selection."""

    BINDINGS = [
        Binding("up,k", "move(0, -1)", "select the box above", show=False),
        Binding("down,j", "move(0, 1)", "select the box below", show=False),
        Binding("left,h", "move(-1, 0)", "select the box to the left", show=False),
        Binding("right,l", "move(1, 0)", "select the box to the right", show=False),
        Binding("home", "first", "select the first box", show=False),
        Binding("end", "last", "select the last box", show=False),
        Binding(
            "enter", "app.edit('fold')", "open or fold the selected network instance", show=False
        ),
    ]

    class Selected(Message):
        """The selection moved to the box named `name`."""

        def __init__(self, name: str | None) -> None:
            self.name = name
            super().__init__()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.scene: Scene = empty_scene(())
        self.selected: str | None = None
        self._arrangement: Arrangement | str = Arrangement()
        self.drawing = Drawing()
        self._picture: Picture | None = None  # the diagram with nothing selected
        self._base: list[Strip] = []  # its rows as strips
        self._strips: list[Strip] = []
        self.states: dict[str, str] = {}  # each box's health while training, by name
        self.failed: str | None = None  # the box of the node training stopped on

    def show(self, scene: Scene, *, keep: str | None = None) -> None:
        """Draw a new scene, keeping the selection on `keep` (or the current one) if it
        is still there, else on the first node."""
        before = [b.name for b in self.scene.boxes]
        self.scene = scene
        self._arrangement = self._lay_out(scene)
        self._picture = None
        names = [b.name for b in scene.boxes]
        wanted = keep if keep is not None else self.selected
        if wanted not in names:
            wanted = _neighbour(wanted, before, names)
        if wanted not in names:
            nodes = [b.name for b in scene.boxes if b.kind != "input"]
            wanted = (nodes or names or [None])[0]
        self.selected = None
        self.select(wanted)

    # -- the overview --------------------------------------------------------------------

    overview = False  # the whole graph, one line a box (tui/overview.py)
    across = False  # the overview runs from left to right

    def _lay_out(self, scene: Scene) -> Arrangement | str:
        if not self.overview:
            self.across = False
            return lay_out(scene)
        width, height = self.size.width or 76, self.size.height or 19
        kind, arrangement = overview.choose(scene, width, height)
        self.across = kind.startswith("across")
        return arrangement

    def set_overview(self, on: bool) -> None:
        """Draw the whole graph zoomed out (one line a box), or the boxes again."""
        self.overview = on
        self.show(self.scene)

    def on_resize(self) -> None:
        if self.overview:  # which overview fits depends on the size
            self.show(self.scene)

    def set_health(self, states: dict[str, str], failed: str | None = None) -> None:
        """Colour each box by its health (tui/health.py's states, by name) and mark the
        box training stopped on; empty states and no failure draw the plain diagram."""
        if states == self.states and failed == self.failed:
            return
        self.states, self.failed = dict(states), failed
        self._picture = None
        self._redraw()

    def select(self, name: str | None) -> None:
        """Select a box, scroll it into view and tell the app."""
        changed = name != self.selected
        self.selected = name
        self._redraw()
        place = self.drawing.boxes.get(name) if name else None
        if place is not None:
            self.call_after_refresh(
                self.scroll_to_region,
                Region(place.x, place.y, place.w, place.h),
                animate=False,
                force=True,
            )
        if changed:
            self.post_message(self.Selected(name))

    def _redraw(self) -> None:
        """Draw the selection over the picture of the scene (drawn again only when the
        scene or the health changed): only the selected box's rows are new strips."""
        if self._picture is None:
            drawn = (
                overview.ChipPicture
                if self.overview and not isinstance(self._arrangement, str)
                else Picture
            )
            self._picture = drawn(
                self.scene, self._arrangement, states=self.states, failed=self.failed
            )
            self._base = [Strip(row) for row in self._picture.rows]
        self.drawing = self._picture.drawing(self.selected)
        if self.drawing.fallback:
            self._strips = [Strip(row) for row in self.drawing.rows]
        else:
            self._strips = list(self._base)
            for y in self.drawing.changed:
                self._strips[y] = Strip(self.drawing.rows[y])
        self.virtual_size = Size(self.drawing.width, len(self._strips))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = y + scroll_y
        width = self.size.width
        if row >= len(self._strips):
            return Strip.blank(width, self.rich_style)
        strip = self._strips[row].extend_cell_length(scroll_x + width)
        return strip.crop(scroll_x, scroll_x + width).apply_style(self.rich_style)

    def text(self) -> str:
        """The whole diagram as plain text (what a person would read, scrolled or not)."""
        return self.drawing.text()

    # -- moving the selection --------------------------------------------------------------

    def action_move(self, dx: int, dy: int) -> None:
        if self.across:  # ranks run from left to right: the keys turn with them
            dx, dy = dy, dx
        ranks = [r for r in self.drawing.ranks if r]
        if not ranks:
            return
        where = next(
            ((i, r.index(self.selected)) for i, r in enumerate(ranks) if self.selected in r), None
        )
        if where is None:
            self.select(ranks[0][0])
            return
        i, j = where
        if dx:
            row = ranks[i]
            self.select(row[max(0, min(len(row) - 1, j + dx))])
            return
        k = max(0, min(len(ranks) - 1, i + dy))
        if k == i:
            return
        axis = 1 if self.across else 0  # along a rank
        here = self.drawing.boxes[self.selected].centre[axis]
        self.select(min(ranks[k], key=lambda n: abs(self.drawing.boxes[n].centre[axis] - here)))

    def action_first(self) -> None:
        names = [b.name for b in self.scene.boxes]
        if names:
            self.select(names[0])

    def action_last(self) -> None:
        names = [b.name for b in self.scene.boxes]
        if names:
            self.select(names[-1])

    # -- the mouse -------------------------------------------------------------------------

    wiring_from: str | None = None  # the box whose output was clicked, to wire from

    class Wiring(Message):
        """A click asked to wire: `source`'s output was clicked (`target` None: waiting for
        the box it feeds), then `target`; `source` None: the wiring was given up."""

        def __init__(self, source: str | None, target: str | None) -> None:
            self.source, self.target = source, target
            super().__init__()

    def on_click(self, event: events.Click) -> None:
        """A click on a box selects it; on its bottom row (its output) it waits for a
        click on the box that output should feed, then asks to wire them."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        x, y = offset.x + int(self.scroll_x), offset.y + int(self.scroll_y)
        hit = next(
            (
                (name, place)
                for name, place in self.drawing.boxes.items()
                if place.x <= x < place.x + place.w and place.y <= y < place.y + place.h
            ),
            None,
        )
        source, self.wiring_from = self.wiring_from, None
        if hit is None:
            if source is not None:
                self.post_message(self.Wiring(None, None))
            return
        name, place = hit
        self.select(name)
        if source is not None and source != name:
            self.post_message(self.Wiring(source, name))
        elif y == place.y + place.h - 1 and source is None:
            self.wiring_from = name
            self.post_message(self.Wiring(name, None))


def _neighbour(gone: str | None, before: list[str], now: list[str]) -> str | None:
    """The box to select when box `gone` (of the order `before`) is no longer drawn: the
    first after it that still is, else the last before it (as a list keeps the cursor in
    place when its line is deleted)."""
    if gone not in before:
        return None
    at = before.index(gone)
    after = [n for n in before[at + 1 :] if n in now]
    earlier = [n for n in before[:at] if n in now]
    return (after or earlier[-1:] or [None])[0]

"""The overview: the whole graph zoomed out, each box one line (its name), laid out from top
to bottom or from left to right, whichever fits the pane better.

The same layout as the full diagram (tui/layout.py) places the names; a left-to-right one
is that layout turned on its side. Wires are drawn as in the diagram, with an arrow just
before the box they feed.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.style import Style

from tui.drawing import HEALTH, PROBLEM_MARK, STYLES, Drawing, _Grid, lay_wires
from tui.layout import Arrangement, Placed, arrange
from tui.scene import Box, Scene

ARROWS = {(1, 0): "▶", (-1, 0): "◀", (0, 1): "▼", (0, -1): "▲"}


def chip(box: Box) -> str:
    """What the overview writes for a box: its name, marked when it has problems."""
    return (PROBLEM_MARK if box.problems else "") + box.name


def turned(arrangement: Arrangement) -> Arrangement:
    """An arrangement turned on its side: ranks run from left to right. A wire leaves its
    box where the name ends (a rank is as wide as its longest name)."""
    boxes = {n: Placed(p.y, p.x, p.h, p.w) for n, p in arrangement.boxes.items()}
    paths = {}
    for (source, target), path in arrangement.paths.items():
        path = [(y, x) for x, y in path]
        start = boxes.get(target if (source, target) in arrangement.up else source)
        if start is not None and path[0][1] == start.y and path[0][0] > start.x + start.w:
            path.insert(0, (start.x + start.w - 1, start.y))
        paths[(source, target)] = path
    return Arrangement(
        width=arrangement.height,
        height=arrangement.width,
        boxes=boxes,
        ranks=arrangement.ranks,
        paths=paths,
        up=set(arrangement.up),
    )


def arrangements(scene: Scene) -> dict[str, Arrangement]:
    """The overview's candidate layouts, in the order preferred when several fit: top to
    bottom, left to right with a free row between boxes, left to right packed."""
    names = {b.name: chip(b) for b in scene.boxes}
    edges = [(w.source, w.target) for w in scene.wires]
    return {
        "down": arrange({n: (len(t), 1) for n, t in names.items()}, edges, gap=2),
        "across": turned(arrange({n: (1, len(t)) for n, t in names.items()}, edges, gap=1)),
        "across packed": turned(arrange({n: (1, len(t)) for n, t in names.items()}, edges, gap=0)),
    }


def choose(scene: Scene, width: int, height: int) -> tuple[str, Arrangement]:
    """The layout for a pane of `width` x `height` cells: the first that fits, else the
    one that leaves the fewest cells outside the pane."""
    found = arrangements(scene)

    def outside(a: Arrangement) -> int:
        return max(0, a.width - width) * height + max(0, a.height - height) * width

    kind = min(found, key=lambda k: (outside(found[k]), list(found).index(k)))
    return kind, found[kind]


class ChipPicture:
    """The overview drawn once with nothing selected; `drawing(selected)` redraws the
    selected name's row (the same interface as tui.drawing.Picture)."""

    def __init__(
        self,
        scene: Scene,
        arrangement: Arrangement,
        *,
        states: Mapping[str, str] | None = None,
        failed: str | None = None,
    ) -> None:
        self.scene, self.arrangement = scene, arrangement
        self.states, self.failed = states or {}, failed
        self.grid = grid = _Grid(arrangement.width, arrangement.height)
        kinds = lay_wires(grid, scene, arrangement)
        for pair, path in arrangement.paths.items():
            grid.put(*_arrow(path, pair in arrangement.up), style=STYLES[kinds[pair]])
        for box in scene.boxes:
            self._chip(box, selected=False)
        self.rows = grid.rows()

    def _chip(self, box: Box, *, selected: bool) -> None:
        place = self.arrangement.boxes.get(box.name)
        if place is None:
            return
        style = STYLES["name"] + STYLES[box.kind if box.kind != "block" else "name"]
        state = self.states.get(box.name)
        if state in HEALTH:
            style = style + Style(color=HEALTH[state].color)
        if box.problems:
            style = style + STYLES["problem"]
        if box.name == self.failed:
            style = STYLES["failed"]
        if selected:
            style = style + STYLES["selected"] + Style(reverse=True)
        for i, char in enumerate(chip(box)):
            self.grid.put(place.x + i, place.y, char, style)

    def drawing(self, selected: str | None) -> Drawing:
        arrangement = self.arrangement
        rows, changed = list(self.rows), ()
        box, place = self.scene.box(selected), arrangement.boxes.get(selected or "")
        if box is not None and place is not None:
            y = place.y
            kept = list(self.grid.chars[y]), list(self.grid.styles[y])
            self._chip(box, selected=True)
            rows[y] = self.grid.row(y)
            self.grid.chars[y], self.grid.styles[y] = kept
            changed = (y,)
        return Drawing(
            rows, dict(arrangement.boxes), arrangement.ranks, arrangement.width, changed=changed
        )


def _arrow(path: list[tuple[int, int]], up: bool) -> tuple[int, int, str]:
    """Where a wire's arrow goes: the cell just before the box it feeds (for a wire drawn
    against its direction, a cycle, just after the box it leaves), and the arrow."""
    (x0, y0), (x1, y1) = (path[1], path[0]) if up else (path[-2], path[-1])
    step = ((x1 > x0) - (x1 < x0), (y1 > y0) - (y1 < y0))
    return x1 - step[0], y1 - step[1], ARROWS.get(step, "•")

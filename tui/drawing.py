"""The diagram as rows of styled characters: boxes with their block and shape, data wires
in single lines, weight wires in double lines, problems in red, the selection in bold;
while training, each box's border in its health's colour and the node training stopped on
in red, its name on red.

Nothing here knows Textual: a row is a list of rich Segments, which a Textual Strip takes
as it is, and tests can read a row's text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rich.segment import Segment
from rich.style import Style

from tui.layout import Arrangement, Placed, arrange
from tui.scene import Box, Scene

PROBLEM_MARK = "✗ "

LIGHT = {"du": "│", "lr": "─", "dr": "╭", "dl": "╮", "ru": "╰", "lu": "╯", "dru": "├"}
LIGHT |= {"dlu": "┤", "dlr": "┬", "lru": "┴", "dlru": "┼", "u": "│", "d": "│", "l": "─", "r": "─"}
DOUBLE = {"du": "║", "lr": "═", "dr": "╔", "dl": "╗", "ru": "╚", "lu": "╝", "dru": "╠"}
DOUBLE |= {"dlu": "╣", "dlr": "╦", "lru": "╩", "dlru": "╬", "u": "║", "d": "║", "l": "═", "r": "═"}

# corners and sides: top-left, top, top-right, side, bottom-left, bottom-right
BORDERS = {
    "block": "╭─╮│╰╯",
    "input": "╭─╮│╰╯",
    "network": "╔═╗║╚╝",
    "inner": "╭┄╮┆╰╯",
    "broken": "┌╌┐╎└┘",
    "selected": "┏━┓┃┗┛",
}

STYLES = {
    "data": Style(color="grey62"),
    "weight": Style(color="magenta"),
    "block": Style(),
    "input": Style(color="cyan"),
    "network": Style(color="yellow"),
    "inner": Style(color="yellow"),
    "broken": Style(color="red"),
    "problem": Style(color="red", bold=True),
    "selected": Style(color="bright_green", bold=True),
    "name": Style(bold=True),
    "label": Style(dim=True),
    "failed": Style(color="bright_white", bgcolor="red", bold=True),
}
HEALTH = {  # a box's border while training, by its state (tui/health.py)
    "healthy": Style(color="green"),
    "warning": Style(color="yellow"),
    "bad": Style(color="red", bold=True),
    "idle": Style(color="grey50"),
}


@dataclass
class Drawing:
    """A scene drawn: its rows, and where each box landed (for clicks and scrolling)."""

    rows: list[list[Segment]] = field(default_factory=list)
    boxes: dict[str, Placed] = field(default_factory=dict)
    ranks: list[list[str]] = field(default_factory=list)
    width: int = 0
    fallback: str = ""  # why the diagram is a list, when the layout failed
    changed: tuple[int, ...] = ()  # rows that differ from the diagram with nothing selected

    def text(self) -> str:
        """The drawing as plain text, one line per row."""
        return "\n".join("".join(s.text for s in row).rstrip() for row in self.rows)

    def style_at(self, x: int, y: int) -> Style | None:
        """The style of the cell at column x, row y."""
        column = 0
        for segment in self.rows[y] if 0 <= y < len(self.rows) else ():
            column += len(segment.text)
            if x < column:
                return segment.style
        return None

    def colour_of(self, name: str) -> str | None:
        """The colour a box's border is drawn in (its top-left corner's), by name."""
        place = self.boxes.get(name)
        style = self.style_at(place.x, place.y) if place else None
        return style.color.name if style is not None and style.color is not None else None


def box_lines(box: Box) -> tuple[str, str]:
    """The two lines written in a box: its name (marked when it has problems) and its
    block with its output shape."""
    mark = PROBLEM_MARK if box.problems else ""
    return mark + box.name, box.label


def lay_out(scene: Scene) -> Arrangement | str:
    """The arrangement of a scene's boxes, or why there is none (then draw a list)."""
    sizes = {}
    for box in scene.boxes:
        lines = box_lines(box)
        sizes[box.name] = (max(map(len, lines)) + 4, len(lines) + 2)
    try:
        return arrange(sizes, [(w.source, w.target) for w in scene.wires])
    except Exception as err:  # a layout library's failure must never take the editor down
        return f"layout failed ({type(err).__name__}: {err}); nodes are listed instead"


def draw(
    scene: Scene,
    arrangement: Arrangement | str,
    selected: str | None,
    *,
    states: Mapping[str, str] | None = None,
    failed: str | None = None,
) -> Drawing:
    """Draw a scene with its arrangement (or as a list, when the arrangement is a reason).

    states: each box's health while training (a key of HEALTH), by name; failed: the box
    of the node training stopped on."""
    return Picture(scene, arrangement, states=states, failed=failed).drawing(selected)


class Picture:
    """A scene drawn once with nothing selected; `drawing(selected)` then redraws only
    the rows of the selected box, so moving the selection costs a few rows, not the
    whole diagram (a 100-node recipe is hundreds of rows)."""

    def __init__(
        self,
        scene: Scene,
        arrangement: Arrangement | str,
        *,
        states: Mapping[str, str] | None = None,
        failed: str | None = None,
    ) -> None:
        self.scene, self.arrangement = scene, arrangement
        self.states, self.failed = states or {}, failed
        self.rows: list[list[Segment]] = []
        if isinstance(arrangement, str):
            return
        self.grid = grid = _Grid(arrangement.width, arrangement.height)
        kinds = lay_wires(grid, scene, arrangement)
        for box in scene.boxes:
            place = arrangement.boxes.get(box.name)
            if place:
                grid.box(place, box, False, self.states.get(box.name), box.name == failed)
        self.ends: list[tuple[int, int, str, Style]] = []  # wire ends, drawn over borders
        for pair, path in arrangement.paths.items():
            kind = kinds[pair]
            up = pair in arrangement.up
            top = "▲" if up else ("╥" if kind == "weight" else "┬")
            bottom = ("╨" if kind == "weight" else "┴") if up else "▼"
            self.ends += [(*path[0], top, STYLES[kind]), (*path[-1], bottom, STYLES[kind])]
        for x, y, char, style in self.ends:
            grid.put(x, y, char, style)
        self.rows = grid.rows()

    def drawing(self, selected: str | None) -> Drawing:
        """The diagram with `selected` drawn as the selection; `changed` lists the rows
        that differ from the picture with nothing selected."""
        arrangement = self.arrangement
        if isinstance(arrangement, str):
            return draw_list(self.scene, selected, arrangement)
        rows, changed = list(self.rows), ()
        box, place = self.scene.box(selected), arrangement.boxes.get(selected or "")
        if box is not None and place is not None:
            grid = self.grid
            ys = range(place.y, place.y + place.h)
            kept = [(list(grid.chars[y]), list(grid.styles[y])) for y in ys]
            grid.box(place, box, True, self.states.get(box.name), box.name == self.failed)
            for x, y, char, style in self.ends:
                if y in ys and place.x <= x < place.x + place.w:
                    grid.put(x, y, char, style)
            for y in ys:
                rows[y] = grid.row(y)
            for y, (chars, styles) in zip(ys, kept, strict=True):
                grid.chars[y], grid.styles[y] = chars, styles
            changed = tuple(ys)
        return Drawing(
            rows, dict(arrangement.boxes), arrangement.ranks, arrangement.width, changed=changed
        )


def draw_list(scene: Scene, selected: str | None, why: str) -> Drawing:
    """The text fallback: one box per row, in the recipe's order, with what feeds it."""
    feeds: dict[str, list[str]] = {}
    for wire in scene.wires:
        feeds.setdefault(wire.target, []).append(("=" if wire.weight else "") + wire.source)
    rows, boxes = [[Segment(why, STYLES["problem"])]], {}
    for y, box in enumerate(scene.boxes, start=1):
        name, label = box_lines(box)
        text = f"{name:<16} {label:<24} <- {', '.join(feeds.get(box.name, [])) or '-'}"
        style = STYLES["selected"] if box.name == selected else STYLES[box.kind]
        if box.problems:
            style = style + STYLES["problem"]
        rows.append([Segment(text, style)])
        boxes[box.name] = Placed(0, y, len(text), 1)
    ranks = [[b.name] for b in scene.boxes]
    width = max(len("".join(s.text for s in row)) for row in rows)
    return Drawing(rows, boxes, ranks, width, fallback=why)


def lay_wires(grid: _Grid, scene: Scene, arrangement: Arrangement) -> dict:
    """Lay each wire's path on `grid` and settle the crossings; returns each pair of
    boxes' kind of wire: "weight" when every wire between them carries a weight, else
    "data"."""
    weight: dict[tuple[str, str], bool] = {}
    for wire in scene.wires:
        pair = (wire.source, wire.target)
        weight[pair] = weight.get(pair, True) and wire.weight
    kinds = {pair: "weight" if weight.get(pair) else "data" for pair in arrangement.paths}
    for pair, path in arrangement.paths.items():
        grid.wire(path, kinds[pair])
    grid.settle()
    return kinds


class _Grid:
    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.chars = [[" "] * width for _ in range(height)]
        self.styles: list[list[Style | None]] = [[None] * width for _ in range(height)]
        self.dirs: dict[tuple[int, int], set[str]] = {}
        self.kinds: dict[tuple[int, int], set[str]] = {}

    def put(self, x: int, y: int, char: str, style: Style | None) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            self.chars[y][x] = char
            self.styles[y][x] = style

    def wire(self, path: list[tuple[int, int]], kind: str) -> None:
        cells = [path[0]]
        for (x0, y0), (x1, y1) in zip(path, path[1:], strict=False):
            dx, dy = (x1 > x0) - (x1 < x0), (y1 > y0) - (y1 < y0)
            x, y = x0, y0
            while (x, y) != (x1, y1):
                x, y = x + dx, y + dy
                cells.append((x, y))
        names = {(1, 0): ("r", "l"), (-1, 0): ("l", "r"), (0, 1): ("d", "u"), (0, -1): ("u", "d")}
        for a, b in zip(cells, cells[1:], strict=False):
            there, back = names[(b[0] - a[0], b[1] - a[1])]
            self.dirs.setdefault(a, set()).add(there)
            self.dirs.setdefault(b, set()).add(back)
            self.kinds.setdefault(a, set()).add(kind)
            self.kinds.setdefault(b, set()).add(kind)

    def settle(self) -> None:
        """Turn the directions met in each cell into the box-drawing character for them."""
        for (x, y), dirs in self.dirs.items():
            key = "".join(sorted(dirs))
            weight_only = self.kinds[(x, y)] == {"weight"}
            table = DOUBLE if weight_only else LIGHT
            self.put(x, y, table.get(key, "┼"), STYLES["weight" if weight_only else "data"])

    def box(self, place: Placed, box: Box, selected: bool, state: str | None, failed: bool) -> None:
        kind = "selected" if selected else box.kind
        tl, top, tr, side, bl, br = BORDERS[kind]
        border = STYLES[kind] + (STYLES["problem"] if box.problems and not selected else Style())
        if failed:
            border = HEALTH["bad"]
        elif state in HEALTH and not box.problems:
            border = HEALTH[state] + Style(bold=selected)
        x, y, w, h = place.x, place.y, place.w, place.h
        self.put(x, y, tl, border)
        self.put(x + w - 1, y, tr, border)
        self.put(x, y + h - 1, bl, border)
        self.put(x + w - 1, y + h - 1, br, border)
        for i in range(1, w - 1):
            self.put(x + i, y, top, border)
            self.put(x + i, y + h - 1, top, border)
        for j in range(1, h - 1):
            self.put(x, y + j, side, border)
            self.put(x + w - 1, y + j, side, border)
            for i in range(1, w - 1):
                self.put(x + i, y + j, " ", None)
        name, label = box_lines(box)
        name_style = STYLES["name"] + (STYLES["problem"] if box.problems else Style())
        if selected:
            name_style = name_style + Style(reverse=True)
        if failed:
            name_style = STYLES["failed"]
        for i, char in enumerate(name):
            self.put(x + 2 + i, y + 1, char, name_style)
        for i, char in enumerate(label):
            self.put(x + 2 + i, y + 2, char, STYLES["label"])

    def rows(self) -> list[list[Segment]]:
        return [self.row(y) for y in range(self.height)]

    def row(self, y: int) -> list[Segment]:
        """Row y as segments, one per run of cells of the same style."""
        row: list[Segment] = []
        text, current = [], None
        for char, style in zip(self.chars[y], self.styles[y], strict=True):
            if text and style != current:
                row.append(Segment("".join(text), current))
                text = []
            text.append(char)
            current = style
        if text:
            row.append(Segment("".join(text), current))
        return row

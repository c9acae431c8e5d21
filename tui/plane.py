"""The decision over the plane, drawn in the terminal as it learns: for a model of a 2-D
input (recipes/xor.yaml, spirals.yaml), its prediction over a square around the training
data, two pixels a character cell (`▀`, its top pixel the foreground colour and its bottom
pixel the background), the training points on top; and each hidden unit's response, small.

compose computes the numbers (`compose.plane`, `compose.grid_values`: one vmapped call
over a coarse grid, compiled once); `PlaneWatch` asks for them in the training thread at
log points (at most every `seconds`) and hands the pictures, rich Text, to the app.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.color import Color
from rich.style import Style
from rich.text import Text

import compose

SIZE = 32  # pixels along each side of the decision picture: 32 columns, 16 rows
UNIT = 6  # pixels along each side of a unit's picture
UNITS = 4  # units drawn per hidden node at most
NODES = 4  # hidden nodes drawn at most
MAX_POINTS = 150  # training points drawn at most (evenly spaced through the data)
DARKER = 0.6  # a training point: its class's colour, darkened
NOT_FINITE = (110, 110, 110)  # grey: a prediction that is nan or inf
CLASSES = compose.CLASS_COLOURS  # as `compose plot` draws them
RGB = tuple[int, int, int]


def mix(colour: RGB, strength: float) -> RGB:
    """`colour` laid over white with `strength` (0: white, 1: the colour itself)."""
    s = max(0.0, min(1.0, strength))
    return tuple(round(255 - s * (255 - c)) for c in colour)  # type: ignore[return-value]


def decision_pixels(probabilities: Sequence[Sequence[Sequence[float]]]) -> list[list[RGB]]:
    """Each grid point's colour, top row first: the likeliest class's colour, as deep as
    the model is sure (white where the classes are alike). probabilities: (n, n, k), row
    i at the i-th y from the bottom."""
    rows = list(reversed(probabilities))
    finite = [[all(map(math.isfinite, p)) for p in row] for row in rows]
    alike = [  # a point that is not finite is shaded apart; alike classes stand in for it
        [list(p) if ok else [1.0] * len(p) for p, ok in zip(row, oks, strict=True)]
        for row, oks in zip(rows, finite, strict=True)
    ]
    winner, shade = compose.class_shading(alike)
    return [
        [
            mix(CLASSES[best % len(CLASSES)], sure) if ok else NOT_FINITE
            for best, sure, ok in zip(*row, strict=True)
        ]
        for row in zip(winner.tolist(), shade.tolist(), finite, strict=True)
    ]


def response_pixels(values: Sequence[Sequence[float]], reach: float) -> list[list[RGB]]:
    """A unit's output over the plane, top row first: orange below 0, white at 0, blue
    above, full colour at +-reach."""
    reach = reach if reach and math.isfinite(reach) else 1.0
    return [
        [
            mix(CLASSES[1] if v > 0 else CLASSES[0], abs(v) / reach)
            if math.isfinite(v)
            else NOT_FINITE
            for v in row
        ]
        for row in reversed(values)
    ]


def half_blocks(pixels: Sequence[Sequence[RGB]]) -> Text:
    """Pixels (an even number of rows, top first) as text: each cell `▀` with its top
    pixel as the foreground colour and the one below as the background."""
    styles: dict[tuple[RGB, RGB], Style] = {}
    text = Text(no_wrap=True, overflow="crop")
    for y in range(0, len(pixels) - 1, 2):
        for top, bottom in zip(pixels[y], pixels[y + 1], strict=True):
            style = styles.get((top, bottom))
            if style is None:
                style = styles[(top, bottom)] = Style(
                    color=Color.from_rgb(*top), bgcolor=Color.from_rgb(*bottom)
                )
            text.append("▀", style)
        if y + 2 < len(pixels):
            text.append("\n")
    return text


@dataclass(frozen=True)
class Pictures:
    """What the Train tab shows of the plane at one step: the decision (None for a model
    whose prediction cannot be coloured), the units, and a line saying what is drawn."""

    step: int
    decision: Text | None
    units: Text | None
    caption: str


def draw(
    grid: Any,
    found: Any,
    points: Sequence[Sequence[float]] = (),
    labels: Sequence[int] | None = None,
    *,
    step: int = 0,
) -> Pictures:
    """The pictures of a `compose.grid_values` grid: the decision with the training
    points on top (each in its class's colour, darker), and the first units of the
    hidden nodes. points: (m, 2); labels: their classes, or None."""
    prediction = grid.values[str(found.prediction)]
    decision = None
    if found.classifies:
        probabilities = compose.class_probabilities(prediction, found.classifies).tolist()
        pixels = decision_pixels(probabilities)
        left, right, bottom, top = grid.extent
        n = len(pixels)
        for (x, y), label in zip(points, labels or [None] * len(points), strict=True):
            column = round((x - left) / (right - left) * (n - 1))
            row = n - 1 - round((y - bottom) / (top - bottom) * (n - 1))
            if 0 <= row < n and 0 <= column < n:
                colour = CLASSES[(label or 0) % len(CLASSES)]
                pixels[row][column] = tuple(round(c * DARKER) for c in colour)  # type: ignore[assignment]
        decision = half_blocks(pixels)
    elif prediction.shape[2:] == (1,):
        values = prediction[..., 0]
        low, high = float(values.min()), float(values.max())
        centred = (values - (low + high) / 2).tolist()
        decision = half_blocks(response_pixels(centred, (high - low) / 2))
    units = _units(grid, found)
    what = "decision" if found.classifies else f"'{found.prediction}'"
    if not all(math.isfinite(v) for v in prediction.ravel().tolist()):
        what += " (grey: not finite)"
    caption = f"{what} at step {step} ({found.input}[0] across, {found.input}[1] up)"
    return Pictures(step, decision, units, caption)


def _units(grid: Any, found: Any) -> Text | None:
    """The first UNITS units of the first NODES hidden nodes, UNIT x UNIT pixels each."""
    n = len(grid.xs)
    pick = [round(i * (n - 1) / (UNIT - 1)) for i in range(UNIT)]
    text = Text(no_wrap=True, overflow="crop")
    for node in found.hidden[:NODES]:
        values = grid.values[node]
        units = values.shape[-1]
        shown = min(units, UNITS)
        sampled = values[pick][:, pick][..., :shown]
        reach = float(abs(sampled).max())
        maps = [half_blocks(response_pixels(sampled[..., u].tolist(), reach)) for u in range(shown)]
        if text:
            text.append("\n")
        more = f", the first {shown} of {units}" if shown < units else ""
        text.append(f"{node}: each unit{more}\n", style="dim")
        rows = [m.split("\n") for m in maps]
        for r in range(len(rows[0])):
            text.append_text(Text(" ").join(line[r] for line in rows))
            if r + 1 < len(rows[0]):
                text.append("\n")
    return text or None


@dataclass
class PlaneWatch(compose.Listener):
    """At the start, at log points at most every `seconds`, and at the end, draws the
    model over the plane and calls `tell(pictures)` (from the training thread). A model
    that does not read a plane is told once, as None."""

    tell: Callable[[Pictures | None], None]
    seconds: float = 0.25
    size: int = SIZE
    every: int | None = None
    _found: Any = None
    _points: list = field(default_factory=list)
    _labels: list | None = None
    _extent: tuple = ()
    _drawn_at: float = 0.0
    _step: int = -1

    def started(self, session: Any) -> None:
        found = compose.plane(session.model.plan)
        if found is None:
            self.tell(None)
            return
        data = session.data.arrays
        points = data[found.input]
        stride = max(1, -(-len(points) // MAX_POINTS))
        self._extent = compose.square(points)
        self._points = points[::stride].tolist()
        if found.label in data and found.classifies:
            self._labels = compose.class_labels(data[found.label][::stride]).tolist()
        self._found = found
        self._draw(session)

    def logged(self, session: Any, record: dict[str, Any]) -> None:
        if self._found is not None and time.perf_counter() - self._drawn_at >= self.seconds:
            self._draw(session)

    def finished(self, session: Any, result: Any) -> None:
        if self._found is not None and session.step != self._step:
            self._draw(session)

    def _draw(self, session: Any) -> None:
        grid = compose.grid_values(session.model, self._found, self._extent, n=self.size)
        self.tell(draw(grid, self._found, self._points, self._labels, step=session.step))
        self._drawn_at, self._step = time.perf_counter(), session.step

"""A training curve with axes: the values as a Sparkline, the highest and lowest value on
its left, and the steps it spans below it."""

from __future__ import annotations

from textual.containers import Horizontal
from textual.widgets import Sparkline, Static

import compose

AXIS_WIDTH = 8  # the value labels' column: `1.235e+04` is cut to fit, `0.6931` fits


def value_labels(values: list[float], rows: int) -> str:
    """The value axis: the highest value on the top row, the lowest on the bottom row,
    each followed by a tick, the rows between them ticks alone."""
    if not values or rows < 1:
        return "\n".join([" " * (AXIS_WIDTH - 1) + "┤"] * max(rows, 1))
    high, low = (compose.number(v)[: AXIS_WIDTH - 1] for v in (max(values), min(values)))
    lines = [" " * (AXIS_WIDTH - 1) + "│"] * rows
    lines[0] = f"{high:>{AXIS_WIDTH - 1}}┤"
    if rows > 1:
        lines[-1] = f"{low:>{AXIS_WIDTH - 1}}┤"
    return "\n".join(lines)


def step_axis(first: int | None, last: int | None, width: int) -> str:
    """The step axis under a curve `width` cells wide: a rule from the first step logged
    to the last, the word `step` between them."""
    rule = " " * (AXIS_WIDTH - 1) + "└" + "─" * max(0, width)
    if first is None or last is None:
        return rule
    left, right = str(first), f"{last} step"
    gap = max(1, width - len(left) - len(right))
    return rule + "\n" + " " * AXIS_WIDTH + left + " " * gap + right


class Curve(Horizontal):
    """One curve: the value axis on the left, the Sparkline (its id is the widget's id
    with `-line`) `rows` high beside it."""

    DEFAULT_CSS = """
    Curve { height: auto; }
    Curve .axis-values { width: 8; color: $text-muted; }
    Curve Sparkline { width: 1fr; margin-bottom: 0; }
    """

    def __init__(self, rows: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows = rows

    def compose(self):
        yield Static(value_labels([], self.rows), classes="axis-values")
        line = Sparkline([], id=f"{self.id}-line")
        line.styles.height = self.rows
        line.visible = False  # a Sparkline of nothing draws a row of bars, as if all were 0
        yield line

    @property
    def data(self) -> list[float]:
        return list(self.query_one(Sparkline).data or [])

    @data.setter
    def data(self, values: list[float]) -> None:
        """Draw `values`: the curve and its value axis."""
        line = self.query_one(Sparkline)
        line.data, line.visible = list(values), bool(values)
        # the axis keeps its size: redraw it without laying the panel out again
        axis = value_labels(values, self.rows)
        self.query_one(".axis-values", Static).update(axis, layout=False)

    def line_width(self) -> int:
        """How many cells wide the curve itself is drawn."""
        return self.query_one(Sparkline).size.width

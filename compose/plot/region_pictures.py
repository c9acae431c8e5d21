"""Pictures of a network's linear regions (compose.model.regions): along a segment, its
prediction with each region shaded in turn; over a grid, each region in a colour of its own."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.colors import ListedColormap

from compose.model.regions import GridRegions, Segment
from compose.plot.figures import BLUE, figure, title_lines

SIZE = (6.4, 4.2)  # inches
GRID = (5.6, 5.2)
SHADES = ("#dbe9f6", "#fbe3cf")  # alternate regions along a segment: light blue, light orange


def segment_figure(
    segment: Segment,
    ts: np.ndarray,
    values: np.ndarray,
    *,
    what: str,
    input: str,
    title: str = "",
) -> Any:
    """The prediction (n, k) at ts (n,) along the segment, the regions shaded in turn and
    their ends marked; `what` names the prediction."""
    fig = figure(*SIZE)
    ax = fig.add_subplot()
    a, b = (np.ravel(p).astype(np.float64) for p in (segment.a, segment.b))
    if a.size == 1:  # one number: drawn against the input itself

        def along(t):
            return a[0] + np.asarray(t) * (b[0] - a[0])

        ax.set_xlabel(f"{input}[0]")
    else:

        def along(t):
            return np.asarray(t)

        ends = (", ".join(f"{v:g}" for v in p) for p in (a, b))
        ax.set_xlabel(f"t: {input} is A + t (B - A), " + "A = ({}), B = ({})".format(*ends))
    for i, (start, end) in enumerate(segment.regions):
        ax.axvspan(along(start), along(end), color=SHADES[i % 2], linewidth=0, zorder=0)
    if len(segment.regions) <= 64:  # more breakpoints than that would hide the curve
        for point in segment.breakpoints:
            ax.axvline(along(point), color="0.6", linewidth=0.6, zorder=1)
    curves = values.reshape(len(ts), -1)
    for k in range(min(curves.shape[1], 8)):
        label = what if curves.shape[1] == 1 else f"{what}[{k}]"
        ax.plot(along(ts), curves[:, k], color=BLUE if k == 0 else None, linewidth=1.4,
                label=label)  # fmt: skip
    ax.set_xlim(along(0.0), along(1.0))
    ax.set_ylabel("value")
    ax.legend(fontsize="small", loc="upper right")
    count = len(segment.regions)
    heading = f"{count} linear region{'s' * (count != 1)} along the segment, shaded in turn"
    ax.set_title(
        title_lines(f"{title}: {heading}" if title else heading, SIZE[0]), fontsize="medium"
    )
    return fig


def grid_figure(grid: GridRegions, *, input: str, title: str = "") -> Any:
    """Each region of the grid in a colour of its own (neighbours told apart by shuffling)."""
    fig = figure(*GRID)
    ax = fig.add_subplot()
    rng = np.random.default_rng(0)
    colours = rng.uniform(0.25, 0.95, (grid.count, 3))
    extent = (
        grid.xs[0] - (grid.xs[1] - grid.xs[0]) / 2 if len(grid.xs) > 1 else grid.xs[0],
        grid.xs[-1] + (grid.xs[1] - grid.xs[0]) / 2 if len(grid.xs) > 1 else grid.xs[0],
        grid.ys[0] - (grid.ys[1] - grid.ys[0]) / 2 if len(grid.ys) > 1 else grid.ys[0],
        grid.ys[-1] + (grid.ys[1] - grid.ys[0]) / 2 if len(grid.ys) > 1 else grid.ys[0],
    )
    ax.imshow(grid.ids, origin="lower", extent=extent, cmap=ListedColormap(colours),
              vmin=-0.5, vmax=grid.count - 0.5, interpolation="nearest")  # fmt: skip
    ax.set(xlabel=f"{input}[0]", ylabel=f"{input}[1]")
    n = len(grid.xs)
    heading = f"{grid.count} linear region{'s' * (grid.count != 1)} seen at {n} x {n} points"
    ax.set_title(
        title_lines(f"{title}: {heading}" if title else heading, GRID[0]), fontsize="medium"
    )
    return fig

"""A trained model of a 2-D input drawn over the plane, as TensorFlow Playground draws it.

The model's prediction and each hidden node's units are computed at every point of a
square grid covering the training data (one vmapped call), then drawn: the decision as
class colours whose strength is the model's confidence, with the training points on
top; each hidden unit's response as small multiples.

A model qualifies when its prediction (the loss's `pred`, or else its first output) reads
one input only, and that input holds 2 numbers per example. Its hidden nodes are the
nodes before its output layer (the last node with weights on the way to the prediction)
whose output is a vector: `hidden` and `bend` in recipes/xor.yaml. The numbers (which
input is the plane, the values over a grid) are compose/model/plane.py's; this module draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.colors import LinearSegmentedColormap, ListedColormap, Normalize, to_rgb
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from compose.model.colours import class_shading
from compose.model.composed import Composed
from compose.model.plane import (
    Grid,
    Plane,
    class_labels,
    class_probabilities,
    grid_values,
    plane,
    square,
)
from compose.plot.figures import BLUE, CLASS_COLOURS, ORANGE, figure, save, title_lines
from compose.plot.points import training_points
from compose.recipe.records import Recipe
from compose.runs.trained import load_run

MAX_UNITS = 32  # panels in a hidden node's picture at most
BOUNDARY = (5.8, 4.8)  # inches: the plane, a colour bar and a legend
EDGE = "#333333"  # the training points' outline
# In bands (an odd number, so 0 is one white band): they read like contour lines, and
# a picture of 32 units stays small as a PNG.
RESPONSE = LinearSegmentedColormap.from_list("response", [ORANGE, "#ffffff", BLUE], N=21)
RESPONSE_POSITIVE = LinearSegmentedColormap.from_list("positive", ["#ffffff", BLUE], N=11)
RESPONSE_NEGATIVE = LinearSegmentedColormap.from_list("negative", [ORANGE, "#ffffff"], N=11)


def class_colours(probabilities: np.ndarray) -> np.ndarray:
    """(..., 3) RGB: the likeliest class's colour, from white (all classes alike) to
    compose.SHADING of the full colour (certain). probabilities: (..., classes)."""
    palette = np.array([to_rgb(c) for c in _palette(probabilities.shape[-1])])
    winner, shade = class_shading(probabilities)
    return 1 - shade[..., None] * (1 - palette[winner])


def model_pictures(
    folder: Path, out: Path, *, view: tuple[float, ...] | None = None
) -> tuple[list[Path], list[str]]:
    """Draw a run folder's model into `out` (`draw_model`): (files written, warnings)."""
    notes: list[str] = []  # a model.eqx without a checksum
    run = load_run(folder, notes=notes)
    files, warnings = draw_model(run.recipe, run.model, out, base=folder, view=view)
    return files, notes + warnings


def draw_model(
    recipe: Recipe,
    model: Composed,
    out: Path,
    *,
    base: Path,
    view: tuple[float, ...] | None = None,
    title: str = "",
) -> tuple[list[Path], list[str]]:
    """Draw the decision and the hidden units of a model whose prediction reads a plane,
    or its prediction against its input when it reads one number (compose.plot.line_pictures),
    into `out`: (files written, warnings). `view`: (left, right, bottom, top) of the plane,
    or (low, high) of the line (default: around the training data, whose paths are taken
    from `base`)."""
    title = title or recipe.name
    found = plane(model.plan)
    if found is None:
        from compose.plot.line_pictures import line_pictures

        return line_pictures(recipe, model, out, base=base, view=view, title=title)
    if view is not None and len(view) == 2:  # LO:HI: the same range on both axes
        view = (*view, *view)
    points, target, why = training_points(recipe, found, base)
    if points is None and view is None:
        return [], [f"no pictures over the plane: {why}"]
    grid = grid_values(model, found, view or square(points))
    if points is None:
        points, target = np.zeros((0, 2), np.float32), None
    files = []
    shape = grid.values[str(found.prediction)].shape[2:]
    if found.classifies or shape == (1,):
        fig = boundary_figure(grid, found, points, target, title=title)
        name = "boundary.png" if found.classifies else "prediction.png"
        files.append(save(fig, out / name))
    for node in found.hidden:
        block = next(s.block or "network" for s in model.plan.steps if s.name == node)
        fig = units_figure(grid, found.input, node, title=f"{title}: {node} ({block})")
        # a network made for a weight slot is named `node/slot`: one file, not a folder
        files.append(save(fig, out / f"units-{node.replace('/', '-')}.png"))
    return files, []


def boundary_figure(
    grid: Grid, plane: Plane, points: np.ndarray, target: np.ndarray | None, *, title: str = ""
) -> Any:
    """The prediction over the plane with the training points on top. points: (n, 2);
    target: (n, ...) their targets, or None. A classifier is drawn in class colours (with
    a colour bar of P(class 1) for one output), a regression's one output as a heat map."""
    prediction = grid.values[str(plane.prediction)]
    fig = figure(*BOUNDARY)
    ax = fig.add_subplot()
    size = 70 if len(points) <= 50 else 16
    if plane.classifies:
        probabilities = class_probabilities(prediction, plane.classifies)
        ax.imshow(class_colours(probabilities), origin="lower", extent=grid.extent)
        classes = probabilities.shape[-1]
        if classes == 2:
            p = np.linspace(0, 1, 256)
            ramp = ListedColormap(class_colours(np.stack([1 - p, p], axis=-1)))
            bar = fig.colorbar(_mappable(ramp, Normalize(0, 1)), ax=ax, shrink=0.8)
            bar.set_label("P(class 1)")
        labels = class_labels(target) if target is not None else np.zeros(len(points), int)
        palette = _palette(max(classes, int(labels.max(initial=0)) + 1))
        colours = [palette[k] for k in labels]
        ax.scatter(*points.T, c=colours, s=size, edgecolors=EDGE, linewidths=0.5, zorder=2)
        if target is not None:
            handles = _class_handles(palette, sorted(set(labels.tolist())))
            fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
        heading = "decision over the plane; training points by class"
    else:
        values = prediction[..., 0]
        norm = Normalize(float(values.min()), float(values.max()))
        image = ax.imshow(values, origin="lower", extent=grid.extent, cmap="viridis", norm=norm)
        fig.colorbar(image, ax=ax, shrink=0.8).set_label(str(plane.prediction))
        dots = np.asarray(target).reshape(len(points), -1)[:, 0] if target is not None else None
        ax.scatter(*points.T, c=dots, cmap="viridis", norm=norm, s=size, edgecolors=EDGE, zorder=2)
        heading = f"'{plane.prediction}' over the plane; training points by target"
    ax.set(xlabel=f"{plane.input}[0]", ylabel=f"{plane.input}[1]")
    ax.set_xlim(grid.extent[:2])
    ax.set_ylim(grid.extent[2:])
    text = f"{title}: {heading}" if title else heading
    ax.set_title(title_lines(text, BOUNDARY[0]), fontsize="medium")
    return fig


@dataclass(frozen=True)
class UnitsLayout:
    """Where the panels of a hidden node's picture go, in inches (laid out by hand: the
    constrained layout takes seconds over 32 panels)."""

    columns: int
    rows: int
    panel: float  # a cell's side: the image and its title
    left: float = 0.4
    right: float = 1.1  # the colour bar and its label
    top: float = 0.35  # the title
    bottom: float = 0.35

    @property
    def size(self) -> tuple[float, float]:
        """(width, height) of the picture in inches."""
        return (
            self.left + self.columns * self.panel + self.right,
            self.top + self.rows * self.panel + self.bottom,
        )


def units_layout(units: int) -> UnitsLayout:
    """The layout of a picture of `units` units (MAX_UNITS at most are shown), 8 a row."""
    shown = min(units, MAX_UNITS)
    columns = min(shown, 8)
    return UnitsLayout(columns, math.ceil(shown / columns), 1.6 if shown <= 8 else 1.25)


def units_figure(grid: Grid, input: str, node: str, *, title: str = "") -> Any:
    """Each unit of a hidden node over the plane, one small panel per unit (MAX_UNITS at
    most), on one colour scale for the node: orange below 0, white at 0, blue above.

    The panels are images on one axes that spans the figure, measured in inches, each with
    its frame and name, instead of an axes apiece: 32 axes took most of `compose plot`'s
    time (docs/performance.md)."""
    values = grid.values[node]
    units = values.shape[-1]
    shown = min(units, MAX_UNITS)
    more = f", the first {shown} of {units}" if shown < units else ""
    heading = f"each unit over the plane{more}"
    text = title_lines(f"{title}: {heading}" if title else heading, units_layout(units).size[0])
    layout = replace(units_layout(units), top=0.15 + 0.22 * text.count("\n") + 0.2)
    width, height = layout.size
    fig = figure(width, height, layout=None)
    cmap, norm = _response_scale(values[..., :shown])
    panels = fig.add_axes((0, 0, 1, 1))
    panels.set_axis_off()
    side = layout.panel - 0.3  # room for the panel's name above it
    for unit in range(shown):
        row, column = divmod(unit, layout.columns)
        x = layout.left + column * layout.panel + 0.15
        y = height - layout.top - (row + 1) * layout.panel + 0.05
        panels.imshow(values[..., unit], origin="lower", extent=(x, x + side, y, y + side),
                      cmap=cmap, norm=norm, interpolation="nearest", aspect="auto")  # fmt: skip
        panels.add_patch(Rectangle((x, y), side, side, fill=False, linewidth=0.8))
        panels.text(x + side / 2, y + side + 3 / 72, f"{node}[{unit}]", ha="center", va="bottom",
                    fontsize="small")  # fmt: skip
    panels.set(xlim=(0, width), ylim=(0, height))
    bar_x = layout.left + layout.columns * layout.panel + 0.2
    bar = fig.add_axes(
        (
            bar_x / width,
            layout.bottom / height,
            0.15 / width,
            1 - (layout.top + layout.bottom) / height,
        )
    )
    fig.colorbar(_mappable(cmap, norm), cax=bar).set_label("unit's output")
    fig.suptitle(text, fontsize="medium", y=1 - 0.1 / height, va="top")
    fig.text(0.5 * (layout.left + layout.columns * layout.panel) / width, 0.1 / height,
             f"{input}[0] across, {input}[1] up", ha="center", fontsize="small")  # fmt: skip
    return fig


def _response_scale(values: np.ndarray) -> tuple[Any, Normalize]:
    """(colour map, norm) for units' outputs: centred on 0 when they take both signs, else
    from 0 to their extreme (a sigmoid's 0 to 1 gets the whole scale)."""
    lo, hi = float(np.min(values)), float(np.max(values))
    if lo >= 0 and hi > 0:
        return RESPONSE_POSITIVE, Normalize(0, hi)
    if hi <= 0 and lo < 0:
        return RESPONSE_NEGATIVE, Normalize(lo, 0)
    reach = max(-lo, hi) or 1.0
    return RESPONSE, Normalize(-reach, reach)


def _palette(classes: int) -> list[str]:
    return [CLASS_COLOURS[k % len(CLASS_COLOURS)] for k in range(classes)]


def _class_handles(palette: list[str], classes: list[int]) -> list[Line2D]:
    return [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=7,
            markerfacecolor=palette[k],
            markeredgecolor=EDGE,
            label=f"class {k}",
        )  # fmt: skip
        for k in classes
    ]


def _mappable(cmap: Any, norm: Normalize) -> Any:
    from matplotlib.cm import ScalarMappable

    return ScalarMappable(norm=norm, cmap=cmap)

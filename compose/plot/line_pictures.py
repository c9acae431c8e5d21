"""A model of one number per example drawn along its line: its prediction against its input,
with the training targets (and a test set's, when the data holds one) on top and the
training interval shaded, so that what the model does beyond it (extrapolation) is seen;
and each hidden node's units as curves against the input.

A model qualifies when its prediction (the loss's `pred`, or else its first output) reads
one input only, of shape [1] (compose.model.plane.line). The interval drawn is `view`
(`compose plot --range LO:HI`), else the training and test inputs with a margin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from compose.model.composed import Composed
from compose.model.plane import Plane, class_probabilities, line, line_values, span
from compose.plot.figures import BLUE, CLASS_COLOURS, ORANGE, figure, save, title_lines
from compose.plot.points import training_points
from compose.recipe.records import Recipe

MAX_LINES = 32  # a hidden node's units drawn at most
SIZE = (6.4, 4.2)  # inches
TRAINED = "#e8e8e8"  # the training interval's shade


def line_pictures(
    recipe: Recipe,
    model: Composed,
    out: Path,
    *,
    base: Path,
    view: tuple[float, ...] | None = None,
    title: str = "",
) -> tuple[list[Path], list[str]]:
    """prediction.png and units-NODE.png of a model of one number, into `out`: (files
    written, warnings); nothing when the model reads no line."""
    found = line(model.plan)
    if found is None:
        return [], []
    if view is not None and len(view) != 2:
        return [], ["no picture along the line: --range gives two axes, the input has one"]
    train, train_target, why = training_points(recipe, found, base)
    test, test_target, _ = training_points(recipe, found, base, part="test")
    if train is None and view is None:
        return [], [f"no picture along the line: {why}; --range LO:HI gives one"]
    seen = [p[:, 0] for p in (train, test) if p is not None]
    interval = view or span(np.concatenate(seen))
    xs, values = line_values(model, found, (float(interval[0]), float(interval[1])))
    points = {"training": (train, train_target), "test": (test, test_target)}
    fig = prediction_figure(xs, values[str(found.prediction)], found, points, title=title)
    files = [save(fig, out / "prediction.png")]
    for node in found.hidden:
        block = next(s.block or "network" for s in model.plan.steps if s.name == node)
        fig = units_figure(xs, values[node], found.input, node, title=f"{title}: {node} ({block})")
        files.append(save(fig, out / f"units-{node.replace('/', '-')}.png"))
    return files, []


def prediction_figure(
    xs: np.ndarray, prediction: np.ndarray, reads: Plane, points: dict, *, title: str = ""
) -> Any:
    """The prediction (n, k) against the input xs (n,): a line per output (a classifier's
    per class probability), the training and test targets as dots, the training inputs'
    interval shaded. points: {"training": (inputs (m, 1), targets), "test": ...}."""
    fig = figure(*SIZE)
    ax = fig.add_subplot()
    train = points["training"][0]
    if train is not None and len(train):
        ax.axvspan(float(train.min()), float(train.max()), color=TRAINED, zorder=0,
                   label="training interval")  # fmt: skip
    curves = prediction.reshape(len(xs), -1)
    if reads.classifies:
        curves = class_probabilities(curves, reads.classifies)
        names = [f"P(class {k})" for k in range(curves.shape[1])]
    else:
        names = [str(reads.prediction)] if curves.shape[1] == 1 else [
            f"{reads.prediction}[{k}]" for k in range(curves.shape[1])
        ]  # fmt: skip
    colours = [CLASS_COLOURS[k % len(CLASS_COLOURS)] for k in range(curves.shape[1])]
    if curves.shape[1] == 1:
        colours = [BLUE]
    for k in range(min(curves.shape[1], MAX_LINES)):
        ax.plot(xs, curves[:, k], color=colours[k], linewidth=1.8, label=names[k], zorder=3)
    for part, marker, colour in (("training", "o", ORANGE), ("test", "^", "#555555")):
        inputs, targets = points[part]
        if inputs is None or targets is None or reads.classifies:
            continue
        dots = np.asarray(targets).reshape(len(inputs), -1)[:, 0]
        ax.scatter(inputs[:, 0], dots, s=14, marker=marker, color=colour, alpha=0.7,
                   edgecolors="none", label=f"{part} targets", zorder=2)  # fmt: skip
    ax.set_xlim(float(xs[0]), float(xs[-1]))
    ax.set(xlabel=f"{reads.input}[0]", ylabel="probability" if reads.classifies else "value")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    heading = f"'{reads.prediction}' against the input; the shaded interval is trained on"
    text = f"{title}: {heading}" if title else heading
    ax.set_title(title_lines(text, SIZE[0]), fontsize="medium")
    return fig


def units_figure(xs: np.ndarray, values: np.ndarray, input: str, node: str, *, title: str = ""):
    """Each unit of a hidden node (n, units) against the input xs (n,), one curve each."""
    fig = figure(*SIZE)
    ax = fig.add_subplot()
    units = values.shape[-1]
    shown = min(units, MAX_LINES)
    from compose.plot.curves import line_colours

    for unit, colour in zip(range(shown), line_colours(shown), strict=True):
        ax.plot(xs, values[:, unit], color=colour, linewidth=1.2, label=f"{node}[{unit}]")
    ax.axhline(0, color="0.5", linewidth=0.8)
    ax.set_xlim(float(xs[0]), float(xs[-1]))
    ax.set(xlabel=f"{input}[0]", ylabel="unit's output")
    ax.grid(alpha=0.3)
    if shown <= 12:
        ax.legend(fontsize="x-small", ncols=2 if shown > 6 else 1)
    else:
        ax.text(0.02, 0.02, "dark: first unit, light: last", transform=ax.transAxes,
                fontsize="x-small")  # fmt: skip
    more = f", the first {shown} of {units}" if shown < units else ""
    text = f"{title}: each unit against the input{more}" if title else f"each unit{more}"
    ax.set_title(title_lines(text, SIZE[0]), fontsize="medium")
    return fig

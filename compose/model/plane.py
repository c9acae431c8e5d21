"""A model of a 2-D input seen over the plane (and of a 1-D input along its line): which
input is the plane, and its values there.

The numbers behind compose/plot/model_pictures.py's pictures (and the editor's decision picture),
without matplotlib: how a model reads the plane (`plane`), a square around the training
points (`square`), the prediction and each hidden node at every point of a grid (one
vmapped call, `grid_values`), and a classifier's prediction as class probabilities.

A model qualifies when its prediction (the loss's `pred`, or else its first output) reads
one input only, and that input holds 2 numbers per example. Its hidden nodes are the
nodes before its output layer (the last node with weights on the way to the prediction)
whose output is a vector: `hidden` and `bend` in recipes/xor.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import equinox as eqx
import jax
import numpy as np

from blocks import BLOCKS
from compose.checker.plan import Plan, Value
from compose.model.composed import Composed

GRID = 160  # points along each side of the plane


@dataclass(frozen=True)
class Plane:
    """How a model reads the plane.

    input: the input the prediction reads, 2 numbers per example. prediction: the value
    drawn as the decision. classifies: what the prediction holds, "probability" or
    "logits" (a classifier), or None (a regression, or no loss to say). label: the input
    holding the target, if the loss names one. hidden: the hidden nodes, in graph order.
    """

    input: str
    prediction: Value
    classifies: str | None
    label: str | None
    hidden: tuple[str, ...]


@dataclass(frozen=True)
class Grid:
    """Values over a square of the plane. xs, ys: (n,) coordinates of the columns and
    rows; values[name]: (n, n, *shape), row i at ys[i], column j at xs[j]."""

    xs: np.ndarray
    ys: np.ndarray
    values: dict[str, np.ndarray]

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(left, right, bottom, top), as imshow takes it."""
        return float(self.xs[0]), float(self.xs[-1]), float(self.ys[0]), float(self.ys[-1])


def plane(plan: Plan) -> Plane | None:
    """How the model reads the plane, or None when its prediction does not read one."""
    return reader(plan, (2,))


def line(plan: Plan) -> Plane | None:
    """How a model of one number per example (an input of shape [1]) reads it, as a Plane
    record whose input is that line; None when its prediction does not read one."""
    return reader(plan, (1,))


def reader(plan: Plan, shape: tuple[int, ...]) -> Plane | None:
    """How the model's prediction reads its one input of `shape`, or None when it reads
    another shape or more than one input."""
    loss_step = plan.loss_step
    if loss_step is not None and loss_step.block and loss_step.args[0].kind == "node":
        prediction, classifies = loss_step.args[0], BLOCKS[loss_step.block].classifies
        target = loss_step.args[1] if len(loss_step.args) > 1 else None
        label = target.name if target is not None and target.kind == "input" else None
    elif plan.outputs and plan.outputs[0].kind == "node":
        prediction, classifies, label = plan.outputs[0], None, None
    else:
        return None
    needed = plan.needed((prediction,))
    read = {
        v.name for s in needed for v in (*s.args, *(w for _, w in s.weights)) if v.kind == "input"
    }
    shapes = dict(plan.inputs)
    if len(read) != 1 or shapes[next(iter(read))] != shape:
        return None
    layers = [s.name for s in needed if s.weights or s.sub is not None]
    before = plan.needed((Value("node", layers[-1]),)) if layers else ()
    hidden = tuple(s.name for s in before if s.name != layers[-1] and len(s.out_shape) == 1)
    return Plane(next(iter(read)), replace(prediction, reshape=None), classifies, label, hidden)


def span(values: np.ndarray, margin: float = 0.15) -> tuple[float, float]:
    """An interval (low, high) around `values` with a margin on each side.

    >>> span(np.array([0.0, 1.0]))
    (-0.15, 1.15)
    """
    values = np.asarray(values, np.float64)
    lo, hi = float(values.min()), float(values.max())
    half = max((hi - lo) / 2, 1e-3) * (1 + 2 * margin)
    return round((lo + hi) / 2 - half, 6), round((lo + hi) / 2 + half, 6)


def line_values(
    model: Composed, reads: Plane, interval: tuple[float, float], n: int = GRID * 4
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(xs (n,), {name: (n, *shape)}): the prediction and every hidden node at n points
    evenly spaced over `interval` of a model's one-number input."""
    xs = np.linspace(interval[0], interval[1], n, dtype=np.float32)
    wanted = (reads.prediction, *(Value("node", name) for name in reads.hidden))
    got = jax.device_get(_evaluate(model, xs[:, None], reads.input, wanted))
    return xs, {k: np.asarray(v) for k, v in got.items()}


def square(points: np.ndarray, margin: float = 0.15) -> tuple[float, float, float, float]:
    """A square (left, right, bottom, top) around `points` (n, 2) with a margin on each side.

    >>> square(np.array([[0.0, 0.0], [1.0, 1.0]]))
    (-0.15, 1.15, -0.15, 1.15)
    """
    points = np.asarray(points)
    lo, hi = points.min(axis=0), points.max(axis=0)
    centre, half = (lo + hi) / 2, max(float(np.max(hi - lo)) / 2, 1e-3) * (1 + 2 * margin)
    left, bottom = (round(float(c - half), 6) for c in centre)
    right, top = (round(float(c + half), 6) for c in centre)
    return left, right, bottom, top


def grid_values(
    model: Composed, plane: Plane, extent: tuple[float, float, float, float], n: int = GRID
) -> Grid:
    """The prediction and every hidden node at each of n x n points covering `extent`.

    One vmapped call, compiled once per model structure and n: cheap enough to redraw at
    every log point while a model trains."""
    xs = np.linspace(extent[0], extent[1], n, dtype=np.float32)
    ys = np.linspace(extent[2], extent[3], n, dtype=np.float32)
    points = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    wanted = (plane.prediction, *(Value("node", name) for name in plane.hidden))
    got = jax.device_get(_evaluate(model, points, plane.input, wanted))
    return Grid(xs, ys, {k: np.asarray(v).reshape(n, n, *v.shape[1:]) for k, v in got.items()})


@eqx.filter_jit
def _evaluate(
    model: Composed, points: jax.Array, input: str, wanted: tuple[Value, ...]
) -> dict[str, jax.Array]:
    return jax.vmap(lambda x: model.values({input: x}, wanted))(points)


def class_probabilities(prediction: np.ndarray, classifies: str) -> np.ndarray:
    """(..., classes) probabilities from a classifier's prediction (..., 1) or (..., k);
    one output is the probability (or logit) of class 1.

    >>> class_probabilities(np.array([[0.0]]), "logits").tolist()
    [[0.5, 0.5]]
    """
    values = np.asarray(prediction, np.float64)
    if values.shape[-1] == 1:
        p = 1 / (1 + np.exp(-values)) if classifies == "logits" else values
        return np.concatenate([1 - p, p], axis=-1)
    if classifies == "logits":
        shifted = np.exp(values - values.max(axis=-1, keepdims=True))
        return shifted / shifted.sum(axis=-1, keepdims=True)
    return values


def class_labels(target: np.ndarray) -> np.ndarray:
    """(n,) class numbers from targets: one-hot or probabilities (n, k), yes/no (n, 1) or
    class numbers (n,).

    >>> class_labels(np.array([[0.0], [1.0]])).tolist()
    [0, 1]
    """
    target = np.asarray(target)
    if target.ndim == 1:
        return target.astype(np.int64)
    if target.shape[-1] == 1:
        return (target[:, 0] > 0.5).astype(np.int64)
    return np.argmax(target, axis=-1)

"""Linear regions of a network's piecewise-linear part: counted exactly along a segment of its
input, and by activation pattern over a grid of points.

A piecewise-linear node (relu, leaky_relu, relu6, hard_tanh, hard_sigmoid, max, where) is in
one of a few pieces at each element: a relu's input above 0 or not, which element a max
selects, which branch a hard gate takes. Its *switches* are the numbers whose signs say which
piece: a relu's input, x - 6 and x for relu6, a max's other elements minus the selected one,
a gate's condition. The activation pattern at a point is the piece of every element of every
such node; a linear region is a maximal set of inputs sharing one pattern (where the network
is one affine function, when everything else in it is affine).

Along a segment x(t) = a + t (b - a), t in [0, 1], every switch is affine in t inside a
region, so the nearest place where one changes sign, on each side of a point, is found from
its value and its derivative there (one forward pass with `jax.jvp`). Counting walks the
segment: take a point inside the part not yet covered, find its region's two ends, and go on
with what is left on either side. This is exact, up to regions narrower than `TOLERANCE`
of the segment, when every node between the input and the switches is piecewise linear
(linear layers, sums, concatenations, the nodes above); with smooth nodes (tanh, sigmoid)
before a switch, its crossings are found by linearising, which the result says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from compose.checker.plan import Plan, Value
from compose.model.composed import Composed, Extras, run

TOLERANCE = 1e-5  # regions narrower than this fraction of a segment are not counted
MAX_REGIONS = 100_000  # a walk stops after this many regions and says so
# The point taken inside an interval: not its middle, which on a hand-set network (dyadic
# weights) is exactly where a switch changes sign; the second when the first is too near one.
INSIDE = (0.41421356, 0.6180339)


def _relu_like(thresholds: tuple[float, ...]) -> Callable:
    def switches(args, hypers, lead):
        x = args[0]
        values = [x - t for t in thresholds]
        return values, [v > 0 for v in values]

    return switches


def _max(args, hypers, lead):
    """A max's switches: each element minus the selected one (the selected one itself -1,
    never a crossing), and which element is selected as its pattern."""
    x, axis = args[0], hypers["axis"]
    axis = axis + lead if axis >= 0 else axis
    chosen = jnp.argmax(x, axis=axis, keepdims=True)
    top = jnp.take_along_axis(x, chosen, axis=axis)
    index = jnp.arange(x.shape[axis]).reshape([-1 if i == axis % x.ndim else 1
                                               for i in range(x.ndim)])  # fmt: skip
    gaps = jnp.where(index == chosen, -1.0, x - top)
    return [gaps], [chosen]


def _where(args, hypers, lead):
    return [args[0]], [args[0] > 0]


# block -> its switches (values whose sign changes where its piece changes) and pattern
PIECEWISE: dict[str, Callable] = {
    "relu": _relu_like((0.0,)),
    "leaky_relu": _relu_like((0.0,)),
    "relu6": _relu_like((0.0, 6.0)),
    "hard_tanh": _relu_like((-1.0, 1.0)),
    "hard_sigmoid": _relu_like((-3.0, 3.0)),
    "max": _max,
    "where": _where,
}
# blocks that are affine in their inputs (with their weights fixed): exact counting holds
AFFINE = frozenset(
    {"linear", "add", "concat", "scale", "reshape", "flatten", "split", "sum", "mean",
     "transpose", "conv2d", "avg_pool", "batch_norm", "dropout", "noise", "parameter"}
)  # fmt: skip


@dataclass(frozen=True)
class Switched:
    """The piecewise-linear nodes on the way to a prediction (paths, `net/node` inside a
    network) and the nodes there that are neither affine nor piecewise linear."""

    nodes: tuple[str, ...]
    smooth: tuple[str, ...]


def switched(plan: Plan, wanted: Value, prefix: str = "") -> Switched:
    """Which nodes the prediction `wanted` needs are piecewise linear, and which smooth."""
    nodes, smooth = [], []
    for step in plan.needed((wanted,)):
        if step.sub is not None:
            inner = switched(step.sub, step.sub.outputs[0], f"{prefix}{step.name}/")
            nodes += inner.nodes
            smooth += inner.smooth
        elif step.block in PIECEWISE:
            nodes.append(prefix + step.name)
        elif step.block not in AFFINE:
            smooth.append(prefix + step.name)
    return Switched(tuple(nodes), tuple(smooth))


def _switches(plan: Plan, trace: dict, inputs: dict, weights: dict, lead: int):
    """(switch values, pattern values) of every piecewise-linear step in `trace`, flat."""
    values, pattern = [], []

    def get(value: Value):
        if value.kind == "input":
            array = inputs[value.name]
        elif value.kind == "node":
            array = trace[value.name]
        else:
            array = weights[value.name][value.slot]
        return array.reshape(array.shape[:lead] + value.reshape) if value.reshape else array

    for step in plan.steps:
        if step.name not in trace:
            continue
        if step.sub is not None:
            inner = trace[f"{step.name}/"]
            args = [get(v) for v in step.args]
            names = [name for name, _ in step.sub.inputs]
            if step.repeat:  # copy i reads copy i-1's output; the first, the network's input
                out = inner[step.sub.outputs[0].name]
                first = jnp.expand_dims(args[0], lead)
                rest = jax.lax.slice_in_dim(out, 0, step.repeat - 1, axis=lead)
                args = [jnp.concatenate([first, rest], axis=lead)]
            sub_inputs = dict(zip(names, args, strict=True))
            more = _switches(
                step.sub, inner, sub_inputs, weights[step.name], lead + bool(step.repeat)
            )
            values += more[0]
            pattern += more[1]
        elif step.block in PIECEWISE:
            got = PIECEWISE[step.block]([get(v) for v in step.args], dict(step.hypers), lead)
            values += got[0]
            pattern += got[1]
    return values, pattern


def probe(model: Composed, input: str, wanted: Value, x: jax.Array):
    """(switches (s,), pattern (p,)) of the model at one input x, flat over every
    piecewise-linear node on the way to `wanted`."""
    trace: dict = {}
    run(model.plan, model.weights, {input: x}, (wanted,), Extras(trace=trace))
    values, pattern = _switches(model.plan, trace, {input: x}, model.weights, 0)
    flat = jnp.concatenate([jnp.ravel(v).astype(jnp.float32) for v in values] or [jnp.zeros(0)])
    bits = jnp.concatenate([jnp.ravel(p).astype(jnp.int32) for p in pattern] or [jnp.zeros(0, int)])
    return flat, bits


@eqx.filter_jit
def _along(model, input, wanted, a, b, ts):
    """Switches and their derivatives in t at the points a + t (b - a) for each t of ts."""

    def one(t):
        return jax.jvp(lambda s: probe(model, input, wanted, a + s * (b - a))[0], (t,), (1.0,))

    return jax.vmap(one)(ts)


@eqx.filter_jit
def values_along(model: Composed, input: str, wanted: Value, a, b, ts: jax.Array) -> jax.Array:
    """The value `wanted` (n, *shape) at the points a + t (b - a) for each t of ts (n,)."""
    return jax.vmap(lambda t: model.values({input: a + t * (b - a)}, (wanted,))[str(wanted)])(ts)


@eqx.filter_jit
def patterns(model: Composed, input: str, wanted: Value, points: jax.Array) -> jax.Array:
    """The activation pattern (n, p) at each of the points (n, *input shape)."""
    return jax.vmap(lambda x: probe(model, input, wanted, x)[1])(points)


@dataclass(frozen=True)
class Segment:
    """The regions along a segment from `a` to `b`: each as (start, end) in t from 0 to 1,
    in order; `complete` is False when the walk stopped at MAX_REGIONS."""

    a: np.ndarray
    b: np.ndarray
    regions: tuple[tuple[float, float], ...]
    complete: bool = True

    @property
    def breakpoints(self) -> tuple[float, ...]:
        """Where one region ends and the next begins, in t."""
        return tuple(end for _, end in self.regions[:-1])


def along(model: Composed, input: str, wanted: Value, a, b) -> Segment:
    """The linear regions of the model along the segment from a to b (arrays of the input's
    shape), by walking it (see the module's docstring)."""
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    open_ = [(0.0, 1.0)]
    found: list[tuple[float, float]] = []
    while open_ and len(found) < MAX_REGIONS:
        lows, highs = np.array(open_).T
        points = lows + INSIDE[0] * (highs - lows)
        ends, near = _ends(model, input, wanted, a, b, points, lows, highs)
        if near.any():  # too near a switch's sign change to tell its side: the other point
            again = lows[near] + INSIDE[1] * (highs[near] - lows[near])
            ends[near] = _ends(model, input, wanted, a, b, again, lows[near], highs[near])[0]
        open_ = []
        for (low, high), (left, right) in zip(zip(lows, highs, strict=True), ends, strict=True):
            found.append((float(left), float(right)))
            if left - low > TOLERANCE:
                open_.append((low, left))
            if high - right > TOLERANCE:
                open_.append((right, high))
    return Segment(np.asarray(a), np.asarray(b), tuple(sorted(found)), not open_)


def _ends(model, input, wanted, a, b, points, lows, highs) -> tuple[np.ndarray, np.ndarray]:
    """((n, 2) the start and end in t of the region holding each point, within its interval
    (low, high); (n,) whether the point lies too near a switch's sign change to trust)."""
    size = 1 << max(0, int(np.ceil(np.log2(len(points)))))  # few shapes: few compilations
    ts = np.zeros(size, np.float32)
    ts[: len(points)] = points
    values, slopes = jax.device_get(_along(model, input, wanted, a, b, ts))
    values, slopes = np.asarray(values[: len(points)]), np.asarray(slopes[: len(points)])
    with np.errstate(divide="ignore", invalid="ignore"):
        steps = np.where(slopes != 0, -values / slopes, np.inf)
    near = np.abs(steps) < 1e-3 * (highs - lows)[:, None]
    forward = np.where(steps > 0, steps, np.inf).min(axis=1, initial=np.inf)
    backward = np.where(steps < 0, steps, -np.inf).max(axis=1, initial=-np.inf)
    ends = np.stack([np.maximum(lows, points + backward), np.minimum(highs, points + forward)], 1)
    return ends, near.any(axis=1)


@dataclass(frozen=True)
class GridRegions:
    """The activation patterns over a grid: xs (n,), ys (m,) the points' coordinates (cell
    centres), ids (m, n) a region number per point (row i at ys[i]), and how many there are."""

    xs: np.ndarray
    ys: np.ndarray
    ids: np.ndarray
    count: int


def over_grid(
    model: Composed,
    input: str,
    wanted: Value,
    extent: tuple[float, float, float, float],
    n: int = 200,
    *,
    chunk: int = 16384,
) -> GridRegions:
    """The regions seen at n x n points of `extent` (left, right, bottom, top), each at a
    cell's centre: points with one activation pattern are one region (a pattern's region is
    convex, so this counts the regions holding at least one point)."""
    left, right, bottom, top = extent
    xs = left + (np.arange(n) + 0.5) * (right - left) / n
    ys = bottom + (np.arange(n) + 0.5) * (top - bottom) / n
    points = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2).astype(np.float32)
    found = []
    for start in range(0, len(points), chunk):
        part = np.zeros((chunk, 2), np.float32)
        piece = points[start : start + chunk]
        part[: len(piece)] = piece
        found.append(np.asarray(patterns(model, input, wanted, part))[: len(piece)])
    bits = np.concatenate(found)
    if bits.shape[1] == 0:
        return GridRegions(xs, ys, np.zeros((n, n), np.int64), 1)
    _, ids = np.unique(bits, axis=0, return_inverse=True)
    return GridRegions(xs, ys, ids.reshape(n, n), int(ids.max()) + 1)

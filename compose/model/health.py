"""Looking inside as a checklist: numbers per node and per weight on one batch, and flags
in plain words for what stops a network from learning.

`health(model, batch)` runs one `compose.inspect` (activations and loss gradients at every
node, weight gradients) and turns it into plain records: per node the activation's mean
and spread, dead ReLU units, saturated sigmoid or tanh values and the gradient's size; per
weight its size, its gradient's size and how large a step is next to it. Flags name
vanishing and exploding gradients, dead and saturated layers, symmetric weights, a softmax
over one element, a loss that no weight moves, and values that are not finite.
`compose inspect` prints them; docs/inspect.md explains each number and threshold.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from compose.checker.plan import Learned, Plan, Step
from compose.checker.rewrites import Rewrite
from compose.model.composed import Composed
from compose.model.failure import non_finite_kind
from compose.model.inspection import inspect
from compose.runtime.files import json_ready

VANISHING = 1e-3  # a node's gradient below this fraction of the one the loss sends back
EXPLODING = 1e3  # ... or above this many times it
SIGMOID_EDGE = 0.02  # a sigmoid value below this or above 1 - this is saturated (slope < 0.02)
TANH_EDGE = 0.98  # a tanh value beyond +-this is saturated (slope < 0.04)
SATURATED = 0.5  # a node with more than this fraction of its values saturated is flagged
SAME_GRADIENT = 1e-5  # gradient rows closer than this (relative to the largest) are equal


@dataclass(frozen=True)
class NodeHealth:
    """One node on one batch.

    mean, std: of its output over every example and element. dead: for a relu node, the
    fraction of its units (output elements; inside a repeat, per copy too) that are <= 0
    for every example of the batch, else None. saturated: for a sigmoid or tanh node, the
    fraction of its output values (every element of every example) in a flat end, else
    None. grad_norm: the mean over the examples of the L2 norm of the gradient of each
    example's own loss at this node's output (so 1 at the loss node, whatever the batch
    size); None when no gradient reaches it, and `note` says why. copy_grad_norms: inside
    a repeated network, the same per repeat index (first copy first), else ().
    """

    path: str
    block: str
    shape: tuple[int, ...]
    mean: float
    std: float
    dead: float | None
    saturated: float | None
    grad_norm: float | None
    note: str = ""
    copy_grad_norms: tuple[float, ...] = ()


@dataclass(frozen=True)
class WeightHealth:
    """One learned weight (`node.slot`, `net/node.slot` inside a network) on one batch.

    norm: its L2 (Frobenius) norm, over every copy for a repeat. grad_norm: the norm of
    the gradient of the mean batch loss, the gradient an optimizer step uses. update_ratio:
    the norm of a step over the norm of the weight (see `Health.update`), None when no
    step is known or the weight is all zero.
    """

    name: str
    shape: tuple[int, ...]
    norm: float
    grad_norm: float
    update_ratio: float | None


@dataclass(frozen=True)
class Flag:
    """Something that stops learning: its kind (one of KINDS), where (a node path, a
    weight name, or "" for the whole model) and the sentence a user reads."""

    kind: str
    where: str
    message: str

    def __str__(self) -> str:
        return self.message


KINDS = (
    "non_finite",
    "vanishing",
    "exploding",
    "dead",
    "saturated",
    "symmetric",
    "one_element_softmax",
    "constant_loss",
)


@dataclass(frozen=True)
class Health:
    """A model on one batch: the mean batch loss, the number of examples, a record per
    node (graph order, a network's nodes after it) and per learned weight, the flags, and
    how the update ratios were found ("" when they were not)."""

    loss: float
    examples: int
    nodes: tuple[NodeHealth, ...]
    weights: tuple[WeightHealth, ...]
    flags: tuple[Flag, ...]
    update: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON data: numbers that are not finite become None (null)."""
        return json_ready(asdict(self))


def health(
    model: Composed,
    batch: Mapping[str, Any],
    *,
    rewrites: Sequence[Rewrite] = (),
    previous: Composed | Mapping | None = None,
    learning_rate: float | None = None,
) -> Health:
    """Numbers and flags for `model` on `batch` (arrays with a leading batch axis).

    rewrites: the checked recipe's (`checked.rewrites`), so that a node a stable rewrite
    fused away reads "fused into loss (sigmoid_cross_entropy)" instead of a gradient of 0.
    previous: the weights one step before (a model or its `weights`): update ratios are
    then |weights - previous| / |weights|. Else with `learning_rate` they are estimated as
    learning_rate * |gradient| / |weights|, the step plain gradient descent would take (an
    adaptive optimizer's steps differ); with neither there are none.
    """
    seen = inspect(model, batch)
    places = _places(model.plan)
    fused = _fused(rewrites, places)
    before = None if previous is None else getattr(previous, "weights", previous)
    update = ""
    if before is not None:
        update = "norm of (weights - previous weights) / norm"
    elif learning_rate is not None:
        update = f"learning rate {learning_rate:g} x grad norm / norm (plain SGD's step)"
    with np.errstate(all="ignore"):  # numbers that are not finite are flagged, not warned of
        nodes = tuple(
            _node(path, places[path], seen.activations[path], seen.gradients[path], fused)
            for path in seen.activations
        )
        weights = tuple(
            _weight(name, _at(model.weights, name), grad, before, learning_rate)
            for name, grad in seen.weight_gradients.items()
        )
        flags = _flags(seen, nodes, places, _learned(model.plan), model)
    return Health(seen.loss, _size(batch), nodes, weights, tuple(flags), update)


# -- where each node stands ------------------------------------------------------------------


@dataclass(frozen=True)
class _Place:
    """A node's step, whether the loss depends on it at run time, whether a learned weight
    lies before it (only then does its gradient matter), and whether the loss reads it."""

    step: Step
    on_path: bool
    learns: bool
    feeds_loss: bool = False
    is_loss: bool = False
    copies: int = 0  # inside a repeated network: its number of copies (the outermost's)


def _places(plan: Plan) -> dict[str, _Place]:
    loss = plan.loss.name if plan.loss is not None else ""
    found = _walk(plan, "", {s.name for s in plan.needed((plan.loss,))}, {})
    if loss in found:
        found[loss] = _with(found[loss], is_loss=True)
        for value in found[loss].step.args:
            if value.kind == "node":
                found[value.name] = _with(found[value.name], feeds_loss=True)
    return found


def _with(place: _Place, **changes) -> _Place:
    return _Place(**{**place.__dict__, **changes})


def _walk(plan: Plan, prefix: str, needed: set[str], learning: dict[str, bool], copies=0):
    """Each step's place, in execution order, a network's nodes after it."""
    found: dict[str, _Place] = {}
    learns: dict[str, bool] = dict(learning)

    def value_learns(value) -> bool:
        return value.kind == "weight" or learns.get(value.name, False)

    for step in plan.steps:
        refs = step.args + tuple(v for _, v in step.weights)
        learns[step.name] = any(map(value_learns, refs)) or (
            step.sub is not None and _has_learned(step.sub)
        )
        path = prefix + step.name
        found[path] = _Place(step, step.name in needed, learns[step.name], copies=copies)
        if step.sub is not None:
            sub = step.sub
            inner = {s.name for s in sub.needed(sub.outputs)} if step.name in needed else set()
            inputs = {
                name: value_learns(arg) or (bool(step.repeat) and _has_learned(sub))
                for (name, _), arg in zip(sub.inputs, step.args, strict=True)
            }
            found.update(_walk(sub, f"{path}/", inner, inputs, copies or step.repeat))
    return found


def _has_learned(plan: Plan) -> bool:
    return bool(plan.learned) or any(_has_learned(s.sub) for s in plan.steps if s.sub)


def _fused(rewrites: Sequence[Rewrite], places: dict[str, _Place]) -> dict[str, str]:
    """{producer path: "fused into CONSUMER (FUSED BLOCK)"} for each rewrite whose producer
    nothing on the loss's path reads any more."""
    notes = {}
    for rewrite in rewrites:
        prefix = rewrite.node.rpartition("/")[0]
        prefix = f"{prefix}/" if prefix else ""
        consumer = places.get(rewrite.node)
        if consumer is None:
            continue
        producer_block = rewrite.written.split(" -> ")[0]
        for path, place in places.items():
            step = place.step
            if (
                path == prefix + step.name
                and step.block == producer_block
                and step.args[:1] == consumer.step.args[:1]
                and not place.on_path
                and path not in notes
            ):
                notes[path] = f"fused into {rewrite.node} ({consumer.step.block})"
                break
    return notes


def _learned(
    plan: Plan, prefix: str = "", stacked: bool = False
) -> dict[str, tuple[Learned, bool]]:
    """{"path.slot": (its Learned record, whether copies are stacked on a leading axis)}."""
    out = {f"{prefix}{w.node}.{w.slot}": (w, stacked) for w in plan.learned}
    for step in plan.steps:
        if step.sub is not None:
            out.update(_learned(step.sub, f"{prefix}{step.name}/", stacked or bool(step.repeat)))
    return out


# -- the numbers -------------------------------------------------------------------------------


def _node(path: str, place: _Place, value, grad, fused: dict[str, str]) -> NodeHealth:
    step = place.step
    block = step.block or "network"
    a = np.asarray(value, np.float64)
    n = a.shape[0]
    units = a.reshape(n, -1)
    dead = float(np.mean(np.all(units <= 0, axis=0))) if block == "relu" else None
    saturated = None
    if block == "sigmoid":
        saturated = float(np.mean((a < SIGMOID_EDGE) | (a > 1 - SIGMOID_EDGE)))
    elif block == "tanh":
        saturated = float(np.mean(np.abs(a) > TANH_EDGE))
    note, grad_norm, per_copy = "", None, ()
    if place.on_path:
        # gradients are of the mean batch loss: times n, each example's own loss
        g = np.asarray(grad, np.float64) * n
        grad_norm = float(np.mean(np.linalg.norm(g.reshape(n, -1), axis=1)))
        if place.copies:
            norms = np.linalg.norm(g.reshape(n, place.copies, -1), axis=2).mean(axis=0)
            per_copy = tuple(float(v) for v in norms)
    else:
        note = fused.get(path, "not on the loss's path")
    return NodeHealth(
        path,
        block,
        tuple(a.shape[1:]),
        float(np.mean(a)),
        float(np.std(a)),
        dead,
        saturated,
        grad_norm,
        note,
        per_copy,
    )


def _weight(name: str, weight, grad, before, learning_rate: float | None) -> WeightHealth:
    w = np.asarray(weight, np.float64)
    g = np.asarray(grad, np.float64)
    norm = float(np.linalg.norm(w.ravel()))
    grad_norm = float(np.linalg.norm(g.ravel()))
    step = None
    if before is not None:
        step = float(np.linalg.norm((w - np.asarray(_at(before, name), np.float64)).ravel()))
    elif learning_rate is not None:
        step = learning_rate * grad_norm
    ratio = None if step is None or norm == 0 else step / norm
    return WeightHealth(name, tuple(w.shape), norm, grad_norm, ratio)


def _at(weights: Mapping, name: str):
    """The array `net/node.slot` in a nested weights dict."""
    path, _, slot = name.rpartition(".")
    owner = weights
    for part in path.split("/"):
        owner = owner[part]
    return owner[slot]


def _size(batch: Mapping[str, Any]) -> int:
    return len(next(iter(batch.values())))


# -- the flags ---------------------------------------------------------------------------------


def _flags(seen, nodes, places, learned, model) -> list[Flag]:
    """Every flag, in this order: values that are not finite, each node's in graph order,
    symmetric weights, a flat loss."""
    flags = _not_finite(seen, nodes, model)
    reference = _reference(nodes, places)
    for node in nodes:
        flags.extend(_node_flags(node, places[node.path], reference))
    for name, grad in seen.weight_gradients.items():
        record, stacked = learned.get(name, (None, False))
        if record and _symmetric(_at(model.weights, name), grad, record.fan_out, stacked):
            w = np.asarray(_at(model.weights, name))
            rows = w.shape[_units_axis(w.ndim, record.fan_out, stacked)]
            node = name.rpartition(".")[0]
            flags.append(
                Flag(
                    "symmetric",
                    name,
                    f"weight '{name}': symmetric: its {rows} rows are equal and get equal "
                    f"gradients, so the {rows} units of node '{node}' stay copies of one "
                    "another; initialise it randomly, e.g. {init: lecun_normal}",
                )
            )
    grads = [np.asarray(g) for g in seen.weight_gradients.values()]
    if grads and all(np.all(g == 0) for g in grads):
        flags.append(
            Flag(
                "constant_loss",
                "",
                "the loss is flat in every weight: every weight gradient is exactly 0 on "
                "this batch, so nothing learns",
            )
        )
    return flags


def _node_flags(node: NodeHealth, place: _Place, reference) -> list[Flag]:
    """A node's own flags: dead, saturated, vanishing or exploding, a one-element softmax.
    Dead and saturated count only where the loss depends on the node."""
    label = f"node '{node.path}' ({node.block})"
    flags = []
    if place.on_path and node.dead == 1.0:
        units = math.prod(node.shape)
        flags.append(
            Flag(
                "dead",
                node.path,
                f"{label}: dead: all {units} units are <= 0 for every example of the batch, "
                "so no gradient passes through it",
            )
        )
    if place.on_path and node.saturated is not None and node.saturated > SATURATED:
        where = (
            f"below {SIGMOID_EDGE:g} or above {1 - SIGMOID_EDGE:g}, where its slope is under 0.02"
            if node.block == "sigmoid"
            else f"beyond -{TANH_EDGE:g} or {TANH_EDGE:g}, where its slope is under 0.04"
        )
        flags.append(
            Flag(
                "saturated",
                node.path,
                f"{label}: saturated: {100 * node.saturated:.0f}% of its values are {where}",
            )
        )
    gradient = _gradient_flag(node, place, reference, label)
    if gradient:
        flags.append(gradient)
    if place.step.block == "softmax" and _axis_size(place.step) == 1:
        flags.append(
            Flag(
                "one_element_softmax",
                node.path,
                f"{label}: softmax over one element: its output is always 1, so no gradient "
                "passes through it; for one yes/no output use sigmoid",
            )
        )
    return flags


def _reference(nodes: Sequence[NodeHealth], places: dict[str, _Place]) -> tuple[str, float]:
    """The gradient the loss sends back: the largest at a node the loss reads (else 1, at
    the loss node itself), with that node's path."""
    fed = [
        (n.path, n.grad_norm)
        for n in nodes
        if places[n.path].feeds_loss and n.grad_norm is not None and math.isfinite(n.grad_norm)
    ]
    if not fed:
        return next((p for p, place in places.items() if place.is_loss), ""), 1.0
    return max(fed, key=lambda item: item[1])


def _gradient_flag(node: NodeHealth, place: _Place, reference, label: str) -> Flag | None:
    """Vanishing or exploding, against the gradient the loss sends back; inside a repeated
    network, at the repeat index where it is smallest (largest)."""
    name, size = reference
    norms = node.copy_grad_norms or (node.grad_norm,)
    if node.grad_norm is None or not all(map(math.isfinite, norms)) or not size:
        return None
    if not place.learns or place.feeds_loss or place.is_loss:
        return None
    against = f"the {size:.2g} at '{name}', which the loss reads"

    def at(index: int) -> str:
        return f" at repeat index {index} (of {len(norms)})" if node.copy_grad_norms else ""

    low, high = int(np.argmin(norms)), int(np.argmax(norms))
    if norms[low] < VANISHING * size:
        return Flag(
            "vanishing",
            node.path,
            f"{label}: vanishing gradient: {norms[low]:.2g}{at(low)}, below {VANISHING:g} "
            f"times {against}; the weights before it barely learn",
        )
    if norms[high] > EXPLODING * size:
        return Flag(
            "exploding",
            node.path,
            f"{label}: exploding gradient: {norms[high]:.2g}{at(high)}, above {EXPLODING:g} "
            f"times {against}; lower the learning rate, or clip it with train.clip",
        )
    return None


def _not_finite(seen, nodes: Sequence[NodeHealth], model: Composed) -> list[Flag]:
    """The first node (graph order) whose output, else gradient, is not finite; and each
    weight that is not."""
    flags = []
    for what, values in (("output", seen.activations), ("gradient", seen.gradients)):
        bad = [p for p, v in values.items() if not np.all(np.isfinite(np.asarray(v)))]
        if bad:
            node = next(n for n in nodes if n.path == bad[0])
            more = f" (and {len(bad) - 1} more nodes after it)" if len(bad) > 1 else ""
            flags.append(
                Flag(
                    "non_finite",
                    bad[0],
                    f"node '{bad[0]}' ({node.block}): not finite: its {what} holds "
                    f"{non_finite_kind(values[bad[0]])}{more}",
                )
            )
            break
    for name in seen.weight_gradients:
        w = np.asarray(_at(model.weights, name))
        if not np.all(np.isfinite(w)):
            flags.append(
                Flag("non_finite", name, f"weight '{name}': not finite: holds {non_finite_kind(w)}")
            )
    return flags


def _axis_size(step: Step) -> int | None:
    axis = dict(step.hypers).get("axis", -1)
    shape = step.out_shape
    if not shape or not -len(shape) <= axis < len(shape):
        return None
    return shape[axis]


def _units_axis(ndim: int, fan_out: int, stacked: bool) -> int:
    own = ndim - stacked
    return fan_out % own + stacked


def _symmetric(weight, grad, fan_out: int, stacked: bool) -> bool:
    """Whether every row (slice along the weight's output axis) is equal, in every copy,
    and so is every row of its gradient: then every unit stays a copy of the first."""
    w, g = np.asarray(weight), np.asarray(grad, np.float64)
    if w.ndim - stacked < 2 or not np.all(np.isfinite(w)) or not np.all(np.isfinite(g)):
        return False
    axis = _units_axis(w.ndim, fan_out, stacked)
    if w.shape[axis] < 2 or not np.all(w == np.take(w, [0], axis=axis)):
        return False
    scale = float(np.max(np.abs(g))) if g.size else 0.0
    return bool(np.all(np.abs(g - np.take(g, [0], axis=axis)) <= SAME_GRADIENT * scale))

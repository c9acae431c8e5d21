"""The flags of a model's health, in plain words: values that are not finite, vanishing and
exploding gradients, dead and saturated layers, symmetric weights, a softmax over one
element, and a loss that no weight moves.

A dead ReLU passes no gradient, so every node whose ways to the loss all pass through dead
ReLUs gets none either: its vanishing gradient has that one cause, which is flagged once,
at the dead ReLU, naming the nodes it starves, instead of a vanishing flag on each."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from compose.checker.plan import Step
from compose.model.composed import Composed
from compose.model.failure import non_finite_kind
from compose.model.health_numbers import SIGMOID_EDGE, TANH_EDGE, weight_at
from compose.model.health_places import Place
from compose.model.health_records import Flag, NodeHealth

VANISHING = 1e-3  # a node's gradient below this fraction of the one the loss sends back
EXPLODING = 1e3  # ... or above this many times it
SATURATED = 0.5  # a node with more than this fraction of its values saturated is flagged
SAME_GRADIENT = 1e-5  # gradient rows closer than this (relative to the largest) are equal


def find_flags(seen, nodes, places, learned, model) -> list[Flag]:
    """Every flag, in this order: values that are not finite, each node's in graph order,
    symmetric weights, a flat loss."""
    flags = _not_finite(seen, nodes, model)
    reference = _reference(nodes, places)
    starved = _starved(nodes, places)
    for node in nodes:
        flags.extend(_node_flags(node, places[node.path], reference, starved))
    for name, grad in seen.weight_gradients.items():
        record, stacked = learned.get(name, (None, False))
        if record and _symmetric(weight_at(model.weights, name), grad, record.fan_out, stacked):
            w = np.asarray(weight_at(model.weights, name))
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


def _node_flags(
    node: NodeHealth, place: Place, reference, starved: dict[str, tuple[str, ...]]
) -> list[Flag]:
    """A node's own flags: dead (with the nodes it starves), saturated, vanishing or
    exploding (not for a node a dead ReLU starves), a one-element softmax. Dead and
    saturated count only where the loss depends on the node."""
    label = f"node '{node.path}' ({node.block})"
    flags = []
    if place.on_path and node.dead == 1.0:
        units = math.prod(node.shape)
        flags.append(
            Flag(
                "dead",
                node.path,
                f"{label}: dead: all {units} units are <= 0 for every example of the batch, "
                f"so no gradient passes through it{_starving(node.path, starved)}",
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
    gradient = None if node.path in starved else _gradient_flag(node, place, reference, label)
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


def _reference(nodes: Sequence[NodeHealth], places: dict[str, Place]) -> tuple[str, float]:
    """The gradient the loss sends back: the largest at a node the loss reads (else the
    loss node's own, 1/sqrt(batch)), with that node's path."""

    def usable(n: NodeHealth) -> bool:
        return n.grad_norm is not None and math.isfinite(n.grad_norm)

    fed = [(n.path, n.grad_norm) for n in nodes if places[n.path].feeds_loss and usable(n)]
    if not fed:
        loss = [(n.path, n.grad_norm) for n in nodes if places[n.path].is_loss and usable(n)]
        return loss[0] if loss else ("", 1.0)
    return max(fed, key=lambda item: item[1])


def _starved(nodes: Sequence[NodeHealth], places: dict[str, Place]) -> dict[str, tuple[str, ...]]:
    """{path: the dead ReLUs that cut it off} for every node with learned weights before it
    whose ways to the loss all pass through dead ReLUs (relus on the loss's path with every
    unit dead), and which so gets no gradient at all. Inside a network, a node the
    network outputs is taken to lead out of it (never cut)."""
    dead = {n.path for n in nodes if places[n.path].on_path and n.dead == 1.0}
    if not dead:
        return {}
    consumers: dict[str, list[str]] = {path: [] for path in places}
    leaves: set[str] = set()  # a network's outputs: read outside it
    for path, place in places.items():
        step, prefix = place.step, path[: len(path) - len(place.step.name)]
        for value in step.args + tuple(v for _, v in step.weights):
            if value.kind == "node":
                consumers[prefix + value.name].append(path)
        if step.sub is not None:
            leaves.update(f"{path}/{v.name}" for v in step.sub.outputs if v.kind == "node")
    cut: dict[str, tuple[str, ...]] = {}
    for path in reversed(places):  # a node's readers run after it
        place = places[path]
        readers = [c for c in consumers[path] if places[c].on_path]
        if not place.on_path or place.is_loss or path in leaves or not readers:
            continue
        if all(c in dead or c in cut for c in readers):
            causes = ((c,) if c in dead else cut[c] for c in readers)
            cut[path] = tuple(dict.fromkeys(itertools.chain.from_iterable(causes)))
    return {path: causes for path, causes in cut.items() if places[path].learns}


def _starving(relu: str, starved: dict[str, tuple[str, ...]]) -> str:
    """What the dead relu `relu` starves, said after its flag (nearest first), or ""."""
    names = [path for path in starved if relu in starved[path]]  # found last node first
    if not names:
        return ""
    if len(names) == 1:
        return (
            f", and node '{names[0]}' before it is starved: it gets no gradient, so the "
            "weights feeding it stop learning"
        )
    listed = ", ".join(f"'{name}'" for name in names)
    return (
        f", and nodes {listed} before it are starved: they get no gradient, so the "
        "weights feeding them stop learning"
    )


def _gradient_flag(node: NodeHealth, place: Place, reference, label: str) -> Flag | None:
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
        w = np.asarray(weight_at(model.weights, name))
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

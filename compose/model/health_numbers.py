"""The numbers of one node and one learned weight on one batch: an activation's mean and
spread, dead and saturated units, gradient sizes, and how large a step is next to a weight.

Every gradient is of the mean batch loss L = (1/n) sum_i loss_i, the one an optimizer step
uses; a gradient norm is the L2 norm over every example of the batch and every element."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from compose.model.health_places import Place
from compose.model.health_records import NodeHealth, WeightHealth

SIGMOID_EDGE = 0.02  # a sigmoid value below this or above 1 - this is saturated (slope < 0.02)
TANH_EDGE = 0.98  # a tanh value beyond +-this is saturated (slope < 0.04)


def node_health(path: str, place: Place, value, grad, fused: dict[str, str]) -> NodeHealth:
    """The node at `path` from its output and loss gradient on the batch (each (batch, ...));
    `fused` notes why a node off the loss's path gets no gradient."""
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
        # The gradient of the mean batch loss at this output, over every example and unit.
        g = np.asarray(grad, np.float64)
        grad_norm = float(np.linalg.norm(g.ravel()))
        if place.copies:
            each = g.reshape(n, place.copies, -1).transpose(1, 0, 2).reshape(place.copies, -1)
            per_copy = tuple(float(v) for v in np.linalg.norm(each, axis=1))
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


def weight_health(name: str, weight, grad, earlier, later) -> WeightHealth:
    """The weight `name` from its value and gradient (same shape), and the step from the
    weights `earlier` to the weights `later` (nested dicts, or None when no step is known):
    its norm over the norm of the earlier weight."""
    w = np.asarray(weight, np.float64)
    g = np.asarray(grad, np.float64)
    norm = float(np.linalg.norm(w.ravel()))
    grad_norm = float(np.linalg.norm(g.ravel()))
    step = ratio = None
    if earlier is not None and later is not None:
        before = np.asarray(weight_at(earlier, name), np.float64)
        after = np.asarray(weight_at(later, name), np.float64)
        step = float(np.linalg.norm((after - before).ravel()))
        size = float(np.linalg.norm(before.ravel()))
        ratio = None if size == 0 else step / size
    return WeightHealth(name, tuple(w.shape), norm, grad_norm, ratio, step)


def weight_at(weights: Mapping, name: str):
    """The array `net/node.slot` in a nested weights dict. A network made for a weight
    slot has a slash in its own name (`logits/weight`, so `logits/weight/h.weight`): the
    longest part of the path that names an entry is taken at each level."""
    path, _, slot = name.rpartition(".")
    owner, parts = weights, path.split("/")
    while parts:
        cut = next((i for i in range(len(parts), 0, -1) if "/".join(parts[:i]) in owner), 0)
        if not cut:
            raise KeyError(name)
        owner, parts = owner["/".join(parts[:cut])], parts[cut:]
    return owner[slot]

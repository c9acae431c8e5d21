"""The numbers of one node and one learned weight on one batch: an activation's mean and
spread, dead and saturated units, gradient sizes, and how large a step is next to a weight."""

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


def weight_health(name: str, weight, grad, before, learning_rate: float | None) -> WeightHealth:
    """The weight `name` from its value and gradient (same shape), and the step from
    `before` (the weights one step before) or else from `learning_rate`."""
    w = np.asarray(weight, np.float64)
    g = np.asarray(grad, np.float64)
    norm = float(np.linalg.norm(w.ravel()))
    grad_norm = float(np.linalg.norm(g.ravel()))
    step = None
    if before is not None:
        step = float(np.linalg.norm((w - np.asarray(weight_at(before, name), np.float64)).ravel()))
    elif learning_rate is not None:
        step = learning_rate * grad_norm
    ratio = None if step is None or norm == 0 else step / norm
    return WeightHealth(name, tuple(w.shape), norm, grad_norm, ratio)


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

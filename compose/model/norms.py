"""Per-node gradient and weight norms: what one line of the norms log measures, traceable
inside a compiled training step (compose.runs.norms_log writes the lines).

grad: the norm of the mean batch loss's gradient at the node's output (over the batch and
every unit), the same number as compose inspect's grad norm (compose.model.health); the
loss node's own is 1/sqrt(batch) by construction and is left out, as are the nodes no
gradient reaches (fused into the loss, or off its path), which inspect says have none;
act: the root mean square of the node's activation; norm: a weight's norm after the step;
update: the norm of that one step's change of the weight over the weight's norm before it,
|after - before| / |before| (the per-step update/weight ratio, as compose inspect's update
ratio; about 1e-3 is the usual healthy figure).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from compose.model.composed import Composed
from compose.model.health_places import node_places
from compose.model.inspection import flat_paths, flat_weights, inside, paths

NODE_FIELDS = ("grad", "act")
WEIGHT_FIELDS = ("norm", "grad", "update")


def multiples(every: int, after: int, up_to: int) -> range:
    """The steps in (after, up_to] that are multiples of `every`: where lines fall."""
    return range((after // every + 1) * every, up_to + 1, every)


def columns(model: Composed) -> list[tuple[str, str, str]]:
    """What each number of a measured row is, in order: ("nodes", path, field) for every
    node in execution order ("grad" only where a gradient reaches the node and it is not the
    loss node, whose own is constant), then ("weights",
    "path.slot", field) for every weight, in the execution order of its node (slots by
    name)."""
    order = paths(model.plan)
    places = node_places(model.plan)
    rank = {path: i for i, path in enumerate(order)}
    names = sorted(
        flat_weights(model.weights), key=lambda n: (rank.get(n.rpartition(".")[0], len(rank)), n)
    )
    graded = {p for p, place in places.items() if place.on_path and not place.is_loss}
    nodes = [(path, f) for path in order for f in NODE_FIELDS if f != "grad" or path in graded]
    return [("nodes", path, f) for path, f in nodes] + [
        ("weights", name, f) for name in names for f in WEIGHT_FIELDS
    ]


def measured(before: Composed, after: Composed, batch: dict[str, jax.Array]) -> jax.Array:
    """One line's numbers for the step that took `before` to `after` on `batch` (arrays with
    a leading batch axis), in the order of columns(after), shape (columns,): traceable, the
    measure of the session's steps.Probe."""
    _, trace, tap_grads, weight_grads = inside(after, batch)
    activations, gradients = flat_paths(trace), flat_paths(tap_grads)
    new, old = flat_weights(after.weights), flat_weights(before.weights)
    weight_gradients = flat_weights(weight_grads)
    nodes = {
        path: {"grad": _norm(gradients[path]), "act": _rms(activations[path])}
        for path in activations
    }
    weights = {}
    for name, weight in new.items():
        size = _norm(old[name])
        moved = _norm(weight - old[name])
        update = jnp.where(size > 0, moved / size, jnp.inf)  # none from zero: null
        grad = _norm(weight_gradients[name])
        weights[name] = {"norm": _norm(weight), "grad": grad, "update": update}
    found = {"nodes": nodes, "weights": weights}
    return jnp.stack([found[part][name][field] for part, name, field in columns(after)])


def line(step: int, row: list[float], names: list[tuple[str, str, str]]) -> dict[str, Any]:
    """The line of `norms.jsonl` for a measured row, its numbers named by columns()."""
    out: dict[str, Any] = {"step": step, "nodes": {}, "weights": {}}
    for (part, name, field), value in zip(names, row, strict=True):
        out[part].setdefault(name, {})[field] = value
    return out


def _norm(array: jax.Array) -> jax.Array:
    return jnp.sqrt(jnp.sum(jnp.square(array.astype(jnp.float32))))


def _rms(array: jax.Array) -> jax.Array:
    return jnp.sqrt(jnp.mean(jnp.square(array.astype(jnp.float32))))

"""Looking inside as a checklist: numbers per node and per weight on one batch, and flags
in plain words for what stops a network from learning.

`health(model, batch)` runs one `compose.inspect` (activations and loss gradients at every
node, weight gradients) and turns it into plain records: per node the activation's mean
and spread, dead ReLU units, saturated sigmoid or tanh values and the gradient's size; per
weight its size, its gradient's size and how large a step is next to it. Every gradient
is of the mean batch loss, the one an optimizer step uses. Flags name vanishing and
exploding gradients, dead and saturated layers (and what a dead ReLU starves), symmetric
weights, a softmax over one element, a loss that no weight moves, and values that are
not finite.
`compose inspect` prints them; docs/inspect.md explains each number and threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from compose.checker.rewrites import Rewrite
from compose.model.composed import Composed
from compose.model.health_flags import find_flags
from compose.model.health_numbers import node_health, weight_at, weight_health
from compose.model.health_places import fused_notes, learned_weights, node_places
from compose.model.health_records import Health
from compose.model.inspection import inspect


def health(
    model: Composed,
    batch: Mapping[str, Any],
    *,
    rewrites: Sequence[Rewrite] = (),
    after: Composed | Mapping | None = None,
    previous: Composed | Mapping | None = None,
    how: str = "",
) -> Health:
    """Numbers and flags for `model` on `batch` (arrays with a leading batch axis).

    rewrites: the checked recipe's (`checked.rewrites`), so that a node a stable rewrite
    fused away reads "fused into loss (sigmoid_cross_entropy)" instead of a gradient of 0.
    Update ratios, |later - earlier| / |earlier| per weight, need a step: `after`, the
    weights (or model) one optimizer step after `model` (compose inspect takes that step
    with the recipe's optimizer: the next step's ratio), or `previous`, the weights some
    steps before `model`; with neither there are none. `how` says how the step was found
    (`Health.update`; a plain description of the step otherwise).
    """
    if after is not None and previous is not None:
        raise ValueError("expected `after` or `previous`, got both")
    seen = inspect(model, batch)
    places = node_places(model.plan)
    fused = fused_notes(rewrites, places)
    earlier, later, update = None, None, how
    if after is not None:
        earlier, later = model.weights, getattr(after, "weights", after)
        update = how or "norm of (weights after one step - weights) / norm of weights"
    elif previous is not None:
        earlier, later = getattr(previous, "weights", previous), model.weights
        update = how or "norm of (weights - previous weights) / norm of previous weights"
    with np.errstate(all="ignore"):  # numbers that are not finite are flagged, not warned of
        nodes = tuple(
            node_health(path, places[path], seen.activations[path], seen.gradients[path], fused)
            for path in seen.activations
        )
        weights = tuple(
            weight_health(name, weight_at(model.weights, name), grad, earlier, later)
            for name, grad in seen.weight_gradients.items()
        )
        flags = find_flags(seen, nodes, places, learned_weights(model.plan), model)
    return Health(seen.loss, _size(batch), nodes, weights, tuple(flags), update)


def _size(batch: Mapping[str, Any]) -> int:
    return len(next(iter(batch.values())))

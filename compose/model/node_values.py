"""One node's activation and gradient element by element, and exact zeros counted per node.

What `compose inspect --values NODE` shows: where a max sends its gradient (to one element
only), which branch of a hard gate a gradient reaches, which outputs of a sparsemax are
exactly 0. Exact means `== 0`: a value of 1e-30 is not a zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from compose.checker.rewrites import Rewrite
from compose.model.composed import Composed
from compose.model.health_places import fused_notes, node_places
from compose.model.inspection import inspect


@dataclass(frozen=True)
class NodeValues:
    """A node's output for one example, and the gradient of that example's own loss at it.

    activation, gradient: the node's output shape (copies first inside a repeated network);
    gradient is None when no gradient reaches the node, and `note` says why.
    """

    path: str
    block: str
    example: int
    loss: float
    activation: np.ndarray
    gradient: np.ndarray | None
    note: str = ""


@dataclass(frozen=True)
class Zeros:
    """How many of a node's values over a batch are exactly 0: of `size` output values,
    `outputs` are; of their gradients (of the mean batch loss), `gradients` are (None when
    no gradient reaches the node)."""

    path: str
    block: str
    size: int
    outputs: int
    gradients: int | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def no_gradient(model: Composed, rewrites: Sequence[Rewrite] = ()) -> dict[str, str]:
    """{path: why no gradient reaches it} for the nodes the loss does not depend on."""
    places = node_places(model.plan)
    fused = fused_notes(rewrites, places)
    return {
        path: fused.get(path, "not on the loss's path")
        for path, place in places.items()
        if not place.on_path
    }


def node_values(
    model: Composed,
    batch: Mapping[str, Any],
    path: str,
    example: int,
    *,
    rewrites: Sequence[Rewrite] = (),
) -> NodeValues:
    """Node `path`'s activation and gradient for example `example` of `batch` (arrays with
    a leading batch axis); the gradient is of that example's own loss. Raises KeyError for
    a path the model has not and IndexError for an example the batch has not."""
    size = len(next(iter(batch.values())))
    if not 0 <= example < size:
        raise IndexError(f"expected an example from 0 to {size - 1}, got {example}")
    one = {name: np.asarray(array)[example : example + 1] for name, array in batch.items()}
    seen = inspect(model, one)
    if path not in seen.activations:
        raise KeyError(path)
    missing = no_gradient(model, rewrites)
    block = node_places(model.plan)[path].step.block or "network"
    gradient = None if path in missing else np.asarray(seen.gradients[path][0])
    return NodeValues(
        path,
        block,
        example,
        seen.loss,
        np.asarray(seen.activations[path][0]),
        gradient,
        missing.get(path, ""),
    )


def zeros(model: Composed, batch: Mapping[str, Any], *, rewrites: Sequence[Rewrite] = ()):
    """Exact zeros of every node's output and gradient over `batch`, in execution order."""
    seen = inspect(model, batch)
    missing = no_gradient(model, rewrites)
    places = node_places(model.plan)
    found = []
    for path, activation in seen.activations.items():
        values = np.asarray(activation)
        gradient = None if path in missing else int(np.sum(np.asarray(seen.gradients[path]) == 0))
        block = places[path].step.block or "network"
        found.append(Zeros(path, block, values.size, int(np.sum(values == 0)), gradient))
    return tuple(found)

"""Data parallelism: the batch split over a one-axis `jax.sharding` mesh of devices.

Weights, optimizer state and the training data are replicated on every device; each
step's batch is split along its first axis, so every device computes the gradient of its
share and XLA sums them. One device is the same code with no mesh at all. Several hosts
join through `jax.distributed.initialize` before the mesh is made (see docs/training.md).

A population (many variants of a model stacked on a leading axis) is split the other way,
by `Spread`: each device holds and trains its share of the variants on whole batches, and
only the data is replicated.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

AXIS = "data"


def available() -> int:
    """How many devices JAX sees (on every host together)."""
    return jax.device_count()


class Placement:
    """Where arrays live for a run on `count` devices (None: all of them)."""

    def __init__(self, count: int | None = None):
        devices = jax.devices()
        self.count = count or len(devices)
        self.mesh = Mesh(np.array(devices[: self.count]), (AXIS,)) if self.count > 1 else None

    @property
    def batch(self) -> NamedSharding | None:
        """How a batch (leading axis: examples) is split, or None on one device."""
        return None if self.mesh is None else NamedSharding(self.mesh, PartitionSpec(AXIS))

    def replicated(self, tree: Any) -> Any:
        """`tree`'s arrays on every device of the run (on the default device if one)."""
        if self.mesh is None:
            return jax.device_put(tree)
        return jax.device_put(tree, NamedSharding(self.mesh, PartitionSpec()))

    def weights(self, tree: Any) -> Any:
        """A model's (or its optimizer state's) arrays where the run keeps them: on every
        device of the run."""
        return self.replicated(tree)

    def indices(self, indices: np.ndarray) -> Any:
        """A chunk's example indices (..., steps, batch), split along the batch axis."""
        if self.mesh is None:
            return jax.device_put(indices)
        spec = PartitionSpec(*([None] * (indices.ndim - 1)), AXIS)
        return jax.device_put(indices, NamedSharding(self.mesh, spec))


class Spread(Placement):
    """Where a population's arrays live on `count` devices: its variants (the leading axis
    of its weights, optimizer states, settings and example indices) split evenly over them,
    the data replicated. `count` must divide the variants."""

    def weights(self, tree: Any) -> Any:
        """`tree`'s arrays split along their leading axis (of variants); scalars replicated."""
        if self.mesh is None:
            return jax.device_put(tree)
        split, whole = (NamedSharding(self.mesh, PartitionSpec(*s)) for s in ((AXIS,), ()))
        return jax.tree_util.tree_map(
            lambda a: jax.device_put(a, split if np.ndim(a) else whole), tree
        )

    def indices(self, indices: np.ndarray) -> Any:
        """A chunk's example indices (variants, steps, batch), split by variant."""
        return self.weights(indices)

    @property
    def batch(self) -> None:
        """Each variant's batch is whole, on the device that holds the variant."""
        return None

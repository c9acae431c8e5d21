"""Which examples each step trains on: a fresh shuffle each epoch, full batches only.

The order is a function of the seed and the step number alone, so a run resumed at step k
draws exactly the batches a run that never stopped would have drawn, and a checkpoint need
not store any random state for it.
"""

from __future__ import annotations

import numpy as np


class Batches:
    """Example indices for steps `start, start + 1, ...`; drawn per chunk, so a long run
    never holds more than one epoch's order and one chunk's indices."""

    def __init__(self, n: int, batch: int, seed: int):
        self.n, self.batch, self.seed = n, batch, seed
        self.per_epoch = n // batch
        self._epoch, self._order = -1, np.empty((0, batch), np.int32)

    def order(self, epoch: int) -> np.ndarray:
        """The batches of one epoch, shape (n // batch, batch)."""
        if epoch != self._epoch:
            rng = np.random.default_rng([self.seed, epoch])
            order = rng.permutation(self.n)[: self.per_epoch * self.batch]
            self._epoch, self._order = epoch, order.reshape(self.per_epoch, self.batch)
        return self._order.astype(np.int32)

    def take(self, start: int, steps: int) -> np.ndarray:
        """The batches of steps start .. start + steps - 1, shape (steps, batch)."""
        parts = []
        step, end = start, start + steps
        while step < end:
            epoch, offset = divmod(step, self.per_epoch)
            part = self.order(epoch)[offset : offset + end - step]
            parts.append(part)
            step += len(part)
        return np.concatenate(parts) if parts else np.empty((0, self.batch), np.int32)

"""Which examples each step trains on: a fresh shuffle each epoch, full batches only.

The order is a function of the seed and the step number alone, so a run resumed at step k
draws exactly the batches a run that never stopped would have drawn, and a checkpoint need
not store any random state for it.
"""

from __future__ import annotations

import numpy as np

DRAWN_TOGETHER = 1 << 16  # example indices shuffled per random generator, at least one epoch


class Batches:
    """Example indices for steps `start, start + 1, ...`; drawn per chunk, so a long run
    never holds more than one draw of epochs and one chunk's indices.

    Small sets shuffle many epochs from one generator (epochs `k * E` to `k * E + E - 1`
    from generator k, E = DRAWN_TOGETHER // n): four examples make an epoch a step, and
    a new generator per epoch would cost more than the step itself."""

    def __init__(self, n: int, batch: int, seed: int):
        self.n, self.batch, self.seed = n, batch, seed
        self.per_epoch = n // batch
        self.epochs_per_draw = max(1, DRAWN_TOGETHER // max(n, 1))
        self._drawn = (-1, np.empty((0, 0, batch), np.int32))  # one tuple: read by two threads

    def orders(self, draw: int) -> np.ndarray:
        """The batches of epochs drawn together, shape (epochs_per_draw, n // batch, batch)."""
        drawn, orders = self._drawn
        if drawn != draw:
            rng = np.random.default_rng([self.seed, draw])
            rows = np.broadcast_to(
                np.arange(self.n, dtype=np.int32), (self.epochs_per_draw, self.n)
            )
            kept = rng.permuted(rows, axis=1)[:, : self.per_epoch * self.batch]  # each row apart
            orders = kept.reshape(self.epochs_per_draw, self.per_epoch, self.batch)
            self._drawn = (draw, orders)
        return orders

    def order(self, epoch: int) -> np.ndarray:
        """The batches of one epoch, shape (n // batch, batch)."""
        draw, row = divmod(epoch, self.epochs_per_draw)
        return self.orders(draw)[row]

    def take(self, start: int, steps: int) -> np.ndarray:
        """The batches of steps start .. start + steps - 1, shape (steps, batch)."""
        epoch, offset = np.divmod(np.arange(start, start + steps), self.per_epoch)
        draw, row = np.divmod(epoch, self.epochs_per_draw)
        if steps and draw[0] == draw[-1]:  # the usual case: one draw holds the whole chunk
            return self.orders(int(draw[0]))[row, offset]
        out = np.empty((steps, self.batch), np.int32)
        for each in np.unique(draw):
            here = draw == each
            out[here] = self.orders(int(each))[row[here], offset[here]]
        return out

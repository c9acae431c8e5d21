"""Dropout: while training, zero each element with probability `rate` and rescale the rest."""

import jax
import jax.numpy as jnp

from blocks.block import Block, Hyper


def _apply(xs, w, hp, *, key=None):
    (x,) = xs
    if key is None or hp["rate"] == 0:
        return x  # outside training: the identity, since kept elements were scaled up
    keep = jax.random.bernoulli(key, 1 - hp["rate"], x.shape)
    return jnp.where(keep, x / (1 - hp["rate"]), 0.0)


dropout = Block(
    name="dropout",
    doc="While training, zero each element with probability `rate` and scale the rest by "
    "1 / (1 - rate), so the expected value is unchanged; the identity otherwise.",
    inputs=("x",),
    apply=_apply,
    hypers=(
        Hyper(
            "rate",
            float,
            0.5,
            "probability of dropping an element",
            check=lambda v: None if 0 <= v < 1 else "a probability in [0, 1)",
        ),
    ),
    random=True,
)

"""Dropout: while training, zero each element with probability `rate` and rescale the rest."""

import jax
import jax.numpy as jnp

from blocks.block import Block, Hyper


def _apply(inputs, weights, hypers, *, key=None, state=None, batch_axis=None):
    (x,) = inputs
    rate = hypers["rate"]  # a number, or a traced scalar in a population
    if key is None or (isinstance(rate, (int, float)) and rate == 0):
        return x, None  # outside training: the identity, since kept elements were scaled up
    keep = jax.random.bernoulli(key, 1 - rate, x.shape)
    return jnp.where(keep, x / (1 - rate), 0.0), None


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
            minimum=0,
            exclusive_maximum=1,
            traced=True,
        ),
    ),
    random=True,
)

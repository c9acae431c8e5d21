"""Gaussian noise: while training, add normal noise of a given standard deviation."""

import jax

from blocks.block import Block, Hyper


def _apply(inputs, weights, hypers, *, key=None, state=None, batch_axis=None):
    (x,) = inputs
    if key is None:
        return x, None
    return x + hypers["stddev"] * jax.random.normal(key, x.shape, x.dtype), None


noise = Block(
    name="noise",
    doc="While training, add Gaussian noise with standard deviation `stddev`; the identity "
    "otherwise.",
    inputs=("x",),
    apply=_apply,
    hypers=(
        Hyper("stddev", float, 0.1, "standard deviation of the noise", minimum=0, traced=True),
    ),
    random=True,
)

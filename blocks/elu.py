"""elu(x) = x if x > 0 else alpha * (exp(x) - 1), element-wise."""

import jax

from blocks.block import Block, Hyper, plain

elu = Block(
    name="elu",
    doc="x where x > 0, else alpha * (exp(x) - 1), element-wise.",
    inputs=("x",),
    apply=plain(lambda inputs, weights, hypers: jax.nn.elu(inputs[0], hypers["alpha"])),
    hypers=(Hyper("alpha", float, 1.0, "elu tends to -alpha as x goes to minus infinity"),),
)

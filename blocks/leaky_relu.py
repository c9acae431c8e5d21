"""leaky_relu(x) = x if x >= 0 else negative_slope * x, element-wise."""

import jax

from blocks.block import Block, Hyper, plain

leaky_relu = Block(
    name="leaky_relu",
    doc="x where x >= 0, else negative_slope * x, element-wise.",
    inputs=("x",),
    apply=plain(
        lambda inputs, weights, hypers: jax.nn.leaky_relu(inputs[0], hypers["negative_slope"])
    ),
    hypers=(Hyper("negative_slope", float, 0.01, "the slope below zero"),),
)

"""Mean squared error between a prediction and a target."""

import jax.numpy as jnp

from blocks.block import Block, plain
from blocks.losses import pred_target_check

mse = Block(
    name="mse",
    doc="Mean of (pred - target)^2 over the elements.",
    inputs=("pred", "target"),
    apply=plain(lambda inputs, weights, hypers: jnp.mean(jnp.square(inputs[0] - inputs[1]))),
    check=pred_target_check,
    loss=True,
    example=((3,), (3,)),
)

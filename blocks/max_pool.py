"""2-D max pooling of an image (channels, height, width), each channel on its own."""

import jax
import jax.numpy as jnp

from blocks import pooling
from blocks.block import Block, plain

max_pool = Block(
    name="max_pool",
    doc=(
        "Largest value in each `window` x `window` patch of a (channels, height, width) image, "
        "stepping by `stride` (0: the window size), no padding."
    ),
    inputs=("x",),
    # -inf is max's identity, so JAX lowers this to reduce_window_max with its own gradient.
    apply=plain(
        lambda inputs, weights, hypers: pooling.reduce(inputs[0], hypers, -jnp.inf, jax.lax.max)
    ),
    hypers=(pooling.WINDOW, pooling.STRIDE),
    check=pooling.check,
    example=((2, 5, 4),),
)

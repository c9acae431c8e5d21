"""2-D average pooling of an image (channels, height, width), each channel on its own."""

import jax

from blocks import pooling
from blocks.block import Block, plain

avg_pool = Block(
    name="avg_pool",
    doc=(
        "Mean of each `window` x `window` patch of a (channels, height, width) image, "
        "stepping by `stride` (0: the window size), no padding."
    ),
    inputs=("x",),
    apply=plain(
        lambda inputs, weights, hypers: (
            pooling.reduce(inputs[0], hypers, 0.0, jax.lax.add) / hypers["window"] ** 2
        )
    ),
    hypers=(pooling.WINDOW, pooling.STRIDE),
    check=pooling.check,
    example=((2, 5, 4),),
)

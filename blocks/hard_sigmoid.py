"""hard_sigmoid(x) = relu6(x + 3) / 6, element-wise."""

import jax

from blocks.block import elementwise

hard_sigmoid = elementwise(
    "hard_sigmoid",
    jax.nn.hard_sigmoid,
    "relu6(x + 3) / 6, element-wise: a piecewise-linear sigmoid in [0, 1].",
)

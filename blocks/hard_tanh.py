"""hard_tanh(x) = min(max(x, -1), 1), element-wise."""

import jax

from blocks.block import elementwise

hard_tanh = elementwise(
    "hard_tanh", jax.nn.hard_tanh, "x clipped to [-1, 1], element-wise: a piecewise-linear tanh."
)

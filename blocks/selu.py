"""selu(x) = scale * elu(x, alpha), with the self-normalising constants, element-wise."""

import jax

from blocks.block import elementwise

selu = elementwise(
    "selu",
    jax.nn.selu,
    "Scaled elu with the self-normalising constants, element-wise. "
    "1.0507 * (x if x > 0 else 1.6733 * (exp(x) - 1)).",
)

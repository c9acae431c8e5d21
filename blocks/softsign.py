"""softsign(x) = x / (1 + |x|), element-wise."""

import jax

from blocks.block import elementwise

softsign = elementwise(
    "softsign", jax.nn.soft_sign, "x / (1 + |x|), element-wise: a tanh-like curve in (-1, 1)."
)

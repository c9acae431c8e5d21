"""softplus(x) = log(1 + exp(x)), element-wise."""

import jax

from blocks.block import elementwise

softplus = elementwise(
    "softplus", jax.nn.softplus, "log(1 + exp(x)), element-wise: a smooth relu, always positive."
)

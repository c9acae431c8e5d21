"""mish(x) = x * tanh(softplus(x)), element-wise."""

import jax

from blocks.block import elementwise

mish = elementwise("mish", jax.nn.mish, "x * tanh(softplus(x)), element-wise.")

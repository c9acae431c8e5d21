"""exp(x), element-wise."""

import jax.numpy as jnp

from blocks.block import elementwise

exp = elementwise("exp", jnp.exp, "e to the power x, element-wise.")

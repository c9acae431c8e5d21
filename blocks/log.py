"""Natural logarithm, element-wise."""

import jax.numpy as jnp

from blocks.block import elementwise

log = elementwise("log", jnp.log, "Natural logarithm, element-wise.")

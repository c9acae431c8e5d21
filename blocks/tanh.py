"""Hyperbolic tangent, element-wise."""

import jax.numpy as jnp

from blocks.block import elementwise

tanh = elementwise("tanh", jnp.tanh, "Hyperbolic tangent, element-wise.")

"""Logistic sigmoid 1 / (1 + exp(-x)), element-wise."""

import jax

from blocks.block import elementwise

sigmoid = elementwise(
    "sigmoid", jax.nn.sigmoid, "Logistic sigmoid 1 / (1 + exp(-x)), element-wise."
)

"""A block called as the trainer calls it: compiled whole under `jax.jit`, one program a call
instead of one per operation and shape (the block run eagerly: tests/blocks/test_contract.py)."""

from collections.abc import Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from blocks import Block


def compiled(block: Block, inputs: Sequence, weights: Mapping, hypers: Mapping) -> Any:
    """`block(inputs, weights, hypers with its defaults)` under jit; inputs and weights may be
    NumPy arrays."""
    hypers = block.with_defaults(hypers)
    arrays = {name: jnp.asarray(weight) for name, weight in weights.items()}
    return jax.jit(lambda xs, ws: block(xs, ws, hypers))([jnp.asarray(x) for x in inputs], arrays)

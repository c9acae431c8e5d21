"""A block called as the trainer calls it: compiled whole under `jax.jit`, one program a call
instead of one per operation and shape (the block run eagerly: tests/blocks/test_contract.py)."""

from collections.abc import Mapping, Sequence
from typing import Any

import jax

from blocks import Block


def compiled(block: Block, inputs: Sequence, weights: Mapping, hypers: Mapping) -> Any:
    """`block(inputs, weights, hypers with its defaults)` under jit; inputs and weights may be
    NumPy arrays, which the compiled call takes as they are (jnp.asarray of each would
    compile a program of its own per shape)."""
    hypers = block.with_defaults(hypers)
    return jax.jit(lambda xs, ws: block(xs, ws, hypers))(list(inputs), dict(weights))

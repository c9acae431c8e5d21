"""mixture(gate, branch0, ...) = sum_k softmax(gate)_k * branch_k: a soft, learnable choice."""

import jax
import jax.numpy as jnp

from blocks.block import Block, plain


def _apply(inputs, weights, hypers):
    gate, *branches = inputs
    shares = jax.nn.softmax(gate)
    return jnp.tensordot(shares, jnp.stack(branches), axes=1)


def _check(shapes, hypers):
    gate, *branches = shapes
    k = len(branches)
    if gate != (k,):
        return f"a gate x0 of {k} logits (one per branch x1..), got {gate}"
    if len(set(branches)) > 1:
        return f"branches x1.. of one shape, got {', '.join(map(str, branches))}"
    return None


mixture = Block(
    name="mixture",
    doc="Softmax-weighted mixture of experts: the first input x0 is a vector of K logits, "
    "the K inputs after it are the branches (all one shape); gives sum_k softmax(x0)_k * x_(k+1).",
    inputs=("x",),
    apply=plain(_apply),
    check=_check,
    variadic=True,
    example=((2,), (3,), (3,)),
)

"""sparsemax(x) = the Euclidean projection of x onto the probability simplex, along an axis."""

import jax.numpy as jnp

from blocks.block import Block, plain
from blocks.softmax import AXIS


def _sparsemax_last(x):
    """Martins & Astudillo (2016), Algorithm 1, on the last axis of x (..., K)."""
    top = -jnp.sort(-x, axis=-1)  # descending
    total = jnp.cumsum(top, axis=-1)
    k = jnp.arange(1, x.shape[-1] + 1, dtype=x.dtype)
    size = jnp.sum(1 + k * top > total, axis=-1, keepdims=True)  # support size, >= 1
    # tau is a mean over the support, so its gradient is 1/|S| on each member: autodiff of
    # this closed form gives the sparsemax Jacobian diag(s) - s s^T / |S|.
    tau = (jnp.take_along_axis(total, size - 1, axis=-1) - 1) / size
    return jnp.where(x > tau, x - tau, 0.0)


def _apply(inputs, weights, hypers):
    x = jnp.moveaxis(inputs[0], hypers["axis"], -1)
    return jnp.moveaxis(_sparsemax_last(x), -1, hypers["axis"])


def _check(shapes, hypers):
    (x,) = shapes
    rank, axis = len(x), hypers["axis"]
    if rank == 0:
        return f"an array of rank >= 1, got {x}"
    if not -rank <= axis < rank:
        return f"an axis between {-rank} and {rank - 1} of {x}, got {axis}"
    return None


sparsemax = Block(
    name="sparsemax",
    doc="Sparse softmax (Martins & Astudillo 2016): the closest point on the simplex along "
    "`axis`; sums to one like softmax but gives exact zeros to low scores.",
    inputs=("x",),
    apply=plain(_apply),
    hypers=(AXIS,),
    check=_check,
    example=((4,),),
)

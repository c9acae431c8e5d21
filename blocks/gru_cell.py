"""gru_cell(x, h): one step of a gated recurrent unit, the new state h' (hidden,)."""

import jax
import jax.numpy as jnp

from blocks import recurrent
from blocks.affine import USE_BIAS
from blocks.block import Block, plain


def _apply(inputs, weights, hypers):
    x, h = inputs
    from_x, from_h = recurrent.gates(x, h, weights, hypers)
    rx, zx, nx = jnp.split(from_x, 3)
    rh, zh, nh = jnp.split(from_h, 3)
    r = jax.nn.sigmoid(rx + rh)  # reset: how much of h the candidate sees
    z = jax.nn.sigmoid(zx + zh)  # update: how much of h to keep
    n = jnp.tanh(nx + r * nh)
    return (1 - z) * n + z * h


def _check(shapes, hypers):
    x, h = shapes
    if len(x) != 1 or len(h) != 1:
        return f"vectors x (d,) and h (hidden,), got x {x} and h {h}"
    return None


gru_cell = Block(
    name="gru_cell",
    doc="One GRU step: x (d,) and the state h (hidden,) give the new state (hidden,). "
    "PyTorch's equations, gates r, z, n: h' = (1 - z) * n + z * h.",
    inputs=("x", "h"),
    apply=plain(_apply),
    hypers=(USE_BIAS,),
    slots=recurrent.slots(3, lambda shapes, hypers: shapes[1][0]),
    check=_check,
    example=((3,), (4,)),
)

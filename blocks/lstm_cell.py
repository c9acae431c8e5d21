"""lstm_cell(x, state): one step of a long short-term memory, the new state [h', c']."""

import jax
import jax.numpy as jnp

from blocks import recurrent
from blocks.affine import USE_BIAS
from blocks.block import Block, plain


def _apply(inputs, weights, hypers):
    x, state = inputs
    h, c = jnp.split(state, 2)
    from_x, from_h = recurrent.gates(x, h, weights, hypers)
    i, f, g, o = jnp.split(from_x + from_h, 4)
    c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
    h = jax.nn.sigmoid(o) * jnp.tanh(c)
    return jnp.concatenate([h, c])


def _check(shapes, hypers):
    x, state = shapes
    if len(x) != 1 or len(state) != 1 or state[0] % 2:
        return f"vectors x (d,) and state (2 * hidden,), h then c, got x {x} and state {state}"
    return None


lstm_cell = Block(
    name="lstm_cell",
    doc="One LSTM step: x (d,) and the state (2 * hidden,), h then c, give the new state "
    "[h', c']. PyTorch's equations, gates i, f, g, o; `split` with parts 2 takes h' "
    "(index 0) or c' (index 1).",
    inputs=("x", "state"),
    apply=plain(_apply),
    hypers=(USE_BIAS,),
    slots=recurrent.slots(4, lambda shapes, hypers: shapes[1][0] // 2),
    check=_check,
    example=((3,), (4,)),
)

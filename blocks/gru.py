"""gru(x): a GRU run along a sequence (t, d) with one set of weights: gru_cell under scan."""

import jax.numpy as jnp

from blocks import recurrent
from blocks.affine import USE_BIAS, out_hyper
from blocks.block import Block, plain
from blocks.gru_cell import gru_cell


def _apply(inputs, weights, hypers):
    final, states = recurrent.scan(gru_cell, inputs[0], jnp.zeros(hypers["out"]), weights, hypers)
    return final if hypers["last"] else states


gru = Block(
    name="gru",
    doc="A GRU over a sequence x (t, d): the states (t, out), or with `last` the final one "
    "(out,). gru_cell at each position in turn, one set of weights, from a zero state.",
    inputs=("x",),
    apply=plain(_apply),
    hypers=(out_hyper("width of the state"), recurrent.LAST, USE_BIAS),
    slots=recurrent.slots(3, lambda shapes, hypers: hypers["out"]),
    check=lambda shapes, hypers: recurrent.sequence_problem(shapes[0]),
    example=((5, 3),),
    example_hypers={"out": 4},
)

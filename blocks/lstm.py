"""lstm(x): an LSTM run along a sequence (t, d) with one set of weights: lstm_cell under scan."""

import jax.numpy as jnp

from blocks import recurrent
from blocks.affine import USE_BIAS, out_hyper
from blocks.block import Block, plain
from blocks.lstm_cell import lstm_cell


def _apply(inputs, weights, hypers):
    out = hypers["out"]
    final, states = recurrent.scan(lstm_cell, inputs[0], jnp.zeros(2 * out), weights, hypers)
    return final[:out] if hypers["last"] else states[:, :out]  # h, not the cell's memory c


lstm = Block(
    name="lstm",
    doc="An LSTM over a sequence x (t, d): the outputs h (t, out), or with `last` the final "
    "h (out,). lstm_cell at each position in turn, one set of weights, from zero h and c.",
    inputs=("x",),
    apply=plain(_apply),
    hypers=(out_hyper("width of the state h (and of the memory c)"), recurrent.LAST, USE_BIAS),
    slots=recurrent.slots(4, lambda shapes, hypers: hypers["out"]),
    check=lambda shapes, hypers: recurrent.sequence_problem(shapes[0]),
    example=((5, 3),),
    example_hypers={"out": 4},
)

"""softmax(x) = exp(x) / sum(exp(x)) along an axis."""

import jax

from blocks.axes import axis_hyper, axis_problem
from blocks.block import Block, plain

AXIS = axis_hyper("axis that sums to one")

softmax = Block(
    name="softmax",
    doc="Normalised exponentials: positive, summing to one along `axis`.",
    inputs=("x",),
    apply=plain(lambda inputs, weights, hypers: jax.nn.softmax(inputs[0], axis=hypers["axis"])),
    hypers=(AXIS,),
    check=lambda shapes, hypers: axis_problem(shapes[0], hypers["axis"]),
)

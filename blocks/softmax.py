"""softmax(x) = exp(x) / sum(exp(x)) along an axis."""

import jax

from blocks.axes import axis_hyper, axis_problem
from blocks.block import Block, plain

AXIS = axis_hyper("axis that sums to one")

softmax = Block(
    name="softmax",
    doc="Normalised exponentials: positive, summing to one along `axis`.",
    inputs=("x",),
    apply=plain(lambda xs, w, hp: jax.nn.softmax(xs[0], axis=hp["axis"])),
    hypers=(AXIS,),
    check=lambda s, hp: axis_problem(s[0], hp["axis"]),
)

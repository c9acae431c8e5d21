"""mean(x) over one axis."""

import jax.numpy as jnp

from blocks.axes import axis_hyper, axis_problem
from blocks.block import Block, plain

mean = Block(
    name="mean",
    doc="Mean of the elements along `axis`, which the output drops. Axis 0 of a (t, d) "
    "sequence averages over time, giving (d,).",
    inputs=("x",),
    apply=plain(lambda inputs, weights, hypers: jnp.mean(inputs[0], axis=hypers["axis"])),
    hypers=(axis_hyper("axis to average over (dropped from the output)"),),
    check=lambda shapes, hypers: axis_problem(shapes[0], hypers["axis"]),
    example=((2, 3),),
)

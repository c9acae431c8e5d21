"""sum(x) over one axis."""

import jax.numpy as jnp

from blocks.axes import axis_hyper, axis_problem
from blocks.block import Block, plain

sum = Block(
    name="sum",
    doc="Sum of the elements along `axis`, which the output drops.",
    inputs=("x",),
    apply=plain(lambda inputs, weights, hypers: jnp.sum(inputs[0], axis=hypers["axis"])),
    hypers=(axis_hyper("axis to sum over (dropped from the output)"),),
    check=lambda shapes, hypers: axis_problem(shapes[0], hypers["axis"]),
    example=((2, 3),),
)

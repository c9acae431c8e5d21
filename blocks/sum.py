"""sum(x) over one axis."""

import jax.numpy as jnp

from blocks.axes import axis_hyper, axis_problem
from blocks.block import Block, plain

sum = Block(
    name="sum",
    doc="Sum of the elements along `axis`, which the output drops.",
    inputs=("x",),
    apply=plain(lambda xs, w, hp: jnp.sum(xs[0], axis=hp["axis"])),
    hypers=(axis_hyper("axis to sum over (dropped from the output)"),),
    check=lambda s, hp: axis_problem(s[0], hp["axis"]),
    example=((2, 3),),
)

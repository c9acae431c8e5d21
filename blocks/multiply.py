"""Element-wise product of two or more arrays of one shape (a multiplicative interaction)."""

from functools import reduce
from operator import mul

from blocks.block import Block, plain, same_shapes

multiply = Block(
    name="multiply",
    doc="Element-wise product of two or more inputs of one shape.",
    inputs=("x",),
    apply=plain(lambda inputs, weights, hypers: reduce(mul, inputs)),
    check=same_shapes,
    variadic=True,
    example=((3,), (3,)),
)

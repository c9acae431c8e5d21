"""Element-wise sum of two or more arrays of one shape."""

from functools import reduce
from operator import add as _add

from blocks.block import Block, plain, same_shapes

add = Block(
    name="add",
    doc="Element-wise sum of two or more inputs of one shape.",
    inputs=("x",),
    apply=plain(lambda inputs, weights, hypers: reduce(_add, inputs)),
    check=same_shapes,
    variadic=True,
    example=((3,), (3,)),
)

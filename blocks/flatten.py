"""flatten(x): every element of x in one vector, in row-major (C) order."""

from blocks.block import Block, plain

flatten = Block(
    name="flatten",
    doc="All elements of the input in one vector (size,), last axis fastest.",
    inputs=("x",),
    apply=plain(lambda inputs, weights, hypers: inputs[0].reshape(-1)),
    example=((2, 3, 4),),
)

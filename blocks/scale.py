"""scale(x) = by * x, for a constant `by`; nothing is learned."""

from blocks.block import Block, Hyper, plain

scale = Block(
    name="scale",
    doc="The input times the constant `by` (no weights).",
    inputs=("x",),
    apply=plain(lambda inputs, weights, hypers: inputs[0] * hypers["by"]),
    hypers=(Hyper("by", float, 1.0, "the constant factor"),),
    example_hypers={"by": 0.5},
)

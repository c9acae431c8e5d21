"""parameter() = weight: a learned array of a declared shape, with no input."""

from blocks.block import Block, Hyper, Slot, plain

parameter = Block(
    name="parameter",
    doc="A learned array of `shape` that takes no input. The same for every example (a "
    "positional embedding, a learned query); its initialiser is the weight's, as in "
    "`weight: {init: zeros}`.",
    inputs=(),
    apply=plain(lambda inputs, weights, hypers: weights["weight"]),
    hypers=(Hyper("shape", tuple, doc="the array's shape, e.g. [8, 16]", exclusive_minimum=0),),
    slots=(Slot("weight", lambda shapes, hypers: tuple(hypers["shape"]), "normal", doc="(shape)"),),
    example=(),
    example_hypers={"shape": (2, 3)},
)

"""parameter() = weight: a learned array of a declared shape, with no input."""

from blocks.block import Block, Hyper, Slot


def _sizes(value) -> str | None:
    return None if all(d > 0 for d in value) else "a list of positive sizes"


parameter = Block(
    name="parameter",
    doc="A learned array of `shape` that takes no input. The same for every example (a "
    "positional embedding, a learned query); its initialiser is the weight's, as in "
    "`weight: {init: zeros}`.",
    inputs=(),
    apply=lambda xs, w, hp: w["weight"],
    hypers=(Hyper("shape", tuple, doc="the array's shape, e.g. [8, 16]", check=_sizes),),
    slots=(Slot("weight", lambda s, hp: tuple(hp["shape"]), "normal", doc="(shape)"),),
    example=(),
    example_hypers={"shape": (2, 3)},
)

"""masked_multihead_attention(x, mask): multihead_attention that ignores padded positions."""

from blocks import heads
from blocks.block import Block, plain


def _check(shapes, hypers):
    x, mask = shapes
    if problem := heads.sequence_problem(x, hypers):
        return problem
    if mask != x[:1]:
        return f"a mask (t,) of one 0 or 1 per position of x {x}, got mask {mask}"
    return None


masked_multihead_attention = Block(
    name="masked_multihead_attention",
    doc="multihead_attention over x (t, d) that never attends to positions where mask (t,) "
    "is 0. 1 marks a real position, 0 padding; a query with nothing to attend to gives the "
    "output bias.",
    inputs=("x", "mask"),
    apply=plain(
        lambda inputs, weights, hypers: heads.attend(inputs[0], inputs[1], weights, hypers)
    ),
    hypers=heads.HYPERS,
    slots=heads.SLOTS,
    check=_check,
    example=((3, 4), (3,)),
    example_hypers={"heads": 2, "out": 5},
)

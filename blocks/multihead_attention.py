"""multihead_attention(x): multi-head scaled dot-product self-attention over a sequence."""

from blocks import heads
from blocks.block import Block, plain

multihead_attention = Block(
    name="multihead_attention",
    doc="Multi-head self-attention over a sequence x (t, d), output (t, out). Each head "
    "projects x to queries, keys and values of `head_size` and takes "
    "softmax(q k^T / sqrt(head_size)) v; a last projection joins the heads. `causal` hides "
    "later positions.",
    inputs=("x",),
    apply=plain(lambda inputs, weights, hypers: heads.attend(inputs[0], None, weights, hypers)),
    hypers=heads.HYPERS,
    slots=heads.SLOTS,
    check=lambda shapes, hypers: heads.sequence_problem(shapes[0], hypers),
    example=((3, 4),),
    example_hypers={"heads": 2, "out": 5, "causal": True},
)

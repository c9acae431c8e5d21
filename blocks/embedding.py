"""embedding(i) = weight[i]: a learned vector for each of `count` indices."""

import jax.numpy as jnp

from blocks.affine import out_hyper
from blocks.block import Block, Hyper, Slot, plain


def _apply(inputs, weights, hypers):
    # Inputs arrive as floats; rounding first keeps 2.9999 from becoming 2. Out-of-range
    # indices are clipped to the nearest row rather than reading garbage.
    index = jnp.round(inputs[0]).astype(jnp.int32)
    return jnp.take(weights["weight"], index, axis=0, mode="clip")


def _check(shapes, hypers):
    (x,) = shapes
    return None if len(x) <= 1 else f"an index () or a vector of indices (n,), got {x}"


embedding = Block(
    name="embedding",
    doc=(
        "Row `i` of a learned (count, out) table for each integer index `i` of the input "
        "(shape () or (n,), integer-valued); the output adds an axis of `out`."
    ),
    inputs=("x",),
    apply=plain(_apply),
    hypers=(
        Hyper(
            "count", int, doc="number of distinct indices (vocabulary size)", exclusive_minimum=0
        ),
        out_hyper("length of each embedding vector"),
    ),
    slots=(
        Slot(
            "weight",
            lambda shapes, hypers: (hypers["count"], hypers["out"]),
            "normal",
            doc="(count, out)",
        ),
    ),
    check=_check,
    example=((4,),),
    example_hypers={"count": 5, "out": 3},
)

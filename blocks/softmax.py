"""softmax(x) = exp(x) / sum(exp(x)) along an axis."""

import jax

from blocks.block import Block, Hyper

AXIS = Hyper("axis", int, -1, "axis that sums to one")

softmax = Block(
    name="softmax",
    doc="Normalised exponentials: positive, summing to one along `axis`.",
    inputs=("x",),
    apply=lambda xs, w, hp: jax.nn.softmax(xs[0], axis=hp["axis"]),
    hypers=(AXIS,),
    check=lambda s, hp: None if -len(s[0]) <= hp["axis"] < len(s[0]) else f"an axis of {s[0]}",
)

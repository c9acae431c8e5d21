"""max(x) over one axis; the gradient goes to the one element selected."""

import jax.numpy as jnp

from blocks.axes import axis_hyper, axis_problem
from blocks.block import Block, plain


def _apply(inputs, weights, hypers):
    # argmax, not jnp.max: on ties jnp.max splits the gradient between the tied elements,
    # while a max-pooling layer sends it all to one (the first).
    x, axis = inputs[0], hypers["axis"]
    where = jnp.expand_dims(jnp.argmax(x, axis=axis), axis)
    return jnp.squeeze(jnp.take_along_axis(x, where, axis=axis), axis)


max = Block(
    name="max",
    doc="Largest element along `axis`, which the output drops; on ties the first is taken.",
    inputs=("x",),
    apply=plain(_apply),
    hypers=(axis_hyper("axis to take the maximum over (dropped from the output)"),),
    check=lambda shapes, hypers: axis_problem(shapes[0], hypers["axis"]),
    example=((2, 3),),
)

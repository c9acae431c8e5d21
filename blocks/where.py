"""where(cond, a, b) = a where cond > 0, else b: a hard, element-wise gate."""

import jax.numpy as jnp

from blocks.block import Block, plain


def _apply(inputs, weights, hypers):
    cond, a, b = inputs
    if cond.shape != a.shape:  # one gate for the whole example: (1,) acts as ()
        cond = cond.reshape(())
    # jnp.where's backward is gated like its forward: the branch not taken gets zeros,
    # and cond gets none at all (a step function has no useful slope).
    return jnp.where(cond > 0, a, b)


def _check(shapes, hypers):
    cond, a, b = shapes
    if a != b:
        return f"a and b of one shape, got a {a} and b {b}"
    if cond not in (a, (), (1,)):
        return f"cond of shape {a} (one gate per element), () or (1,) (one for all), got {cond}"
    return None


where = Block(
    name="where",
    doc="Hard gate: a where cond > 0, else b; no gradient reaches the branch not taken. "
    "cond has the shape of a and b, or is () or (1,) to pick one branch for the whole example.",
    inputs=("cond", "a", "b"),
    apply=plain(_apply),
    check=_check,
    example=((3,), (3,), (3,)),
)

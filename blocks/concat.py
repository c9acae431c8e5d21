"""Join two or more arrays along an axis."""

import jax.numpy as jnp

from blocks.axes import axis_hyper
from blocks.block import Block, plain


def _check(shapes, hypers):
    rank = len(shapes[0])
    if rank == 0 or any(len(s) != rank for s in shapes):
        return f"inputs of one rank >= 1, got {', '.join(map(str, shapes))}"
    axis = hypers["axis"]
    if not -rank <= axis < rank:
        return f"an axis between {-rank} and {rank - 1}, got {axis}"
    rest = {tuple(d for i, d in enumerate(s) if i != axis % rank) for s in shapes}
    if len(rest) > 1:
        return f"shapes equal except along axis {axis}, got {', '.join(map(str, shapes))}"
    return None


concat = Block(
    name="concat",
    doc="Join two or more inputs along `axis`.",
    inputs=("x",),
    apply=plain(lambda inputs, weights, hypers: jnp.concatenate(inputs, axis=hypers["axis"])),
    hypers=(axis_hyper("axis to join along"),),
    check=_check,
    variadic=True,
    example=((3,), (2,)),
)

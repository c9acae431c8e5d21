"""transpose(x): the axes of x permuted, reversed by default (numpy's transpose)."""

import jax.numpy as jnp

from blocks.block import Block, Hyper, plain


def _axes(x, hypers) -> tuple[int, ...]:
    """The permutation as non-negative axes: the one given, else every axis reversed."""
    rank = len(x)
    return tuple(a % rank for a in hypers["axes"]) if hypers["axes"] else tuple(range(rank))[::-1]


def _check(shapes, hypers):
    (x,) = shapes
    given, rank = tuple(hypers["axes"]), len(x)
    if not given:
        return None
    in_range = all(-rank <= a < rank for a in given)
    if not in_range or sorted(a % rank for a in given) != list(range(rank)):
        return f"axes naming each of the {rank} axes of {x} once, got axes {given}"
    return None


transpose = Block(
    name="transpose",
    doc="The input's axes in the order `axes` lists them (numpy's transpose). By default "
    "reversed: a (t, d) matrix becomes (d, t).",
    inputs=("x",),
    apply=plain(
        lambda inputs, weights, hypers: jnp.transpose(inputs[0], _axes(inputs[0].shape, hypers))
    ),
    hypers=(
        Hyper(
            "axes",
            tuple,
            (),
            "the input's axes in their new order, e.g. [1, 0, 2]; empty: reverse them",
        ),
    ),
    check=_check,
    example=((2, 3, 4),),
    example_hypers={"axes": (1, -1, 0)},
)

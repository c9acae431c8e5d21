"""reshape(x): the same elements in row-major order, arranged in the shape given."""

import math

from blocks.block import Block, Hyper, plain


def _sizes(value) -> str | None:
    """Sizes above zero, except at most one -1 (the size that makes the element counts agree)."""
    if list(value).count(-1) > 1:
        return "a list of positive sizes with at most one -1"
    return None if all(d > 0 or d == -1 for d in value) else "a list of positive sizes"


def target(x, shape) -> tuple[int, ...]:
    """`shape` with its -1 (if any) replaced by the size that makes the element counts agree."""
    known = math.prod(d for d in shape if d != -1)
    if -1 not in shape or known == 0:
        return tuple(shape)
    return tuple(math.prod(x) // known if d == -1 else d for d in shape)


def _check(shapes, hypers):
    if "shape" not in hypers:  # the loader has already said what was wrong with it
        return None
    (x,), given = shapes, tuple(hypers["shape"])
    got = math.prod(x)
    if -1 in given:
        known = math.prod(d for d in given if d != -1)
        if got % known:
            return (
                f"a number of values that {known} divides, to reshape to {given}, "
                f"got {x} ({got} values)"
            )
        return None
    want = math.prod(given)
    if want != got:
        return f"a shape of {want} values to reshape to {given}, got {x} ({got} values)"
    return None


reshape = Block(
    name="reshape",
    doc="The input's elements, in row-major order, arranged in `shape`; the sizes must agree. "
    "One size may be -1: the one that makes them agree.",
    inputs=("x",),
    apply=plain(
        lambda inputs, weights, hypers: inputs[0].reshape(target(inputs[0].shape, hypers["shape"]))
    ),
    hypers=(
        Hyper(
            "shape",
            tuple,
            doc="the output shape, e.g. [2, 3]; one size may be -1 (inferred)",
            check=_sizes,
        ),
    ),
    check=_check,
    example=((2, 3),),
    example_hypers={"shape": (3, -1, 2)},
)

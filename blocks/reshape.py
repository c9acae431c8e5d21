"""reshape(x): the same elements in row-major order, arranged in the shape given."""

import math

from blocks.block import Block, Hyper


def _sizes(value) -> str | None:
    return None if all(d > 0 for d in value) else "a list of positive sizes"


def _check(shapes, hp):
    if "shape" not in hp:  # the loader has already said what was wrong with it
        return None
    (x,), target = shapes, tuple(hp["shape"])
    want, got = math.prod(target), math.prod(x)
    if want != got:
        return f"a shape of {want} values to reshape to {target}, got {x} ({got} values)"
    return None


reshape = Block(
    name="reshape",
    doc="The input's elements, in row-major order, arranged in `shape`; the sizes must agree.",
    inputs=("x",),
    apply=lambda xs, w, hp: xs[0].reshape(tuple(hp["shape"])),
    hypers=(Hyper("shape", tuple, doc="the output shape, e.g. [2, 3]", check=_sizes),),
    check=_check,
    example=((2, 3),),
    example_hypers={"shape": (3, 1, 2)},
)

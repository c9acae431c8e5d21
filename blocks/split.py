"""split(x): one of `parts` equal pieces of x along an axis (one output per block)."""

import jax

from blocks.axes import axis_hyper, axis_problem
from blocks.block import Block, Hyper, plain


def _apply(inputs, weights, hypers):
    x, parts, index = inputs[0], hypers["parts"], hypers["index"]
    axis = hypers["axis"] % x.ndim
    size = x.shape[axis] // parts
    return jax.lax.slice_in_dim(x, index * size, (index + 1) * size, axis=axis)


def _check(shapes, hypers):
    (x,) = shapes
    if problem := axis_problem(x, hypers["axis"]):
        return problem
    if "parts" not in hypers or "index" not in hypers:  # the loader has already said what was wrong
        return None
    parts, index, length = hypers["parts"], hypers["index"], x[hypers["axis"]]
    if length % parts:
        return f"axis {hypers['axis']} of a length that {parts} parts divide, got {x}"
    if index >= parts:
        return f"an index below parts ({parts}), got index {index}"
    return None


split = Block(
    name="split",
    doc=(
        "Part `index` (0-based) of the input cut into `parts` equal pieces along `axis`; "
        "use one split node per part needed."
    ),
    inputs=("x",),
    apply=plain(_apply),
    hypers=(
        Hyper("parts", int, doc="how many equal pieces to cut the axis into", minimum=2),
        Hyper("index", int, doc="which piece to keep, 0-based", minimum=0),
        axis_hyper("axis to cut along"),
    ),
    check=_check,
    example=((2, 6),),
    example_hypers={"parts": 3, "index": 1},
)

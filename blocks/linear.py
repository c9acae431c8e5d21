"""linear(x; weight, bias) = weight @ x + bias, over the last axis of x."""

from blocks.affine import BIAS, USE_BIAS, out_hyper
from blocks.block import Block, Slot, plain


def _apply(inputs, weights, hypers):
    # x @ weight.T maps the last axis and keeps the leading ones: each row of a (t, in)
    # input goes through the one weight, as a vmap over t would send it.
    y = inputs[0] @ weights["weight"].T
    return y + weights["bias"] if hypers["use_bias"] else y


def _check(shapes, hypers):
    (x,) = shapes
    return None if len(x) >= 1 else f"a vector (n,), got {x}"


linear = Block(
    name="linear",
    doc="Affine map of a vector: weight @ x + bias. An input (..., in) is mapped along its "
    "last axis, one weight shared by every leading index: (t, in) gives (t, out).",
    inputs=("x",),
    apply=plain(_apply),
    hypers=(
        out_hyper(),
        USE_BIAS,
    ),
    slots=(
        Slot(
            "weight",
            lambda shapes, hypers: (hypers["out"], shapes[0][-1]),
            "lecun_normal",
            doc="(out, in)",
        ),
        BIAS,
    ),
    check=_check,
    example=((2, 3),),
    example_hypers={"out": 4},
)

"""linear(x; weight, bias) = weight @ x + bias."""

from blocks.affine import BIAS, USE_BIAS, out_hyper
from blocks.block import Block, Slot


def _apply(xs, w, hp):
    y = w["weight"] @ xs[0]
    return y + w["bias"] if hp["use_bias"] else y


def _check(shapes, hp):
    (x,) = shapes
    return None if len(x) == 1 else f"a vector (n,), got {x}"


linear = Block(
    name="linear",
    doc="Affine map of a vector: weight @ x + bias.",
    inputs=("x",),
    apply=_apply,
    hypers=(
        out_hyper(),
        USE_BIAS,
    ),
    slots=(
        Slot("weight", lambda s, hp: (hp["out"], s[0][0]), "lecun_normal", doc="(out, in)"),
        BIAS,
    ),
    check=_check,
    example=((3,),),
    example_hypers={"out": 4},
)

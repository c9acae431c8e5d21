"""linear(x; weight, bias) = weight @ x + bias."""

from blocks.block import Block, Hyper, Slot, positive


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
        Hyper("out", int, doc="number of outputs", check=positive),
        Hyper("use_bias", bool, True, "add a learned bias"),
    ),
    slots=(
        Slot("weight", lambda s, hp: (hp["out"], s[0][0]), "lecun_normal", doc="(out, in)"),
        Slot("bias", lambda s, hp: (hp["out"],) if hp["use_bias"] else None, "zeros", doc="(out,)"),
    ),
    check=_check,
    example=((3,),),
    example_hypers={"out": 4},
)

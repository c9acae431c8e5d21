"""bilinear(x, z)_o = x^T W_o z + b_o: one bilinear form per output."""

import jax.numpy as jnp

from blocks.block import Block, Hyper, Slot, positive


def _apply(xs, w, hp):
    x, z = xs
    y = jnp.einsum("j,ojk,k->o", x, w["weight"], z)
    return y + w["bias"] if hp["use_bias"] else y


def _check(shapes, hp):
    x, z = shapes
    if len(x) != 1 or len(z) != 1:
        return f"vectors x (n,) and z (m,), got x {x} and z {z}"
    return None


bilinear = Block(
    name="bilinear",
    doc="Bilinear map of two vectors x (n,) and z (m,): y_o = x^T weight_o z + bias_o; "
    "output (out,).",
    inputs=("x", "z"),
    apply=_apply,
    hypers=(
        Hyper("out", int, doc="number of outputs", check=positive),
        Hyper("use_bias", bool, True, "add a learned bias"),
    ),
    slots=(
        # in = m (last axis), out = axis 0, so the fan-in is m times the remaining n: the
        # n * m products x_j z_k each output sums, which starts y at unit scale.
        Slot(
            "weight",
            lambda s, hp: (hp["out"], s[0][0], s[1][0]),
            "lecun_normal",
            doc="(out, n, m)",
            fan_in=-1,
            fan_out=0,
        ),
        Slot("bias", lambda s, hp: (hp["out"],) if hp["use_bias"] else None, "zeros", doc="(out,)"),
    ),
    check=_check,
    example=((3,), (2,)),
    example_hypers={"out": 4},
)

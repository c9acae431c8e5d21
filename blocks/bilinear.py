"""bilinear(x, z)_o = x^T W_o z + b_o: one bilinear form per output."""

import jax.numpy as jnp

from blocks.affine import BIAS, USE_BIAS, out_hyper, two_vectors
from blocks.block import Block, Slot, plain


def _apply(inputs, weights, hypers):
    x, z = inputs
    y = jnp.einsum("j,ojk,k->o", x, weights["weight"], z)
    return y + weights["bias"] if hypers["use_bias"] else y


bilinear = Block(
    name="bilinear",
    doc="Bilinear map of two vectors x (n,) and z (m,): y_o = x^T weight_o z + bias_o; "
    "output (out,).",
    inputs=("x", "z"),
    apply=plain(_apply),
    hypers=(
        out_hyper(),
        USE_BIAS,
    ),
    slots=(
        # in = m (last axis), out = axis 0, so the fan-in is m times the remaining n: the
        # n * m products x_j z_k each output sums, which starts y at unit scale.
        Slot(
            "weight",
            lambda shapes, hypers: (hypers["out"], shapes[0][0], shapes[1][0]),
            "lecun_normal",
            doc="(out, n, m)",
            fan_in=-1,
            fan_out=0,
        ),
        BIAS,
    ),
    check=two_vectors,
    example=((3,), (2,)),
    example_hypers={"out": 4},
)

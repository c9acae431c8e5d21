"""multiplicative(x, z) = z^T W x + U z + V x + b, the general multiplicative layer.

From "Multiplicative Interactions and Where to Find Them" (Jayakumar et al., ICLR 2020): read
as a hypernetwork, z picks the weights (z^T W + V) and bias (U z + b) of a linear map of x.
"""

import jax.numpy as jnp

from blocks.affine import BIAS, USE_BIAS, out_hyper, two_vectors
from blocks.block import Block, Slot, plain


def _apply(inputs, weights, hypers):
    x, z = inputs
    y = jnp.einsum("i,ioj,j->o", z, weights["weight"], x) + weights["u"] @ z + weights["v"] @ x
    return y + weights["bias"] if hypers["use_bias"] else y


multiplicative = Block(
    name="multiplicative",
    doc="General multiplicative layer: z^T weight x + u @ z + v @ x + bias, for vectors x "
    "(n,) and z (m,); output (out,). Each term starts at about the scale of a linear layer.",
    inputs=("x", "z"),
    apply=plain(_apply),
    hypers=(
        out_hyper(),
        USE_BIAS,
    ),
    slots=(
        # fan-in counts axis -1 (n) times the axes that are neither in nor out (m): the
        # n * m products z_i x_j each term sums, so z^T W x starts at unit scale like V x.
        Slot(
            "weight",
            lambda shapes, hypers: (shapes[1][0], hypers["out"], shapes[0][0]),
            "lecun_normal",
            doc="(m, out, n)",
            fan_in=-1,
            fan_out=-2,
        ),
        Slot(
            "u",
            lambda shapes, hypers: (hypers["out"], shapes[1][0]),
            "lecun_normal",
            doc="(out, m)",
        ),
        Slot(
            "v",
            lambda shapes, hypers: (hypers["out"], shapes[0][0]),
            "lecun_normal",
            doc="(out, n)",
        ),
        BIAS,
    ),
    check=two_vectors,
    example=((3,), (2,)),
    example_hypers={"out": 4},
)

"""gelu(x) = x * Phi(x), Phi the standard normal's distribution function, element-wise."""

import jax

from blocks.block import Block, Hyper, plain

gelu = Block(
    name="gelu",
    doc="x * Phi(x), element-wise (Phi: the standard normal's distribution function). "
    "`approximate` uses the tanh form instead of erf.",
    inputs=("x",),
    apply=plain(
        lambda inputs, weights, hypers: jax.nn.gelu(inputs[0], approximate=hypers["approximate"])
    ),
    hypers=(
        Hyper(
            "approximate",
            bool,
            False,
            "use 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) instead of the exact erf form",
        ),
    ),
)

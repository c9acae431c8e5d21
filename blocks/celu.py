"""celu(x) = x if x > 0 else alpha * (exp(x / alpha) - 1), element-wise."""

import jax

from blocks.block import Block, Hyper, plain

celu = Block(
    name="celu",
    doc="x where x > 0, else alpha * (exp(x / alpha) - 1), element-wise. Unlike elu, its "
    "slope is continuous at zero for every alpha.",
    inputs=("x",),
    apply=plain(lambda inputs, weights, hypers: jax.nn.celu(inputs[0], hypers["alpha"])),
    hypers=(
        Hyper(
            "alpha",
            float,
            1.0,
            "celu tends to -alpha as x goes to minus infinity",
            exclusive_minimum=0,
        ),
    ),
)

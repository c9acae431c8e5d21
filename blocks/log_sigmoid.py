"""log_sigmoid(x) = -softplus(-x), element-wise."""

import jax

from blocks.block import elementwise

log_sigmoid = elementwise(
    "log_sigmoid",
    jax.nn.log_sigmoid,
    "log(sigmoid(x)), element-wise. Computed as -softplus(-x), so it never takes log(0).",
)

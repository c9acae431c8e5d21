"""silu(x) = x * sigmoid(x), element-wise (also called swish)."""

import jax

from blocks.block import elementwise

silu = elementwise("silu", jax.nn.silu, "x * sigmoid(x), element-wise (swish with beta 1).")

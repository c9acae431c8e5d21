"""relu6(x) = min(max(x, 0), 6), element-wise."""

import jax

from blocks.block import elementwise

relu6 = elementwise("relu6", jax.nn.relu6, "min(max(x, 0), 6), element-wise.")

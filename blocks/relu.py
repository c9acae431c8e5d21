"""max(x, 0), element-wise."""

import jax

from blocks.block import elementwise

relu = elementwise("relu", jax.nn.relu, "max(x, 0), element-wise.")

"""What max_pool and avg_pool share: the window hyperparameters, the check and the shape."""

import jax

from blocks.block import Hyper
from blocks.windows import image_problem

WINDOW = Hyper("window", int, 2, "side of the square window", exclusive_minimum=0)
STRIDE = Hyper(
    "stride", int, 0, "step between windows; 0 means the window size (no overlap)", minimum=0
)


def stride(hypers) -> int:
    """The step between windows: the `stride` hyperparameter, or the window size if it is 0."""
    return hypers["stride"] or hypers["window"]


def check(shapes, hypers) -> str | None:
    return image_problem(shapes[0], hypers["window"])


def reduce(x: jax.Array, hypers, init: float, op) -> jax.Array:
    """`op` over each window of `x` (channels, height, width), channels kept apart, no padding."""
    window, step = hypers["window"], stride(hypers)
    return jax.lax.reduce_window(x, init, op, (1, window, window), (1, step, step), "VALID")

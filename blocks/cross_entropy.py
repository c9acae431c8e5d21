"""Cross-entropy of a predicted probability against a target (textbook form).

Binary for one output: -(t log p + (1 - t) log(1 - p)); categorical for several:
-sum(t log p), with 0 log 0 = 0 (sparsemax predicts exact zeros). Written this way it
overflows for extreme logits; the composer rewrites `sigmoid -> cross_entropy` and
`softmax -> cross_entropy` into the logit forms.
"""

import jax.numpy as jnp

from blocks.block import Block, plain
from blocks.losses import is_binary, pred_target_check


def _xlog(x, y, log=jnp.log):
    """x * log(y), taken as 0 where x is 0 (0 log 0 = 0), with a finite gradient there.

    sparsemax gives exact zeros, and a zero target there would otherwise make 0 * -inf = NaN
    (and 0 / 0 in the gradient); the inner `where` keeps the unused branch finite too."""
    zero = x == 0
    return jnp.where(zero, 0.0, x * log(jnp.where(zero, 1.0, y)))


def _apply(inputs, weights, hypers):
    p, t = inputs
    if is_binary(p.shape):
        return -jnp.sum(_xlog(t, p) + _xlog(1 - t, -p, jnp.log1p))
    return -jnp.sum(_xlog(t, p))


cross_entropy = Block(
    name="cross_entropy",
    doc="Cross-entropy of probabilities: binary for one output, categorical for several.",
    inputs=("pred", "target"),
    apply=plain(_apply),
    check=pred_target_check,
    loss=True,
    classifies="probability",
    example=((3,), (3,)),
)

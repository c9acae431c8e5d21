"""Cross-entropy of a predicted probability against a target (textbook form).

Binary for one output: -(t log p + (1 - t) log(1 - p)); categorical for several:
-sum(t log p). Written this way it overflows for extreme logits; the composer rewrites
`sigmoid -> cross_entropy` and `softmax -> cross_entropy` into the logit forms.
"""

import jax.numpy as jnp

from blocks.block import Block
from blocks.losses import is_binary, pred_target_check


def _apply(xs, w, hp):
    p, t = xs
    if is_binary(p.shape):
        return -jnp.sum(t * jnp.log(p) + (1 - t) * jnp.log1p(-p))
    return -jnp.sum(t * jnp.log(p))


cross_entropy = Block(
    name="cross_entropy",
    doc="Cross-entropy of probabilities: binary for one output, categorical for several.",
    inputs=("pred", "target"),
    apply=_apply,
    check=pred_target_check,
    loss=True,
    classifies="probability",
    example=((3,), (3,)),
)

"""Binary cross-entropy on logits: what `sigmoid -> cross_entropy` is built as."""

import jax
import jax.numpy as jnp

from blocks.block import Block, plain
from blocks.losses import pred_target_check


def _apply(inputs, weights, hypers):
    z, t = inputs
    # -(t log s(z) + (1-t) log s(-z)); log_sigmoid never takes log(0).
    return -jnp.sum(t * jax.nn.log_sigmoid(z) + (1 - t) * jax.nn.log_sigmoid(-z))


sigmoid_cross_entropy = Block(
    name="sigmoid_cross_entropy",
    doc="Binary cross-entropy of logits against targets in [0, 1], in log-sigmoid form.",
    inputs=("pred", "target"),
    apply=plain(_apply),
    check=pred_target_check,
    loss=True,
    classifies="logits",
    example=((1,), (1,)),
)

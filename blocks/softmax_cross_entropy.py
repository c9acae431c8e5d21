"""Categorical cross-entropy on logits: what `softmax -> cross_entropy` is built as."""

import jax
import jax.numpy as jnp

from blocks.block import Block, plain
from blocks.losses import pred_target_check

softmax_cross_entropy = Block(
    name="softmax_cross_entropy",
    doc="Categorical cross-entropy of logits against a distribution, in log-sum-exp form.",
    inputs=("pred", "target"),
    apply=plain(
        lambda inputs, weights, hypers: -jnp.sum(inputs[1] * jax.nn.log_softmax(inputs[0]))
    ),
    check=pred_target_check,
    loss=True,
    classifies="logits",
    example=((3,), (3,)),
)

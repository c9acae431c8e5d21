"""Metrics read from the loss node's prediction and target, on a batch."""

from __future__ import annotations

import jax.numpy as jnp

from blocks import Block
from compose.problems import Problem, did_you_mean
from compose.recipe import Train

METRICS = ("accuracy",)


def problems(train: Train, loss_block: Block | None) -> list[Problem]:
    """Unknown metrics, and metrics the loss cannot give (accuracy needs a classifier).

    Without a usable loss block only the names are checked."""
    out = []
    where = train.where.get("metrics", train.where["train"])
    for name in train.metrics:
        if name not in METRICS:
            out.append(Problem(where, f"unknown metric '{name}'", did_you_mean(name, METRICS)))
        elif loss_block is not None and loss_block.classifies is None:
            out.append(
                Problem(
                    where,
                    f"metric '{name}': expected a classification loss "
                    f"(cross_entropy), got {loss_block.name}",
                )
            )
    return out


def accuracy(pred: jnp.ndarray, target: jnp.ndarray, classifies: str) -> jnp.ndarray:
    """Fraction of examples classified right. pred, target: (batch, classes) or (batch, 1).

    One output is a yes/no answer (probability above 1/2, or logit above 0); several are
    classes, and the largest wins.
    """
    if pred.ndim == 1 or pred.shape[-1] == 1:
        threshold = 0.5 if classifies == "probability" else 0.0
        return jnp.mean((pred > threshold) == (target > 0.5))
    return jnp.mean(jnp.argmax(pred, axis=-1) == jnp.argmax(target, axis=-1))

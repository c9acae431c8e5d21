"""Metrics read from the loss node's prediction and target, one example at a time.

Most metrics are a per-example value, so their mean over a batch, over a chunk of batches
or over a whole validation set is the same plain average, computed the same way everywhere:
`accuracy`, `topK_accuracy` (K a whole number, e.g. `top3_accuracy`), `mse`, `mae`. The
metrics of a set (`precision`, `recall`, `f1`, `roc_auc`, `confusion_matrix`, `r2`) are made
from statistics of the examples together: see compose.checker.set_metrics.
"""

from __future__ import annotations

import re

import jax.numpy as jnp

from blocks import Block
from compose.checker.plan import Shape
from compose.checker.set_metrics import SET_METRICS, WHOLE_SET
from compose.recipe.problems import Problem, did_you_mean
from compose.recipe.records import Train

# top5_accuracy stands for every topK_accuracy
CLASSIFYING = ("accuracy", "top5_accuracy", "precision", "recall", "f1", "roc_auc")
CLASSIFYING += ("confusion_matrix",)
REGRESSING = ("mse", "mae", "r2")
METRICS = CLASSIFYING + REGRESSING
TOP_K_PATTERN = r"^top([1-9][0-9]*)_accuracy$"
_TOP_K = re.compile(TOP_K_PATTERN)


def top_k(name: str) -> int | None:
    """K of a `topK_accuracy` name, else None."""
    match = _TOP_K.fullmatch(name)
    return int(match.group(1)) if match else None


def known(name: str) -> bool:
    return name in METRICS or top_k(name) is not None


def per_example_metric(name: str) -> bool:
    """Whether metric `name` is a mean of per-example values (the rest are set metrics)."""
    return name not in SET_METRICS


def watchable(name: str, prefix: str) -> bool:
    """Whether metric `name` has a logged value on the set of `prefix` ("" training, "val_")
    that early stopping can watch: the confusion matrix has none, and ROC AUC none in the
    training lines (it is measured on whole sets only)."""
    return name != "confusion_matrix" and not (prefix == "" and name in WHOLE_SET)


def problems(train: Train, loss_block: Block | None, pred_shape: Shape | None) -> list[Problem]:
    """Unknown metrics, and metrics the loss cannot give: accuracies, precision, recall, F1,
    ROC AUC and the confusion matrix need a classification loss (cross_entropy), top-K more
    than K classes, ROC AUC two classes; mse, mae and r2 a regression loss.

    Without a usable loss block only the names are checked."""
    out = []
    where = train.where.get("metrics", train.where["train"])
    for name in train.metrics:
        if not known(name):
            out.append(Problem(where, f"unknown metric '{name}'", did_you_mean(name, METRICS)))
            continue
        if loss_block is None:
            continue
        classifying = name in CLASSIFYING or top_k(name) is not None
        if classifying and loss_block.classifies is None:
            out.append(
                Problem(
                    where,
                    f"metric '{name}': expected a classification loss "
                    f"(cross_entropy), got {loss_block.name}",
                )
            )
        elif not classifying and loss_block.classifies is not None:
            out.append(
                Problem(
                    where,
                    f"metric '{name}': expected a regression loss (mse), got "
                    f"{loss_block.name}, whose prediction is a "
                    f"{'probability' if loss_block.classifies == 'probability' else 'logit'}",
                    "use accuracy or topK_accuracy for a classifier",
                )
            )
        elif name == "roc_auc" and pred_shape and pred_shape[-1] > 2:
            out.append(
                Problem(
                    where,
                    "metric 'roc_auc': expected a binary classifier (one output, or two "
                    f"classes), got a prediction of shape {pred_shape}",
                    "use f1 or a confusion_matrix for more classes",
                )
            )
        elif (k := top_k(name)) is not None and pred_shape is not None:
            classes = pred_shape[-1] if pred_shape else 1
            if classes <= k:
                out.append(
                    Problem(
                        where,
                        f"metric '{name}': expected more than {k} class{'es' if k > 1 else ''}, "
                        f"got a prediction of shape {pred_shape}",
                    )
                )
    return out


def per_example(
    name: str, pred: jnp.ndarray, target: jnp.ndarray, classifies: str | None
) -> jnp.ndarray:
    """One example's value of metric `name`, a scalar. pred, target: the loss's two inputs."""
    if name == "accuracy":
        return accuracy(pred, target, classifies)
    if (k := top_k(name)) is not None:
        # Right when fewer than k classes score higher than the target's (ties count as right).
        target_score = jnp.sum(pred * (target == jnp.max(target)), axis=-1)
        return (jnp.sum(pred > target_score, axis=-1) < k).astype(jnp.float32)
    error = pred - target
    value = jnp.square(error) if name == "mse" else jnp.abs(error)
    return jnp.mean(value)


def accuracy(pred: jnp.ndarray, target: jnp.ndarray, classifies: str) -> jnp.ndarray:
    """1.0 if one example is classified right, else 0.0. pred, target: (classes,) or (1,).

    One output is a yes/no answer (probability above 1/2, or logit above 0); several are
    classes, and the largest wins.
    """
    if pred.shape[-1] == 1:
        threshold = 0.5 if classifies == "probability" else 0.0
        right = (pred[0] > threshold) == (target[0] > 0.5)
    else:
        right = jnp.argmax(pred) == jnp.argmax(target)
    return right.astype(jnp.float32)

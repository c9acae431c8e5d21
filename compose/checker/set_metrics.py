"""Metrics of a set rather than means of per-example values: precision, recall and F1
(macro), R-squared, ROC AUC and the confusion matrix.

Each example gives a few raw values (its true and predicted class, its score, its squared
errors and its target: keys that begin with ":"). A batch, or a whole set, reduces them
(`reduced`) to statistics named `metric:statistic` (the fraction of the examples that are
true positives of each class, the mean and spread of each output's target, ...), and since
every batch of a run has the same size, the statistics of several batches combine by
their plain mean, as per-example metrics do. `finished` makes each metric from its
statistics, so a value logged over many steps is the metric of all their examples
together, not a mean of per-batch values. ROC AUC (a ranking of every example) and the
confusion matrix are measured on whole sets only.

Precision, recall and F1 follow scikit-learn with `zero_division=0`: a class never
predicted has precision 0, one never present recall 0; the macro mean is over the
classes present in the target or the prediction, as scikit-learn's is when not given
`labels`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

COUNTED = ("precision", "recall", "f1")  # macro means, from per-class counts
WHOLE_SET = ("roc_auc", "confusion_matrix")  # measured on whole sets only, never per batch
BY_CLASS = COUNTED + ("confusion_matrix",)  # any of these: a confusion matrix in the summary
SET_METRICS = COUNTED + WHOLE_SET + ("r2",)
CONFUSION = ":confusion"  # a whole set's counts, (classes, classes): rows true, columns predicted
_STATS = {"counted": ("tp", "predicted", "actual"), "r2": ("sse", "mean", "var")}


def example(
    names: tuple[str, ...], pred: jax.Array, target: jax.Array, classifies: str | None
) -> dict[str, jax.Array]:
    """One example's raw values for the set metrics in `names`. pred, target: the loss's
    two inputs, one example's (for a classifier (classes,), or (1,) for a yes/no answer)."""
    out = {}
    if classifies is not None and any(n in BY_CLASS for n in names):
        out[":true"], out[":predicted"] = true_class(target), predicted_class(pred, classifies)
    if "roc_auc" in names:
        out[":score"], out[":positive"] = score(pred, classifies), true_class(target) == 1
    if "r2" in names:
        out[":squared_error"] = jnp.square(pred - target).ravel()
        out[":target"] = target.ravel()
    return out


def true_class(target: jax.Array) -> jax.Array:
    """The class a target names (an int32 scalar): one output, 1 above 1/2, else 0; several,
    the largest."""
    if target.shape[-1] == 1:
        return (target[0] > 0.5).astype(jnp.int32)
    return jnp.argmax(target).astype(jnp.int32)


def predicted_class(pred: jax.Array, classifies: str) -> jax.Array:
    """The class a prediction gives, as `accuracy` reads it: one output is a yes/no answer
    (a probability above 1/2, or a logit above 0), several the largest."""
    if pred.shape[-1] == 1:
        threshold = 0.5 if classifies == "probability" else 0.0
        return (pred[0] > threshold).astype(jnp.int32)
    return jnp.argmax(pred).astype(jnp.int32)


def score(pred: jax.Array, classifies: str | None) -> jax.Array:
    """How strongly a binary classifier says "class 1": its one output, the second of two
    probabilities, or the second logit less the first (the log-odds)."""
    if pred.shape[-1] == 1:
        return pred[0]
    return pred[1] if classifies == "probability" else pred[1] - pred[0]


def classes_of(pred_shape: tuple[int, ...]) -> int:
    """How many classes a prediction of this shape (one example's) tells apart."""
    return 2 if pred_shape[-1] == 1 else pred_shape[-1]


def reduced(
    rows: Mapping[str, jax.Array],
    names: tuple[str, ...],
    classes: int,
    *,
    whole: bool,
    confusion: bool = False,
) -> dict[str, jax.Array]:
    """The values of a batch (or, with `whole`, of a whole set) from its examples' `rows`
    (each with a leading axis of examples): the mean of each per-example value, the
    statistics of the set metrics in `names`, with `whole` ROC AUC, and with `confusion`
    a classifier's confusion counts (when `names` has one of BY_CLASS). `classes`: how
    many the prediction tells apart (classes_of)."""
    out = {k: jnp.mean(v) for k, v in rows.items() if not k.startswith(":")}
    if ":true" in rows:
        true, predicted = rows[":true"], rows[":predicted"]
        n = true.shape[0]
        right = (true == predicted).astype(jnp.float32)
        stats = {
            "tp": jnp.zeros(classes, jnp.float32).at[true].add(right) / n,
            "predicted": jnp.bincount(predicted, length=classes).astype(jnp.float32) / n,
            "actual": jnp.bincount(true, length=classes).astype(jnp.float32) / n,
        }
        for name in names:
            if name in COUNTED:
                out.update({f"{name}:{k}": v for k, v in stats.items()})
        if confusion:
            out[CONFUSION] = jnp.zeros((classes, classes), jnp.int32).at[true, predicted].add(1)
    if "r2" in names:
        target = rows[":target"]
        mean = jnp.mean(target, axis=0)
        out["r2:sse"] = jnp.mean(rows[":squared_error"], axis=0)
        out["r2:mean"] = mean
        out["r2:var"] = jnp.mean(jnp.square(target - mean), axis=0)  # centred: no cancelling
    if whole and "roc_auc" in names:
        out["roc_auc"] = roc_auc(rows[":score"], rows[":positive"])
    return out


def roc_auc(scores: jax.Array, positive: jax.Array) -> jax.Array:
    """The area under the ROC curve (float32 scalar): the chance that a positive example
    scores above a negative one, a tie counting one half (as scikit-learn's trapezoids
    do); NaN when the set holds one class only. scores: (n,); positive: (n,) booleans."""
    negatives = jnp.sort(jnp.where(positive, jnp.inf, scores))  # positives sort last
    below = jnp.searchsorted(negatives, scores, side="left")
    up_to = jnp.searchsorted(negatives, scores, side="right")
    wins = jnp.where(positive, (below + up_to).astype(jnp.float32) / 2, 0.0)
    count = jnp.sum(positive).astype(jnp.float32)
    return jnp.sum(wins) / (count * (positive.shape[0] - count))


def squares(columns: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-step columns derived before a log window is averaged: the square of each step's
    target mean (float64, on the host), so that the spread of the batch means adds to the
    mean spread within batches without cancelling digits."""
    return {f"{k}²": np.square(v) for k, v in columns.items() if k.endswith("r2:mean")}


def finished(values: Mapping[str, Any], xp: Any = np) -> dict[str, Any]:
    """`values` with the statistics of each set metric replaced by the metric, in `xp`
    (numpy, or jax.numpy inside a compiled function). Each statistic may have leading
    axes (log points, variants) before its own; the metrics keep them."""
    out = {k: v for k, v in values.items() if ":" not in k or k.startswith(":")}
    for name in COUNTED:
        if f"{name}:tp" in values:
            tp, predicted, actual = (values[f"{name}:{k}"] for k in _STATS["counted"])
            each = by_class(name, tp, predicted, actual, xp)
            present = (predicted + actual) > 0
            count = xp.sum(present, axis=-1)
            total = xp.sum(xp.where(present, each, 0.0), axis=-1)
            out[name] = xp.where(count > 0, total / xp.maximum(count, 1), 0.0)
    if "r2:sse" in values:
        out["r2"] = r_squared(values, xp)
    return out


def by_class(name: str, tp: Any, predicted: Any, actual: Any, xp: Any = np) -> Any:
    """Precision, recall or F1 of each class (the last axis) from its true positives and
    the examples predicted as it and truly of it (counts, or fractions of one set); 0 where
    the count it divides by is 0, as scikit-learn's zero_division=0."""
    if name == "precision":
        over = predicted
    elif name == "recall":
        over = actual
    else:
        tp, over = 2 * tp, predicted + actual
    return xp.where(over > 0, tp / xp.where(over > 0, over, 1), 0.0)


def r_squared(values: Mapping[str, Any], xp: Any = np) -> Any:
    """R-squared from the statistics of a set (or of a log window's batches, whose target
    means spread too: "r2:mean²" is the mean of their squares), averaged over the outputs
    as scikit-learn's "uniform_average": an output whose target does not vary (within
    float32's rounding of its mean) scores 1 when predicted exactly, else 0."""
    sse, mean, var = (values[f"r2:{k}"] for k in _STATS["r2"])
    if "r2:mean²" in values:
        var = var + xp.maximum(values["r2:mean²"] - xp.square(mean), 0.0)
    flat = var <= 1e-12 * xp.square(mean)
    each = xp.where(flat, xp.where(sse == 0, 1.0, 0.0), 1 - sse / xp.where(flat, 1.0, var))
    return xp.mean(each, axis=-1)


def measured(values: Mapping[str, Any]) -> tuple[dict[str, Any], Any]:
    """(the metric values of an evaluation, its confusion counts or None)."""
    metrics = {k: v for k, v in values.items() if not k.startswith(":")}
    return metrics, values.get(CONFUSION)


@dataclass(frozen=True)
class Confusion:
    """A classifier's confusion matrices, one per set measured ("" training, "val_",
    "test_"): matrix[i, j] counts the examples of class i predicted as class j. `classes`
    names each class, in order (the data's names, else the class indices)."""

    classes: tuple[str, ...]
    matrices: dict[str, np.ndarray] = field(default_factory=dict)

    def per_class(self, part: str) -> dict[str, list]:
        """Each class's precision, recall, F1 and support (examples truly of it) on a set."""
        matrix = np.asarray(self.matrices[part], np.int64)
        tp, predicted, actual = np.diag(matrix), matrix.sum(axis=0), matrix.sum(axis=1)
        out: dict[str, list] = {n: by_class(n, tp, predicted, actual).tolist() for n in COUNTED}
        out["support"] = actual.tolist()
        return out

    def summary(self) -> dict[str, Any]:
        """As summary.json keeps it: the class names, then by set ("train", "val", "test")
        the matrix and each class's precision, recall, F1 and support."""
        out: dict[str, Any] = {"classes": list(self.classes)}
        for part, matrix in self.matrices.items():
            key = part.rstrip("_") or "train"
            out[key] = {"matrix": np.asarray(matrix).tolist(), **self.per_class(part)}
        return out

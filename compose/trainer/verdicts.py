"""What a finished run should be told in plain words: it did no better than chance, its
loss ended far above where it started, or (when asked to overfit) whether it could.

A run that "trains" to chance accuracy with a loss of 6.5e6 must not end looking like a
success: these notes go into the summary and onto the screen.
"""

from __future__ import annotations

import math

import numpy as np

from compose.runtime.shown import number

CHANCE_MARGIN = 0.01  # an accuracy within this of chance is no better than chance
RISE = 2.0  # a final loss above this many times the initial one "ended far above"
OVERFIT_DONE = 0.05  # fitting a few examples: the loss fell below this fraction of its start


def chance_accuracy(target: np.ndarray) -> float:
    """Accuracy of always guessing the most common class. target: (examples, 1) with 0/1
    values, or one-hot (examples, classes)."""
    if target.shape[-1] == 1:
        share = float(np.mean(target > 0.5))
        return max(share, 1.0 - share)
    counts = np.bincount(np.argmax(target, axis=-1), minlength=target.shape[-1])
    return float(counts.max() / counts.sum())


def notes(
    metrics: dict[str, float],
    first_loss: float | None,
    *,
    chance: float | None = None,
    overfit: int | None = None,
    heaviest_weight: float = 0.0,
) -> list[str]:
    """Plain-word notes on a finished run's final `metrics` (with `val_` ones if any);
    `first_loss` is the training loss before the first step."""
    out = []
    loss = metrics.get("loss")
    if overfit and loss is not None and first_loss is not None:
        if loss <= OVERFIT_DONE * first_loss:
            out.append(
                f"overfit: the loss on the first {overfit} examples fell from {number(first_loss)} "
                f"to {number(loss)}: the model can fit them, so it can learn; now train on all"
            )
        else:
            out.append(
                f"overfit: the loss on the first {overfit} examples only fell from "
                f"{number(first_loss)} to {number(loss)}: the model cannot fit even these; look "
                "for a mistake in the wiring or the loss, a model too small, or a learning "
                "rate too low"
            )
    key = "val_accuracy" if "val_accuracy" in metrics else "accuracy"
    if chance is not None and key in metrics and metrics[key] <= chance + CHANCE_MARGIN:
        out.append(
            f"{key} {number(metrics[key])} is no better than chance ({number(chance)}: always "
            f"guessing the most common class){_blame(heaviest_weight)}"
        )
    if loss is not None and first_loss is not None and first_loss > 0:
        if not math.isfinite(loss) or loss > RISE * first_loss:
            out.append(
                f"the loss ended at {number(loss)}, far above where it started "
                f"({number(first_loss)})"
                f"{_blame(heaviest_weight) or ': the learning rate may be too high'}"
            )
    return out


def _blame(heaviest: float) -> str:
    """What the weights point at, if anything."""
    if heaviest > 1e4:
        return (
            f": weights grew to {number(heaviest, '.3g')}, so the learning rate is likely too high"
        )
    return ""

"""What a finished (or stopped) run gives: the model it ends with and what that model reaches."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compose.model.composed import Composed
from compose.model.failure import Failure


@dataclass(frozen=True)
class Result:
    """A finished (or stopped) run: the model it ends with and what that model reaches.

    metrics: the loss and metrics on the training set (at most EVAL_CAP examples), and with
    `val_` and `test_` prefixes on those sets. stopped: why it ended early ("" if it ran
    to the end): "interrupted", "early stop: ...", or what went wrong. With early stopping
    the model is the best one, from `best_step`.
    """

    model: Composed
    steps: int
    seconds: float
    metrics: dict[str, float]
    folder: Path | None = None
    stopped: str = ""
    best_step: int | None = None
    failure: Failure | None = None
    notes: tuple[str, ...] = ()  # plain words on what the run reached (compose.trainer.verdicts)

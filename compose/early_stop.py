"""Early stopping: watch one logged metric, remember the best weights, say when to stop."""

from __future__ import annotations

from typing import Any

from compose.recipe import EarlyStop


class EarlyStopping:
    """Tracks `rule.metric` over the records that hold it; `best_model` is the model at
    the best value so far, and `exhausted` turns true after `patience` records in a row
    without an improvement larger than `min_delta`."""

    def __init__(self, rule: EarlyStop):
        self.rule = rule
        self.best: float | None = None
        self.best_step = 0
        self.best_model: Any = None
        self.waited = 0

    def update(self, record: dict[str, Any], model: Any) -> None:
        value = record.get(self.rule.metric)
        if value is None:
            return
        sign = 1.0 if self.rule.mode == "min" else -1.0
        if self.best is None or sign * (self.best - value) > self.rule.min_delta:
            self.best, self.best_step, self.best_model = value, record["step"], model
            self.waited = 0
        else:
            self.waited += 1

    @property
    def exhausted(self) -> bool:
        return self.waited >= self.rule.patience

    def state(self) -> dict[str, Any]:
        """What a checkpoint keeps besides the best model itself."""
        return {"best": self.best, "best_step": self.best_step, "waited": self.waited}

    def restore(self, state: dict[str, Any], best_model: Any) -> None:
        self.best, self.best_step = state["best"], state["best_step"]
        self.waited, self.best_model = state["waited"], best_model

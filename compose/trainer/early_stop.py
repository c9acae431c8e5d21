"""Early stopping: watch one logged metric, remember the best weights, say when to stop."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from compose.checker.train_rules import early_stop_problem
from compose.recipe.problems import RecipeError
from compose.recipe.records import EarlyStop, Train


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


class EachEarlyStopping:
    """Early stopping for each variant of a population (compose.trainer.population): each watches
    its own value of `rule.metric`, keeps its own best step and patience, and is exhausted
    on its own. `best_model` stacks every variant's best weights (leading axis: variants).
    """

    def __init__(self, rule: EarlyStop, count: int):
        self.rule = rule
        self.each = [EarlyStopping(rule) for _ in range(count)]
        self.best_model: Any = None

    def update(self, step: int, rows: list[dict[str, Any] | None], model: Any) -> None:
        """Each variant's values at `step` (None: it took no steps); `model` is stacked."""
        improved = []
        for early, row in zip(self.each, rows, strict=True):
            if row is not None and not early.exhausted:
                early.update({**row, "step": step}, None)
            improved.append(early.best is not None and early.best_step == step)
        if self.best_model is None:
            self.best_model = model
        elif any(improved):
            self.best_model = each_where(improved, model, self.best_model)

    @property
    def exhausted_each(self) -> list[bool]:
        return [early.exhausted for early in self.each]

    @property
    def exhausted(self) -> bool:
        return all(self.exhausted_each)

    def state(self) -> list[dict[str, Any]]:
        return [early.state() for early in self.each]

    def restore(self, state: list[dict[str, Any]], best_model: Any) -> None:
        for early, own in zip(self.each, state, strict=True):
            early.restore(own, None)
        self.best_model = best_model


def each_where(mask: list[bool], new: Any, old: Any) -> Any:
    """Stacked trees (leading axis: variants) taking variant i from `new` where mask[i]."""
    chosen = jax.device_put(np.asarray(mask))
    return jax.tree_util.tree_map(
        lambda a, b: jnp.where(chosen.reshape((-1,) + (1,) * (a.ndim - 1)), a, b), new, old
    )


def watched_problem(spec: Train, eval_sets: Mapping[str, Any]) -> None:
    """Raise RecipeError unless early stopping watches a metric that is logged (a check
    says so first where the recipe shows it: compose.checker.train_rules)."""
    found = early_stop_problem(spec, tuple(eval_sets))
    if found:
        raise RecipeError([found])

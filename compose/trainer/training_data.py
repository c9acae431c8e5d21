"""A session's data: the recipe's source or arrays given, on the devices, in batches."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jax
import numpy as np

from compose.checker import set_metrics
from compose.checker.checked import Checked
from compose.data import loading, sources
from compose.data.transforms import Transforms
from compose.recipe.problems import Problem, RecipeError
from compose.recipe.records import Train
from compose.runtime.devices import Placement
from compose.trainer import verdicts

EVAL_CAP = 10_000  # training examples the final training loss and metrics are measured on


@dataclass
class TrainingData:
    """What a session trains and measures on. spec: the train section (its batch cut to
    the examples when overfitting a few); total: the run's steps; arrays: the training
    arrays on the devices; eval_sets: the sets measured ("" training, at most EVAL_CAP
    examples, "val_", "test_"), on the devices; chance: chance accuracy, when accuracy
    is a metric; classes: the names of the loss target's classes, where the data names
    them (a CSV file's one-hot column); transforms: what loading did to the data (the
    columns read, the standardisation), which a run folder keeps for prediction."""

    spec: Train
    placement: Placement
    examples: int
    total: int
    arrays: dict[str, jax.Array]
    eval_sets: dict[str, dict[str, jax.Array]]
    chance: float | None
    classes: tuple[str, ...] | None = None
    transforms: Transforms = Transforms()

    @property
    def steps_per_epoch(self) -> int:
        """Steps that take every training example once (full batches only)."""
        return max(1, self.examples // self.spec.batch)

    def epochs(self, steps: int) -> float:
        """How many passes over the training examples `steps` steps make."""
        return steps / self.steps_per_epoch

    def class_names(self, count: int) -> tuple[str, ...]:
        """The names of `count` classes: the data's, else their indices."""
        if self.classes is not None and len(self.classes) == count:
            return self.classes
        return tuple(str(i) for i in range(count))


def training_data(
    checked: Checked,
    given: Mapping[str, Mapping[str, Any] | None],
    overfit: int | None,
    warnings: list[str],
) -> TrainingData:
    """Load the data (`given` arrays by part, "train", "val", "test", else the recipe's
    source), cut it to `overfit` examples if asked, and place it on the devices; what
    loading left out (examples holding NaN or infinity) is said in `warnings`."""
    spec = checked.recipe.train
    split = _split(checked, spec, given)
    warnings.extend(split.warnings)
    if overfit:
        split = replace(
            split, train={k: v[:overfit] for k, v in split.train.items()}, val={}, test={}
        )
        spec = replace(spec, batch=min(spec.batch, overfit))
    placement = Placement(spec.devices)
    n = len(next(iter(split.train.values())))
    eval_sets = {
        prefix: placement.replicated({k: np.asarray(v[:cap]) for k, v in arrays.items()})
        for prefix, arrays, cap in (
            ("", split.train, EVAL_CAP),
            ("val_", split.val, None),
            ("test_", split.test, None),
        )
        if arrays and len(next(iter(arrays.values()))) > 0
    }
    return TrainingData(
        spec=spec,
        placement=placement,
        examples=n,
        total=spec.steps or spec.epochs * (n // spec.batch),
        arrays=placement.replicated({k: np.asarray(v) for k, v in split.train.items()}),
        eval_sets=eval_sets,
        chance=_chance(checked, spec, split.train),
        classes=_classes(checked, spec) if given["train"] is None else None,
        transforms=split.transforms,
    )


def _split(checked: Checked, spec: Train, given) -> loading.Split:
    names = [i.name for i in checked.recipe.inputs]
    if given["train"] is None:
        if given["val"] is not None or given["test"] is not None:
            raise TypeError("val= and test= arrays go with data= arrays, got no data=")
        return loading.load(spec.data, names, Path(checked.recipe.file).parent)
    inputs = checked.recipe.inputs
    problems = [
        p
        for part, arrays in given.items()
        if arrays is not None
        for p in loading.array_problems(arrays, inputs, what=f"{part} data")
    ]
    n = len(next(iter(given["train"].values()), ()))
    if not problems and n < spec.batch:
        where = spec.where.get("batch", spec.where["train"])
        message = f"expected a batch of at most the {n} examples of data=, got {spec.batch}"
        problems.append(Problem(where, message))
    if problems:
        raise RecipeError(problems)
    return loading.Split(*(as_numpy(given[part], names) for part in ("train", "val", "test")))


def _chance(checked: Checked, spec: Train, train: Mapping[str, np.ndarray]) -> float | None:
    """Chance accuracy on the training targets, when accuracy is a metric."""
    if "accuracy" not in spec.metrics:
        return None
    target = _target(checked)
    if target is None or target.name not in train:
        return None
    return verdicts.chance_accuracy(np.asarray(train[target.name]))


def _classes(checked: Checked, spec: Train) -> tuple[str, ...] | None:
    """The class names of the loss target, when it is an input the data names them for."""
    target = _target(checked)
    if target is None or not set(spec.metrics) & set(set_metrics.BY_CLASS):
        return None
    return sources.class_names(spec.data, Path(checked.recipe.file).parent, target.name)


def _target(checked: Checked):
    """The loss node's target when it is an input (a plan Value), else None."""
    plan = checked.plan
    loss_step = plan.loss_step
    target = loss_step.args[1] if len(loss_step.args) > 1 else None
    return target if target is not None and target.kind == "input" else None


def as_numpy(arrays: Mapping[str, Any] | None, names: list[str]) -> dict[str, np.ndarray]:
    """The named arrays as numpy; booleans and floats as float32, as data files give them."""
    out = {}
    for name in names if arrays is not None else ():
        array = np.asarray(arrays[name])
        out[name] = array.astype(np.float32) if array.dtype.kind in "bf" else array
    return out

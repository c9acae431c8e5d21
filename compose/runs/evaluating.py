"""A trained run scored on labelled data: the loss and metrics, by the evaluator training
measures its sets with (compose.trainer.steps.evaluator), on a file of examples (its
saved transformations applied, as prediction applies them) or on a part of the data the
run was trained from (`val`, `test`: split as training split it).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from blocks import BLOCKS
from compose.checker import metrics, set_metrics
from compose.data import loading
from compose.recipe.problems import Problem, RecipeError, Where
from compose.runs.predicting import Predictor
from compose.runs.trained import BATCH, Run, load_run
from compose.trainer.steps import evaluator, value_shape

PARTS = ("val", "test")


@dataclass(frozen=True)
class Evaluation:
    """What evaluating found: the loss and each metric, the examples measured, the set
    in words ("val", a file's path), and a classifier's confusion matrix (its set keyed
    "") when a metric asks for one."""

    values: dict[str, float]
    examples: int
    label: str
    confusion: set_metrics.Confusion | None = None


def evaluate_run(
    folder: str | Path,
    *,
    data: str | Path | None = None,
    split: str | None = None,
    extra: tuple[str, ...] = (),
    notes: list[str] | None = None,
) -> Evaluation:
    """Score run folder `folder` on file `data` (.csv or .npz, every input labelled) or on
    the `split` ("val" or "test") of its recipe's data; the recipe's metrics and `extra`.
    Raises RecipeError for data or metrics that do not fit the run."""
    run = load_run(folder, notes=notes)
    recipe = run.recipe
    if recipe.train is None or recipe.loss is None:
        where = Where(recipe.file, path="train")
        raise RecipeError([Problem(where, "expected a train section and a loss to evaluate")])
    names = _metrics(run, extra)
    inputs = tuple((i.name, i.shape) for i in recipe.inputs)
    predictor = Predictor(run, batch=BATCH)
    if data is not None:
        arrays, label = _from_file(run, predictor, Path(data), inputs), str(data)
    else:
        arrays, label = _from_split(run, split or "val"), split or "val"
    measure = evaluator(run.model.plan, names, batch_size=BATCH, confusion=True)
    measured = measure(run.model, dict(arrays))
    values, counts = set_metrics.measured(measured)
    confusion = None
    if counts is not None:
        counts = np.asarray(counts)
        named = next(iter(predictor.classes.values()), None)
        classes = named.names if named and len(named.names) == len(counts) else None
        classes = classes or tuple(str(i) for i in range(len(counts)))
        confusion = set_metrics.Confusion(classes, {"": counts})
    examples = len(next(iter(arrays.values()))) if arrays else 0
    return Evaluation({k: float(v) for k, v in values.items()}, examples, label, confusion)


def _metrics(run: Run, extra: tuple[str, ...]) -> tuple[str, ...]:
    """The recipe's metrics and `extra`, each once; one the loss cannot give is a problem
    said of --metrics."""
    train, recipe = run.recipe.train, run.recipe
    names = tuple(dict.fromkeys((*train.metrics, *extra)))
    node = next(n for n in recipe.nodes if n.name == recipe.loss.ref)
    block = BLOCKS.get(node.block) if node.block else None
    plan = run.model.plan
    loss_step = plan.loss_step
    pred = value_shape(plan, loss_step.args[0]) if loss_step.args and block else None
    where = Where("--metrics")
    asked = dataclasses.replace(train, metrics=names, where={**train.where, "metrics": where})
    problems = metrics.problems(asked, block, pred)
    if problems:
        raise RecipeError([dataclasses.replace(p, where=where) for p in problems])
    return names


def _from_file(run: Run, predictor: Predictor, path: Path, inputs: tuple) -> dict[str, Any]:
    """Every input of the run (targets too) from a labelled file read by `predictor`,
    transformed as training transformed its data."""
    if path.suffix.lower() == ".csv":
        names = [name for name, _ in inputs]
        parts = [arrays for arrays, _, _ in predictor.csv_chunks(path, names)]
        raw = {k: np.concatenate([p[k] for p in parts]) for k in names}
        raw = predictor.given(raw, str(path), inputs)
    else:
        raw = predictor.npz_inputs(path, inputs)
    return run.transforms.scaled(raw)


def _from_split(run: Run, part: str) -> dict[str, Any]:
    """Part `part` of the run's own data, split and transformed as training did it."""
    spec = run.recipe.train.data
    names = [i.name for i in run.recipe.inputs]
    split = loading.load(spec, names, run.folder, transforms=run.transforms)
    arrays = getattr(split, part)
    if not arrays or not len(next(iter(arrays.values()))):
        where = dataclasses.replace(spec.where_of(part), path=f"train.data.{part}")
        message = f"expected examples held out as {part} to evaluate on, got none"
        raise RecipeError([Problem(where, message, "give a labelled file: --data FILE")])
    return arrays

"""Checks of a recipe's train section that need the checked graph: the loss, the optimizer,
the data against the inputs, and metrics the loss can give."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from blocks import BLOCKS
from compose.checker import metrics, optimizers
from compose.checker.plan import Shape
from compose.checker.variants import problems as variant_problems
from compose.data import loading as data
from compose.recipe.problems import Problem
from compose.recipe.records import DataSpec, Node, Recipe, Train
from compose.runtime.devices import available


def train_problems(
    recipe: Recipe, shapes: dict[str, Shape], label: Callable[[Node], str]
) -> list[Problem]:
    """Every problem with `recipe.train`, given the checked shapes; `label` names a node."""
    train = recipe.train
    out = []
    if recipe.loss is None:
        out.append(
            Problem(
                train.where["train"],
                "expected a `loss:` naming the per-example scalar node to minimise, got none",
            )
        )
    out.extend(optimizers.problems(train))
    out.extend(_device_problems(train))
    if train.vary and not any(p.where == train.optimizer.where for p in out):
        where = train.where.get("vary", train.where["train"])
        out.extend(variant_problems(recipe, dict(train.vary), where))
    # A recipe read from text has the file "<recipe>": its folder, ".", is the current one.
    out.extend(data.problems(train, recipe.inputs, Path(recipe.file).parent))
    node = next((n for n in recipe.nodes if recipe.loss and n.name == recipe.loss.ref), None)
    if node is not None and node.use and train.metrics:
        out.append(
            Problem(
                train.where["metrics"],
                f"expected a loss block to read metrics from, got {label(node)}",
            )
        )
    usable = node is not None and node.block and shapes.get(node.name) == ()
    pred = shapes.get(node.wires[0].ref) if usable and node.wires else None
    out.extend(metrics.problems(train, BLOCKS[node.block] if usable else None, pred))
    held = isinstance(train.data.val, DataSpec) or train.data.val > 0
    found = early_stop_problem(train, ("", "val_") if held else ("",))
    return out + ([found] if found else [])


def early_stop_problem(train: Train, sets: tuple[str, ...]) -> Problem | None:
    """Early stopping that watches a metric no set logs: `sets` are the prefixes of the
    sets measured ("" training, "val_" validation); None when it watches a logged one."""
    rule = train.early_stop
    if rule is None:
        return None
    names = {"loss", *train.metrics}
    watched = {
        f"{prefix}{name}"
        for prefix in sets
        if prefix != "test_"
        for name in names
        if metrics.watchable(name, prefix)
    }
    if rule.metric in watched:
        return None
    where = train.where.get("early_stop", train.where["train"])
    message = f"expected a logged metric ({', '.join(sorted(watched))}), "
    message += f"got '{rule.metric}'"
    hint = ""
    if rule.metric.startswith("val_"):
        hint = "val_ metrics need a validation set: add val: 0.2 to train.data"
    elif rule.metric == "confusion_matrix":
        hint = "a confusion matrix is a table of counts, not one number to watch"
    elif rule.metric in names:  # measured on whole sets, so training lines have none
        hint = f"{rule.metric} is measured on whole sets only: watch val_{rule.metric}"
    return Problem(where, message, hint)


def _device_problems(train) -> list[Problem]:
    """More devices asked for than there are, or a batch that does not split over them."""
    seen = available()
    count = train.devices or seen
    if count > seen:
        where = train.where.get("devices", train.where["train"])
        return [Problem(where, f"expected at most the {seen} devices JAX sees, got {count}")]
    if train.batch % count:
        where = train.where.get("batch", train.where["train"])
        return [
            Problem(
                where,
                f"expected a batch that splits evenly over {count} devices, got {train.batch}",
                f"use a multiple of {count}, or train.devices: 1",
            )
        ]
    return []

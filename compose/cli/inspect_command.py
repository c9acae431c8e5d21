"""`compose inspect`: what it looks at (a run folder's trained model, or a recipe's model as
training initialises it, on a batch of its training data), the one real optimizer step its
update ratios measure, and how it prints the health records of compose.model.health, as a
table at 80 columns or as strict JSON."""

from __future__ import annotations

import io
import json
import os
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import numpy as np

from compose.checker import optimizers
from compose.checker.checked import Checked
from compose.checker.graph import check
from compose.data import loading as datasets
from compose.model.builder import build, skeleton
from compose.model.composed import Composed
from compose.model.health import health
from compose.model.health_records import Health
from compose.recipe.loader import load
from compose.recipe.problems import Problem, RecipeError, Where, printable
from compose.recipe.records import Recipe
from compose.runs import checkpoint
from compose.runs.folder import is_run
from compose.runs.names import CHECKPOINT, PREVIOUS_CHECKPOINT, RECIPE, SUMMARY, WEIGHTS
from compose.runs.reading import check_folder, read_summary
from compose.runs.trained import load_run, read_weights, run_recipe
from compose.runtime.shown import number
from compose.trainer.steps import make_step


def to_json(found: Health, **extra: Any) -> str:
    """`found` as strict JSON (non-finite numbers as null), with `extra` keys first."""
    return json.dumps({**extra, **found.as_dict()}, indent=2, allow_nan=False)


# -- what `compose inspect` looks at ----------------------------------------------------------


FRESH = "from a fresh optimizer state, as training's first step"


@dataclass(frozen=True)
class Subject:
    """A model to look inside, the batch to look at (the first examples of the training
    data, arrays with a leading batch axis), what the model is ("trained 30 steps, ..."
    or "as initialised from seed 0"), and the optimizer state its next step starts from:
    the one saved with a run's weights, or None for a fresh one; `opt_note` says which."""

    checked: Checked
    model: Composed
    batch: dict[str, np.ndarray]
    label: str
    opt_state: Any = None
    opt_note: str = FRESH
    notes: tuple[str, ...] = ()  # what to warn of: a model.eqx without a checksum


def members(target: str | Path) -> list[tuple[str, Path]]:
    """A population folder's variants as (name, run folder), in the summary's order;
    empty for anything else. Raises RecipeError for a folder with a link among its
    entries, a damaged summary, or a variant's folder named outside it."""
    path = Path(target)
    if not path.is_dir():
        return []
    check_folder(path)
    if not os.path.lexists(path / SUMMARY):
        return []
    variants = read_summary(path).get("variants", {})  # each folder checked to lie inside
    return [(name, path / entry["folder"]) for name, entry in variants.items()]


def subject(
    target: str | Path, *, overrides: Sequence[str] = (), examples: int | None = None
) -> Subject:
    """A run folder's trained model (with the optimizer state saved with it, if any), or a
    recipe's model as training initialises it (the train seed, then `train.init_from`),
    with `examples` examples of its training data (default: the recipe's batch size).

    Raises RecipeError for a folder that is not a finished run or a recipe that cannot be
    inspected (its problems, or no train section to take the data and seed from).
    """
    path = Path(target)
    opt_state, opt_note, notes = None, FRESH, []
    if path.is_dir():
        checked, model, label = _trained(path, overrides, notes)
        opt_state, opt_note = _saved_state(path, checked, model)
    else:
        checked = _checked(load(path, overrides=overrides))
        spec = checked.recipe.train
        model = build(checked, jax.random.fold_in(jax.random.key(spec.seed), 0))
        label = f"as initialised from seed {spec.seed}"
        if spec.init_from:
            from compose.trainer.session import take_weights

            folder = Path(spec.init_from)
            folder = folder if folder.is_absolute() else path.parent / folder
            model = take_weights(model, load_run(folder, notes=notes).model)[0]
            label += f" and {folder}"
    spec = checked.recipe.train
    names = [i.name for i in checked.recipe.inputs]
    arrays = datasets.load(spec.data, names, Path(checked.recipe.file).parent).train
    size = spec.batch if examples is None else examples
    batch = {k: a[:size] for k, a in arrays.items()}
    return Subject(checked, model, batch, label, opt_state, opt_note, tuple(notes))


def next_step(seen: Subject) -> Composed:
    """The model after one real step of the recipe's optimizer on the subject's batch, made
    as training makes it (its schedule, clipping, weight decay and penalty), from the
    subject's optimizer state or a fresh one. Random blocks are off (no key), so the step
    is the same at every look."""
    spec = seen.checked.recipe.train
    optimizer = optimizers.make(spec)
    state = seen.opt_state if seen.opt_state is not None else optimizer.init(seen.model.weights)
    step = eqx.filter_jit(make_step(optimizer, spec.penalty))
    return step(seen.model, state, dict(seen.batch))[0]


def look(seen: Subject) -> Health:
    """What `compose inspect` reports of a subject: its health on its batch, each update
    ratio |w1 - w| / |w| that of the next real optimizer step (`next_step`)."""
    name = seen.checked.recipe.train.optimizer.name
    how = f"|w1 - w| / |w| for one {name} step on this batch, {seen.opt_note}"
    return health(
        seen.model, seen.batch, rewrites=seen.checked.rewrites, after=next_step(seen), how=how
    )


def _saved_state(folder: Path, checked: Checked, model: Composed) -> tuple[Any, str]:
    """(the optimizer state the run's checkpoint saved with the weights of model.eqx, and
    where it comes from), or (None, why a fresh one is taken)."""
    if not any((folder / name).is_file() for name in (CHECKPOINT, PREVIOUS_CHECKPOINT)):
        return None, f"from a fresh optimizer state (the folder keeps no {CHECKPOINT})"
    skeleton = {
        "model": model,
        "opt_state": optimizers.make(checked.recipe.train).init(model.weights),
    }
    why = "does not fit this optimizer"
    for held in (skeleton, {**skeleton, "best": model}):  # a run that stopped early: its best
        try:
            tree, header, _ = checkpoint.latest(folder, held)
            break
        except checkpoint.CheckpointError as err:
            why = "is damaged" if err.damaged else why
            continue
    else:
        return None, f"from a fresh optimizer state ({CHECKPOINT} {why})"
    saved = jax.tree_util.tree_leaves(tree["model"].weights)
    if not all(map(np.array_equal, saved, jax.tree_util.tree_leaves(model.weights))):
        return None, (
            f"from a fresh optimizer state (the state in {CHECKPOINT} goes with the weights "
            f"of step {header['step']}, not those of {WEIGHTS})"
        )
    return tree["opt_state"], f"from the optimizer state saved at step {header['step']}"


def _trained(
    folder: Path, overrides: Sequence[str], notes: list[str]
) -> tuple[Checked, Composed, str]:
    check_folder(folder)
    if not is_run(folder):
        raise RecipeError(
            [
                Problem(
                    Where(str(folder)),
                    f"expected a run folder (with {RECIPE} and {SUMMARY}) or a recipe file, "
                    "got a folder without them",
                )
            ]
        )
    if not (folder / WEIGHTS).is_file():
        raise RecipeError(
            [
                Problem(
                    Where(str(folder)),
                    f"expected the run's weights in {WEIGHTS}, got none (a run writes them "
                    "when it ends)",
                )
            ]
        )
    checked = _checked(run_recipe(folder, overrides))
    model = read_weights(folder / WEIGHTS, skeleton(checked), notes=notes)
    steps = read_summary(folder)["steps"]
    return checked, model, f"trained {steps} steps, run folder {folder}"


def _checked(recipe: Recipe) -> Checked:
    checked = check(recipe)
    problems = list(checked.problems)
    if not problems and recipe.train is None:
        problems.append(
            Problem(
                recipe.where,
                "expected a train section (its data and seed) to inspect the model on, got none",
            )
        )
    if problems:
        raise RecipeError(problems)
    return checked


# -- the report ---------------------------------------------------------------------------------


def report(seen: Subject, found: Health, *, width: int = 80) -> str:
    """What `compose inspect` prints: a line on the model, a table of nodes (`width`
    columns at most) and notes on nodes no gradient reaches, a table of weights, then the
    flags, one per line."""
    name = printable(seen.checked.recipe.name)  # text, never terminal codes
    lines = [f"{name}: {seen.label}; loss {_number(found.loss)} on {found.examples} examples"]
    rows = [
        (
            n.path,
            n.block,
            _number(n.mean),
            _number(n.std),
            _percent(n.dead),
            _percent(n.saturated),
            _number(n.grad_norm) if n.note == "" else n.note.split(" ")[0].replace("not", "-"),
        )
        for n in found.nodes
    ]
    columns = ("node", "block", "mean", "std", "dead", "sat.", "grad norm")
    lines += _table(columns, rows, width, left=2)
    lines += [f"{n.path}: {n.note}, so no gradient reaches it" for n in found.nodes if n.note]
    rows = [
        (
            w.name,
            "(" + ", ".join(map(str, w.shape)) + ("," if len(w.shape) == 1 else "") + ")",
            _number(w.norm),
            _number(w.grad_norm),
            _number(w.update_ratio),
        )
        for w in found.weights
    ]
    if rows:
        columns = ("weight", "shape", "norm", "grad norm", "update ratio")
        lines += _table(columns, rows, width, left=2)
    if found.update:
        lines += textwrap.wrap(f"update ratio: {found.update}", width, subsequent_indent="  ")
    lines += ["flags:", *(f"  {flag}" for flag in found.flags)] if found.flags else ["no flags"]
    return "".join(f"{line}\n" for line in lines)


def _table(columns, rows, width: int, *, left: int) -> list[str]:
    """Rows under a header, the first `left` columns to the left and the rest to the
    right, fitted to `width` by rich (long names fold)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i < left else "right", overflow="fold")
    for row in rows:
        table.add_row(*row)
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width, color_system=None, highlight=False, soft_wrap=False, markup=False
    )
    console.print(table)
    return [line.rstrip() for line in buffer.getvalue().splitlines()]


def _number(value: float | None) -> str:
    return "" if value is None else number(value, ".3g")


def _percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.0f}%"

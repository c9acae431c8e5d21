"""A model to look at without training: a recipe's model as training would start it, or a run
folder's trained one (for the commands that take either: `compose plot R.yaml`,
`compose regions`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import jax

from compose.checker.checked import Checked
from compose.checker.graph import check
from compose.model.builder import build
from compose.model.composed import Composed
from compose.recipe.loader import load
from compose.recipe.problems import RecipeError
from compose.recipe.records import Recipe


def initialised(
    path: str | Path, *, overrides: Sequence[str] = (), notes: list[str] | None = None
) -> tuple[Checked, Composed, str]:
    """(the checked recipe, its model as `compose run` would start it, a label saying so).

    The weights are drawn from `train.seed` (0 without a train section) exactly as training
    draws them, so a weight the recipe fixes (`{init: constant, value: 2.0}`) is that value;
    then `train.init_from`'s weights replace those it names. Raises RecipeError for a recipe
    with problems."""
    path = Path(path)
    checked = check(load(path, overrides=overrides))
    if checked.problems:
        raise RecipeError(list(checked.problems))
    spec = checked.recipe.train
    seed = spec.seed if spec is not None else 0
    model = build(checked, jax.random.fold_in(jax.random.key(seed), 0))
    label = f"as initialised from seed {seed}"
    if spec is not None and spec.init_from:
        from compose.runs.trained import load_run
        from compose.trainer.session import take_weights

        folder = Path(spec.init_from)
        folder = folder if folder.is_absolute() else path.parent / folder
        model = take_weights(model, load_run(folder, notes=notes).model)[0]
        label += f" and {folder}"
    return checked, model, label


def model_of(
    target: str | Path, *, overrides: Sequence[str] = (), notes: list[str] | None = None
) -> tuple[Recipe, Composed, str, Path]:
    """(recipe, model, label, the folder its data paths start from) of a run folder (its
    trained model) or a recipe file (`initialised`)."""
    path = Path(target)
    if path.is_dir():
        from compose.runs.reading import read_summary
        from compose.runs.trained import load_run

        run = load_run(path, notes=notes)
        steps = read_summary(path)["steps"]
        return run.recipe, run.model, f"trained {steps} steps", path
    checked, model, label = initialised(path, overrides=overrides, notes=notes)
    return checked.recipe, model, label, path.parent

"""A trained run read back: its recipe, its model and the transformations training applied
to the data, from the files of its run folder, ready to predict.

The folder is checked as compose.runs.reading says (no links, each file what its name
says, paths inside it) and model.eqx against its seal (compose.runs.seal): damage is a
RecipeError naming the file. A model.eqx written before files were sealed has no
checksum: it is read, with a note saying that damage to it cannot be found.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from compose.checker.graph import check
from compose.data.transforms import Transforms
from compose.model.builder import skeleton
from compose.model.composed import Composed
from compose.recipe.loader import load
from compose.recipe.problems import Problem, RecipeError, Where
from compose.recipe.records import Recipe
from compose.runs.checkpoint import arrays
from compose.runs.names import RECIPE, WEIGHTS
from compose.runs.reading import check_folder, outside_paths, read_file
from compose.runs.seal import Damaged, unseal
from compose.runs.transforms_file import read_transforms

BATCH = 4096  # examples the model is called on at once when predicting

NO_CHECKSUM = "has no checksum (written by an earlier version): damage to it cannot be found"


@dataclass(frozen=True)
class Run:
    """A trained run: its folder, recipe, model (an equinox.Module) and the transformations
    training applied to its data (compose.data.transforms)."""

    folder: Path
    recipe: Recipe
    model: Composed
    transforms: Transforms

    def predict(self, data: Any, *, batch: int = BATCH) -> dict[str, np.ndarray]:
        """The model's outputs by name for `data`: arrays by input name as the data source
        gave them (examples first), a table of the training file's columns (column name
        -> array of rows), or a path to a .csv or .npz file. The saved transformations are
        applied, the model runs jitted in evaluation mode `batch` examples at a time;
        an output that is a class comes with `NAME.class`, each example's class name.
        Raises RecipeError for data that does not fit the run."""
        from compose.runs.predicting import Predictor

        return Predictor(self, batch=batch).predict(data)


def load_run(folder: str | Path, *, notes: list[str] | None = None) -> Run:
    """The recipe, trained model and transformations saved in a run folder (no code is
    executed to read it).

    Raises RecipeError for a folder that is damaged or holds a link; `notes` (a list)
    receives what the caller may say (a model.eqx without a checksum)."""
    folder = Path(folder)
    check_folder(folder)
    recipe = run_recipe(folder)
    # The model needs no data: a run folder moved away from its data still loads. It is
    # built as it was trained, with or without the stable rewrites.
    rewrite = recipe.train is None or recipe.train.rewrite
    checked = check(replace(recipe, train=None), rewrite=rewrite)
    model = read_weights(folder / WEIGHTS, skeleton(checked), notes=notes)
    return Run(folder, recipe, model, read_transforms(folder, recipe, notes=notes))


def run_recipe(folder: Path, overrides: list[str] | tuple[str, ...] = ()) -> Recipe:
    """The recipe a run folder keeps (with `overrides`); a data file or `init_from` it
    names relative to the folder must lie inside it."""
    recipe = load(folder / RECIPE, overrides=list(overrides))
    problems = outside_paths(recipe, folder)
    if problems:
        raise RecipeError(problems)
    return recipe


def read_weights(path: Path, skeleton: Any, *, notes: list[str] | None = None) -> Any:
    """The weights saved at `path` in the structure of `skeleton`, checked against the
    file's seal; a file with none is read and said in `notes`."""
    raw = read_file(path)
    try:
        data = unseal(raw)
    except Damaged as err:
        raise RecipeError([Problem(Where(str(path)), f"damaged: {err}")]) from None
    if data is None and notes is not None:
        notes.append(f"{path} {NO_CHECKSUM}")
    try:
        return arrays(raw if data is None else data, skeleton)
    except Exception as err:  # numpy's or Equinox's words for what did not fit
        said = str(err).splitlines()[0][:160] if str(err) else type(err).__name__
        what = "the weights of" if data is not None else "whole, or the weights of"
        message = f"expected {what} the model its {RECIPE} builds, got others ({said})"
        raise RecipeError([Problem(Where(str(path)), message)]) from None

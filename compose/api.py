"""The stages as plain functions, used the same way by the CLI, the editor and Python users.

Loading and checking need no Equinox: `compose check` imports it only when a model is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import jax

from compose import check as _check
from compose.parse import parse
from compose.problems import RecipeError
from compose.recipe import Recipe
from compose.source import load_file, load_text, override

if TYPE_CHECKING:
    from compose.model import Composed


def load(path: str | Path, *, overrides: Sequence[str] = ()) -> Recipe:
    """Read a recipe file; `overrides` are `key.path=value` strings like `train.steps=100`.

    Raises RecipeError when the file is not a readable recipe (bad YAML, not a mapping);
    other problems travel with the recipe, and `check` reports them with the rest.
    """
    return _from_source(load_file(path), overrides)


def loads(text: str, *, file: str = "<recipe>", overrides: Sequence[str] = ()) -> Recipe:
    """Like `load`, from YAML text."""
    return _from_source(load_text(text, file=file), overrides)


def _from_source(source, overrides: Sequence[str]) -> Recipe:
    problems = [p for assignment in overrides for p in override(source, assignment)]
    if problems:
        raise RecipeError(problems)
    return parse(source)


def check(recipe: Recipe) -> _check.Checked:
    """Every problem with the recipe (never raises for them); the plan and summary if none."""
    return _check.check(recipe)


def build(recipe: Recipe | _check.Checked, key: jax.Array) -> Composed:
    """An `equinox.Module` for the recipe, with weights initialised from `key`.

    Raises RecipeError if the recipe has problems.
    """
    from compose.model import Composed, init_state, init_weights

    checked = recipe if isinstance(recipe, _check.Checked) else _check.check(recipe)
    if checked.problems:
        raise RecipeError(checked.problems)
    return Composed(init_weights(checked.plan, key), checked.plan, init_state(checked.plan))


def load_run(folder: str | Path) -> tuple[Recipe, Composed]:
    """The recipe and trained model saved in a run folder (no code is executed to read it)."""
    import equinox as eqx

    from compose.run_folder import RECIPE, WEIGHTS

    folder = Path(folder)
    recipe = load(folder / RECIPE)
    # The model needs no data: a run folder moved away from its data still loads. It is
    # built as it was trained, with or without the stable rewrites.
    rewrite = recipe.train is None or recipe.train.rewrite
    checked = _check.check(replace(recipe, train=None), rewrite=rewrite)
    skeleton = build(checked, jax.random.key(0))
    return recipe, eqx.tree_deserialise_leaves(folder / WEIGHTS, skeleton)

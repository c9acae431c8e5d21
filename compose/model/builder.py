"""Building the model: an `equinox.Module` for a checked recipe, its weights initialised."""

from __future__ import annotations

import equinox as eqx
import jax

from compose.checker.checked import Checked
from compose.checker.graph import check
from compose.model.composed import Composed
from compose.model.initial_weights import init_state, init_weights
from compose.recipe.problems import RecipeError
from compose.recipe.records import Recipe


def build(recipe: Recipe | Checked, key: jax.Array) -> Composed:
    """An `equinox.Module` for the recipe, with weights initialised from `key`.

    Raises RecipeError if the recipe has problems.
    """
    checked = recipe if isinstance(recipe, Checked) else check(recipe)
    if checked.problems:
        raise RecipeError(checked.problems)
    return Composed(init_weights(checked.plan, key), checked.plan, init_state(checked.plan))


def skeleton(recipe: Recipe | Checked) -> Composed:
    """The model `build` makes, its arrays only shapes and dtypes (`jax.ShapeDtypeStruct`):
    what saved weights are read into. Nothing is drawn or compiled for weights the saved
    ones replace.

    Raises RecipeError if the recipe has problems.
    """
    return eqx.filter_eval_shape(build, recipe, jax.random.key(0))

"""A trained run read back: its recipe and model, from the files of its run folder."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import equinox as eqx
import jax

from compose.checker.graph import check
from compose.model.builder import build
from compose.model.composed import Composed
from compose.recipe.loader import load
from compose.recipe.records import Recipe
from compose.runs.names import RECIPE, WEIGHTS


def load_run(folder: str | Path) -> tuple[Recipe, Composed]:
    """The recipe and trained model saved in a run folder (no code is executed to read it)."""
    folder = Path(folder)
    recipe = load(folder / RECIPE)
    # The model needs no data: a run folder moved away from its data still loads. It is
    # built as it was trained, with or without the stable rewrites.
    rewrite = recipe.train is None or recipe.train.rewrite
    checked = check(replace(recipe, train=None), rewrite=rewrite)
    skeleton = build(checked, jax.random.key(0))
    return recipe, eqx.tree_deserialise_leaves(folder / WEIGHTS, skeleton)
